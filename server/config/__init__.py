"""Sites and blocks: the configuration schema and the TOML loader (config as code)."""
