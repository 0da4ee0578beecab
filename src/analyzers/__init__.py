"""The eight analyzers (five FinOps, three usage-based revenue) and the shared streaming engine."""
