"""Installed as `tatame_data.knowledge` (see adapters/shipped.py): the default pack ships in the wheel."""
