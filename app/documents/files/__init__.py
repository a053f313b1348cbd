"""Stored document files and how they are served (signed certificate links)."""
