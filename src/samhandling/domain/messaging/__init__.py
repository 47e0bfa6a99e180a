"""Messaging: the stored message, its states and journal, the rules of sending and receiving."""
