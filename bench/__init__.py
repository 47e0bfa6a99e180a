"""samhandling's benchmarks (``make bench``): figures measured on this machine, one JSON line each.

Never timed assertions in tests: targets are checked here, as ratios to a floor measured in the same run.
"""
