"""What anyone may read on a regency's site without signing in.

- home.py: the regency's front page (the public results, the dashboard for its staff);
- views.py: the public results page (/hasil/), from the same selectors as the dashboards.
"""
