"""Benchmarks for docketd: speed, cost and footprint against explicit goals (`make bench`, never `make test`)."""
