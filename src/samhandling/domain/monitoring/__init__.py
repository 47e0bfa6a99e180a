"""Monitoring: the daily rules that find missing and negative receipts and stalled flows."""
