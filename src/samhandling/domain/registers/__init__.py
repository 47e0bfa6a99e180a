"""Registers: parties, partners, contacts, agreements, certificates, municipalities."""
