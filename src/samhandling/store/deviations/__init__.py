"""Storage of the deviation register: deviations, their measures, and when the partner was told."""
