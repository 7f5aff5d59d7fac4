"""Reporting: results per block with intervals, recent decisions and the audit log."""
