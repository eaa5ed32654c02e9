"""The Meilisearch backend: `backend.MeiliBackend`, with what a document becomes (documents),
the index settings (settings) and the request and result of a search (query)."""
