"""The control plane, in the public schema: what the province does.

Replication agreements (models.py, services/agreements.py), provisioning a regency
in one step (services/provisioning.py), the province's pages (views/), the
provincial rollup, rankings and reconciliation (rankings/).

Uses the kernel (sukma.access, sukma.standards, sukma.tenants), and a regency's
survey only through sukma.surveys.province and the pure sukma.surveys.method.
Never imports the API or the worker: work goes to the worker by task name
(sukma.background).
"""
