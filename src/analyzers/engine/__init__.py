"""The shared engine: reader (typed streaming CSV), cube (one-pass mergeable accumulator), base Analyzer,
runner (one pass feeding all analyzers, workers, outputs) and pages (HTML shell)."""
