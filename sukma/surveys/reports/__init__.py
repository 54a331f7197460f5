"""Reports (laporan SKM)."""
