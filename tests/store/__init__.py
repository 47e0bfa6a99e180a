"""The storage contract over memory, SQLite and PostgreSQL."""
