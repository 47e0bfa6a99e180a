"""The statistics' reads from the store (issue 17)."""
