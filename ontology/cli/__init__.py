"""The `memdesc` command line: a thin typer layer over ontology queries and renderers."""
