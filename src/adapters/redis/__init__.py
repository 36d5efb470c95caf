"""The cache in a Redis server (`REDIS_URL`), shared by every process of a deployment."""
