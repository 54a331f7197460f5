"""Complaints: models (tenant schema)."""
