"""APEX, a course delivery platform."""

from app import path_ids

# Route modules compile their paths at import; ``{x_id:id}`` must exist before any does.
path_ids.register()
