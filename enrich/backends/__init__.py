"""Extraction backends behind one narrow interface: `extract(batch) -> results`."""
