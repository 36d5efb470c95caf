"""One module per repository; each takes the unit of work's session. Queries filter on the table
columns (typed), and load the domain classes mapped onto those tables."""
