"""Proposals: TOML files that change the ontology, applied to a copy of it and diffed.

`schema` says what a proposal file may hold, `load` reads one with file:line findings,
`apply` turns (ontology, proposal) into a new ontology, `diff` lists what changed.
"""
