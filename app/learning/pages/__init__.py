"""Learning's HTML pages: My learning, the module player, knowledge checks."""
