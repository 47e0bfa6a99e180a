"""Journeys with real processes (node loop, signals, servers, the region, crashes, soak)."""
