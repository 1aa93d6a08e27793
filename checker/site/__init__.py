"""The documentation site's generated pages: `memdesc docs` writes them, `memdesc docs --check` finds stale ones.

Every generated page derives from a single source of truth (the ontology data, the command line's
click tree, which `memdesc docs` passes in, the checker's error codes and examples); the
hand-written pages are listed in the site map. The site never imports the CLI.
"""
