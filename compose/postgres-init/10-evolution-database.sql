-- PostgreSQL's image runs this once, when it initialises an empty data volume: Evolution API keeps
-- its instances and messages in a database of its own, beside Tatame's (POSTGRES_DB).
CREATE DATABASE evolution;
