"""Counter tablets (kiosks): paired to one service point, each with a revocable credential.

A regency admin or an agency operator pairs a tablet by a short code or a QR
shown in setup; the tablet then holds a credential (kept only as a keyed hash
here) that makes every submission on it a new respondent at that counter.
"""
