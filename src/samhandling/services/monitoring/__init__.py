"""Monitoring: the monitoring run, alerts and their notifications, line tests, metrics."""
