"""Pure learning code for Attune: policies, features, exploration, rewards and the reward join.

Nothing here imports a web framework, Redis or DuckDB, so it can be read, tested,
benchmarked and replayed against a log on its own.
"""
