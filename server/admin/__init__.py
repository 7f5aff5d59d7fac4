"""The admin page at /admin: sign-in, blocks, variants, rules, results, decisions, audit, config as code."""
