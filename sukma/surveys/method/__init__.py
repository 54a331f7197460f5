"""The survey method of PermenPANRB 14/2017, as pure Python: where a statistician looks.

- elements.py: the nine elements (unsur), their questions and answer labels, word for word;
- ikm.py: NRR, IKM, konversi and grade from per-element sums and counts;
- sampling.py: the Krejcie & Morgan target, the margin of error, a period's expected users.

No Django, no ORM, no floats: plain numbers in, plain numbers out. Everything
else in SuKMa that shows a figure calls these modules; they call nothing of
SuKMa (an import-linter contract in pyproject.toml holds them to it).
"""
