"""Messaging storage: messages, parties, outbox, journal."""
