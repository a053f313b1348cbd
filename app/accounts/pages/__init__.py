"""Accounts' HTML pages: sign-up, sign-in, the account (public); people, organisations (staff)."""
