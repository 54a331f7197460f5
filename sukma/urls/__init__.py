"""URL confs: public.py for the base domain (the province), tenant.py for a regency's host."""
