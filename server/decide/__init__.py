"""POST /v1/decide: pick a variant per block, log it with its propensity, say why."""
