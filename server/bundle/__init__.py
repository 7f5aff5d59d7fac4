"""The widget bundle: /v1/attune.js for the script tag, and a versioned, immutable, SRI-hashed copy."""
