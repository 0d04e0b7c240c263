"""`make bench`: benchmarks that print figures (not part of the package)."""
