"""Tables for visitors' data rights, in the event log's DuckDB file (created with the log)."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS consent_receipts (
    receipt VARCHAR PRIMARY KEY, site VARCHAR NOT NULL, visitor VARCHAR,  -- keyed hash; NULL before an id exists
    personalization BOOLEAN NOT NULL, feedback BOOLEAN NOT NULL, measurement BOOLEAN NOT NULL,
    source VARCHAR NOT NULL, policy_version VARCHAR NOT NULL, gpc BOOLEAN NOT NULL, recorded_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS erasure_receipts (  -- deliberately without the visitor hash
    receipt VARCHAR PRIMARY KEY, site VARCHAR NOT NULL, erased_at BIGINT NOT NULL, decisions BIGINT NOT NULL,
    events BIGINT NOT NULL, consents BIGINT NOT NULL, interests BIGINT NOT NULL, suppressions BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS privacy_requests (  -- export and erasure requests, counted without visitor ids
    site VARCHAR NOT NULL, kind VARCHAR NOT NULL, requested_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS visitor_interests (
    site VARCHAR NOT NULL, visitor VARCHAR NOT NULL, interests VARCHAR[] NOT NULL, updated_at BIGINT NOT NULL,
    PRIMARY KEY (site, visitor)
);
CREATE TABLE IF NOT EXISTS retention_runs (
    ran_at BIGINT NOT NULL, site VARCHAR NOT NULL, kind VARCHAR NOT NULL, deleted BIGINT NOT NULL
);
"""
