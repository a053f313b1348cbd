"""Online learning: access grants, the module player, knowledge checks, progress, completion."""
