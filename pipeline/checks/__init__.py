"""Cross-checks: rounding-aware arithmetic (arith), the rule catalogue and the engine that writes findings."""
