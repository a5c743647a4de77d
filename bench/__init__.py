"""Benchmarks that print figures (not tests): ``python bench/run.py [--quick] [--json FILE]``."""
