"""Follow-up plans (RTL)."""
