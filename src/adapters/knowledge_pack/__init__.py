"""Tenant packs on disk: `knowledge/<slug>/tenant.yaml` plus Markdown FAQ files."""
