"""Benchmarks of the hot paths (``nox -s bench``); timings are reported, not asserted."""
