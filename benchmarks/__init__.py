"""Reproducible timings of webkit against the alternatives: `python -m benchmarks --help`."""
