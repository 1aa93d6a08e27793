"""The `memdesc` command line: a thin typer layer over the ontology and the checker.

It sits above both packages (neither imports it): each command parses its arguments, calls one
library function and renders the result. `entry.main` is the console script and `python -m memdesc`.
"""
