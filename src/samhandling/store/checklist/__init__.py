"""Checklist storage: runs and their cases."""
