"""Evaluation: retrieval metrics, abstention calibration and benchmarks on the shared data."""
