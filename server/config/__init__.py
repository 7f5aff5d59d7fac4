"""The configuration as a core service: schema and loader (config as code), versions, TOML export and import, edits."""
