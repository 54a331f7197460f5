"""Rankings: models (shared schema)."""
