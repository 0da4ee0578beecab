"""Shared helpers: CSV schema, errors, file writing, time parsing, money, CLI plumbing, HTML components."""
