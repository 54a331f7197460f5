"""What anyone may read on a regency's site without signing in.

views.py: the regency's front page (the public results for everyone, a way to the dashboard
for its staff) and the public results page (/hasil/), from the same selectors as the dashboards.
"""
