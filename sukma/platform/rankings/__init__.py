"""The provincial rankings: the rollup of every regency's totals, the ranking, reconciliation.

rollup.py copies changed totals into the public schema; ranking.py ranks regencies,
agencies and services from that rollup; reconcile.py recomputes from raw responses
and must agree to the last digit. A regency's tables are read through
sukma.surveys.province only.
"""
