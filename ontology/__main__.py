"""`python -m ontology` runs the memdesc CLI."""

from ontology.cli.entry import main

main()
