"""Follow-up plans (RTL): models (tenant schema)."""
