"""The province's standard lists of agency kinds and services, which every regency maps to.

- models.py: AgencyKind, StandardAgencyKind, StandardService;
- services.py: the province's audited writes to the lists, and the template they start from.

A regency's mapping (sukma.surveys.structure.mapping) and the provincial rankings
(sukma.platform.rankings) both read them: they sit below both, beside sukma.access.
"""
