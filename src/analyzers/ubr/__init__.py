"""Usage-based revenue analyzers: profitability, pricing, features."""
