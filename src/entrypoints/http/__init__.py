"""The HTTP service: Evolution API webhooks and health."""
