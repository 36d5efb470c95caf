"""Tatame's domain: entities, value objects and repository ports. Standard library and attrs only."""
