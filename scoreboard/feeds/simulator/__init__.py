"""The feed simulator: realistic matches of the four sports, delivered with faults."""
