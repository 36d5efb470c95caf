"""The in-process cache used when no Redis is configured (`REDIS_URL` unset)."""
