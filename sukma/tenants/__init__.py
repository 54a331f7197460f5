"""Tenancy: Regency (the tenant) and Domain, host -> regency (resolve.py), schemas.

Knows nothing of the survey, the control plane or people: the bottom layer. Also the
database backend that remembers the server's search_path, the template schema and its
clone, and the migrate commands that migrate the template too.
"""
