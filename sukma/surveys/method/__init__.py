"""The survey method of PermenPANRB 14/2017, as pure Python: where a statistician looks.

- elements.py: the nine elements (unsur), their questions and answer labels, word for word;
- ikm.py: NRR, IKM, konversi and grade from per-element sums and counts;
- sampling.py: the Krejcie & Morgan target, the margin of error, a period's expected users
  (yearly users x months / 12, half-up, at least 1 when entered; a group's is the sum of
  its services');
- rounding.py: the one rounding rule, half-up on the exact value, for every figure, share,
  margin and target shown or exported (never round(), floatformat or number_format alone).

No Django, no ORM, no floats: plain numbers in, plain numbers out. Everything
else in SuKMa that shows a figure calls these modules; they call nothing of
SuKMa (an import-linter contract in pyproject.toml holds them to it).
"""
