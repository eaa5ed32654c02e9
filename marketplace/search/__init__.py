"""Search: one query model (query.py), backends chosen by configuration."""
