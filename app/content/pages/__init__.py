"""The catalogue's HTML pages (public) and the content admin pages (staff)."""
