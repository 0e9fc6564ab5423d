"""Benchmarks run by `make bench`; files are named bench_*.py so `make test` (test_*.py) never collects them."""
