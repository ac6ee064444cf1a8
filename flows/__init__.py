"""Thin Prefect shells over `pipeline`."""
