"""WSGI entry point: `gunicorn 'wsgi:app'` (production reads its settings from the environment)."""

from marketplace import create_app

app = create_app()
