"""A regency's survey, in the regency's own schema: nothing here is shared across regencies.

The Django app (models.py, migrations/) holds agencies, services, service points,
periods, the questionnaire, responses and their totals. The code is split by who
uses it; each package's first lines say what it holds and what it may use:

- method/      the survey method, pure Python (elements, IKM, sample adequacy)
- citizen/     the citizen's survey page and the submission's rules
- recording/   the one place for raw SQL on the write path (the submission statement)
- structure/   the regency admin's pages and services (/kelola/)
- dashboard/   dashboards, moderation, posters (/dasbor/)
- results/     what anyone reads without signing in (/, /hasil/)
- complaints/, followup/, reports/   their own Django apps, each in the regency's schema
- selectors.py every figure, from the totals through the method
- province.py  the one door from the control plane (sukma.platform) into here

May use the kernel below it (sukma.access, sukma.standards, sukma.tenants); never the
control plane, the API or the worker (import-linter contracts in pyproject.toml).
"""
