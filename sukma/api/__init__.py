"""The REST API (DRF) of both planes: a thin face over the services and selectors.

urls_public.py and views_control.py, views_rankings.py: the control plane on the base
domain; urls_tenant.py, views_tenant.py, views_survey.py, views_reports.py: a regency's
own data on its subdomain. OpenAPI by drf-spectacular. Holds no business rule; never
imports the worker (work goes by task name, sukma.background).
"""
