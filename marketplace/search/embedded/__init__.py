"""The embedded search engine (SQLite FTS5): `backend.EmbeddedBackend`; its modules import
one another and the shared search modules above, never this package's __init__."""
