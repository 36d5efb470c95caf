"""How Tatame is run: the CLI (and, later, the HTTP app), wired by one dishka container."""
