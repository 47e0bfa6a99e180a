"""Register storage: partners, contacts, agreements, certificates, municipalities, journal."""
