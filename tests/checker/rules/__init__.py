"""Tests of each checker rule (checker.rules) as plain functions, without mypy: its findings and messages."""
