"""List prices of AI models: the catalog every part of the showcase prices through (see catalog.py)."""
