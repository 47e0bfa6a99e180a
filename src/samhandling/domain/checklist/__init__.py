"""Checklist: the shared test checklist (forløpstester) as data, and how its evidence is judged."""
