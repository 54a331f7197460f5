"""Tests of the laporan SKM (PDF and XLSX)."""
