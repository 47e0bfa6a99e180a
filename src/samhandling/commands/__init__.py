"""Command groups of the ``samhandling`` command line; ``cli.py`` assembles them."""
