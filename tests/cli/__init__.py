"""The command line, run in process."""
