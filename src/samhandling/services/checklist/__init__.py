"""Checklist: running the cooperation test checklist and reporting it."""
