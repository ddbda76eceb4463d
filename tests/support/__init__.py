"""Helpers shared by the tests: package builders, real clients, servers."""
