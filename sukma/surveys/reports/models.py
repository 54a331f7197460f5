"""Reports (laporan SKM): models (tenant schema)."""
