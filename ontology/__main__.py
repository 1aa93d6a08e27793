"""`python -m ontology` runs the memdesc CLI."""

from ontology.cli.app import main

main()
