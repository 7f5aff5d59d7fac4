"""Visitors' data rights: consent receipts, export, erasure, interests, retention and transparency."""
