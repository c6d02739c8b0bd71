"""Benchmarks: `./tc bench` prints a table. Never part of the pass/fail test suite."""
