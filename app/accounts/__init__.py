"""Accounts: users, roles, organisations, sign-in, server-side sessions, CSRF, API tokens."""
