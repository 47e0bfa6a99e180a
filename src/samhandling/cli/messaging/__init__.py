"""Messaging commands: send, receive, show, messages, node."""
