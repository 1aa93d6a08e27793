"""memdesc's checker: mypy plugins that enforce the ontology of memory descriptors on models.

`checker.plugin` is the mypy plugin (`plugins = ["checker.plugin"]`); `checker.run` is the
`memdesc check` runner, which adds a post-pass for what no mypy hook can see. Rules live in
`checker.rules`, one module each, as plain functions over plain data.
"""

__version__ = "0.1.0"
