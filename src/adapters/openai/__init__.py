"""The `openai` engine: decisions of a turn asked of a language model through the official client
(Chat Completions), against OpenAI or any compatible server. Every reply is validated here; a call
that fails raises `ModelFailure`, so a fallback can answer the turn instead."""
