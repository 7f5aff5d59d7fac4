"""Pure learning code for Attune: policies, features, exploration, rewards, the reward join, off-policy evaluation.

Nothing here imports a web framework, Redis or DuckDB, so it can be read, tested,
benchmarked and replayed against a log on its own.
"""
