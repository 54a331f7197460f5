"""Tasks of reports: ids in, one service call, their own retry policy. Each is idempotent."""
