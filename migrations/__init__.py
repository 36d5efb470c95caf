"""Installed as `tatame_data.migrations` (see adapters/shipped.py), so the wheel carries them."""
