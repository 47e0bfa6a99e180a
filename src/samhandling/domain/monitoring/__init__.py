"""Monitoring: the daily rules that find missing and negative receipts and stalled flows, as pure functions over
plain facts, and the life of the alerts they raise (causes, findings, receipts, transport, quiet_partners,
alerts, mail)."""
