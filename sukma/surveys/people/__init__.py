"""/kelola/orang/: a regency's admins manage its people (sukma.access.people does the work)."""
