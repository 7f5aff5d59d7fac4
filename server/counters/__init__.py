"""Behavioural counters per consenting visitor (sessions, days since the first visit, page-group views, tracked
events): counted in memory on each decide call and committed `track` event, kept in DuckDB's `visitor_counters`."""
