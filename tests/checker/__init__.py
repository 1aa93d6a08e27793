"""Tests of the checker package: facts, each rule as functions, the plugin under mypy (the YAML
cases here) and `memdesc check` over corpus/."""
