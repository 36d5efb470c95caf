"""The no-network engine: rule-based triage, extractive answers and canned small talk."""
