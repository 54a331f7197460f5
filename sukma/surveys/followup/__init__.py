"""Follow-up plans (rencana tindak lanjut, RTL): after a period, the lowest elements first.

An agency plans actions with deadlines and the person responsible, then records the
realisation with evidence. Its own Django app in the regency's schema.
"""
