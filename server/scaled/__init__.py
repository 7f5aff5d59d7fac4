"""Scaled mode: edge workers and one learner sharing Redis (`attune serve --redis URL --role edge|learner`).

One Redis stream carries decisions and events in causal order; the learner consumes it into the
DuckDB log, learns as in embedded mode, and publishes its policies for the edges to decide from.
"""
