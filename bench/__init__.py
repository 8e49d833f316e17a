"""Benchmarks: the bot against the loopback fakes, measured and compared with a floor."""
