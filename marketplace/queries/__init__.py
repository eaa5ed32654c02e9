"""Read-side selectors: what pages and the API show. No writes here."""
