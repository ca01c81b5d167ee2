"""Holdout's benchmarks: ``python -m bench`` (``make bench``) runs them side by side
with their baselines and writes ``bench/results/latest.json`` and ``BENCHMARKS.md``."""
