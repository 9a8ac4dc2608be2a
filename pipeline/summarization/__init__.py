"""Summarisation above the backends: map-reduce over long texts and the checks and
packing of summary text."""
