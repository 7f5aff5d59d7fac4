"""Editing: changes to the live configuration from the admin (sites, blocks, variants, rules, config as code)."""
