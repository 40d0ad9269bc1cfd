"""Benchmarks: each prints ratios measured in one run and writes reports/bench/<name>/."""
