"""Fakes of outside services that run as real servers, for e2e tests."""
