"""Benchmarks (`make bench-live`, ...): separate processes, baseline in the same run."""
