"""Content packs: loading, validation and rendering, without a database."""
