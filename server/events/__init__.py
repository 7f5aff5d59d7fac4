"""POST /v1/events: impressions, clicks, ratings and more, acknowledged once durably stored."""
