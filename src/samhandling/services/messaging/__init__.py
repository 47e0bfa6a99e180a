"""Messaging: send, receive, outbox, node loop, delivery status, EPJ catalog."""
