"""Data files shipped with samhandling: the seed of the partner register (``innlandet.json``: the municipalities
of Innlandet with their numbers), read with :mod:`importlib.resources`."""
