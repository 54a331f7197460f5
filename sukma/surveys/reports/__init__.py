"""The laporan SKM, as PDF (pdf.py) and XLSX (xlsx.py), made in a worker and cached by its data.

selectors.py gathers the figures (from sukma.surveys.selectors), services.py asks for a
report and makes it. Its own Django app in the regency's schema.
"""
