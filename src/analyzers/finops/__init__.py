"""FinOps analyzers: understanding, performance, realtime, optimization, alignment."""
