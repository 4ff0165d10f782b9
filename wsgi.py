"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

from complaints import create_app

app = create_app()
