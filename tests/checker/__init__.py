"""Tests of the checker package: the rules as functions, the plugin under mypy (the YAML cases here), `memdesc check` over corpus/."""
