"""Attune's decision service: the Litestar app, one sub-package per capability."""
