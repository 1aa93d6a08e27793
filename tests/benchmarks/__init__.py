"""Tests of the benchmark scripts (their output format, not their numbers)."""
