"""Complaints: a suggestion left with a response becomes a case with a tracking code.

Citizens track it (the tracking page); agencies answer it (the inbox); clocks.py holds
the SP4N-LAPOR! working-day limits. Its own Django app in the regency's schema.
"""
