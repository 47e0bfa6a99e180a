"""The demo: a region on one machine, and the codec demonstration (``samhandling demo``)."""
