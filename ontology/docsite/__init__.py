"""The ontology's pages for the docs site: type pages, diagrams, the proposal-format page, and the
Markdown escaping every renderer shares (`markdown.py`)."""
