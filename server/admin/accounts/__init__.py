"""Accounts: users and their roles, sign-in sessions, sign-in limits; the sign-in and Users pages."""
