"""Monitoring storage: alerts, transport attempts, notifications, line tests."""
