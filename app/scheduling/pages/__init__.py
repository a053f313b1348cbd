"""Scheduling's HTML pages: series (staff), sessions and venues (staff), calendar feeds (public)."""
