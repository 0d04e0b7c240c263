"""Invariants checked at synth (pure rule functions) and the aspects that report them."""
