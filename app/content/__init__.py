"""Content packs: format, loading, validation, rendering and sync."""
