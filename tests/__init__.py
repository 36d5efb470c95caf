from pathlib import Path

# The checkout the tests run from: the default pack, compose/ and .env.example as committed.
# The program itself finds what it needs through adapters.shipped, never through this.
PROJECT_ROOT = Path(__file__).resolve().parents[1]
