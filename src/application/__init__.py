"""Use cases (one per module) and the ports for outside services they need."""
