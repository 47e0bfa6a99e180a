"""Registers: partners, contacts, agreements, certificates, municipalities, patients, files."""
