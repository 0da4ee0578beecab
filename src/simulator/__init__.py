"""The AI-call simulator: price catalog, domain dataclasses, the core generator and traffic scenarios."""
