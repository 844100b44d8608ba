"""Decide, then write: read through the store, ask the domain, write once."""
