"""WSGI entry point for gunicorn: `gunicorn wsgi:app`."""

from complaints import create_app, settle

# A served worker never migrates (`make migrate` does, before the workers start): leaving
# Flask-Migrate and alembic out keeps each worker ~11 MB smaller.
app = create_app(migrations=False)
settle()
