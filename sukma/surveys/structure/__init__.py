"""A regency's structure, managed by its admins at /kelola/.

Agencies (OPD), their services and service points (counters), periods, the
questionnaire's local questions, bulk import from CSV/XLSX, and the mapping of
agencies and services to the province's standard lists.

- services.py, questionnaire.py, mapping.py, imports.py: the writes (audited);
- selectors.py: the reads;
- forms.py, views.py, urls.py: the admin pages.

May use the models, the method, the figures (sukma.surveys.selectors), the shared
kernel (sukma.access, sukma.standards); never the citizen's path or the control plane.
"""
