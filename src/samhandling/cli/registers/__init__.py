"""Register commands: parties, patients, partners, contacts, agreements, certificates."""
