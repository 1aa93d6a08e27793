"""`python -m memdesc` runs the memdesc CLI, exactly as the `memdesc` console script does."""

from memdesc.entry import main

main()
