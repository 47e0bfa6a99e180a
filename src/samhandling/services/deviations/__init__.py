"""Use cases of the deviation register (avvik): register from every source, handle with measures, tell the
partner, report per period. The rules are in :mod:`samhandling.domain.deviations`."""
