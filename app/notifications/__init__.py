"""Notifications: e-mail over SMTP (or to var/outbox/ when no SMTP host is set)."""
