"""Where decisions and events are kept: the DuckDB event log and its group-commit writer."""
