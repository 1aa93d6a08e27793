"""memdesc's checker: mypy plugins enforcing the ontology on models (arrives with issue #5).

The package exists now so the distribution's import packages are fixed from the start; its
plugin and the `memdesc check` runner are built on `ontology.types`.
"""
