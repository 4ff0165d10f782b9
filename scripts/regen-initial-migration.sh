#!/usr/bin/env bash
# Until the first release the schema is one reviewed migration, 0001. This regenerates it from
# the models into a scratch SQLite database. After the first release: new migrations only.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
rm -f migrations/versions/*.py
export COMPLAINTS_SECRET_KEY=regen COMPLAINTS_INSTANCE_PATH="$scratch"
unset DATABASE_URL COMPLAINTS_SQLALCHEMY_DATABASE_URI
.venv/bin/flask --app complaints db migrate --rev-id 0001 -m "initial schema" >/dev/null
.venv/bin/flask --app complaints db upgrade >/dev/null
.venv/bin/flask --app complaints db check
echo "migrations/versions/0001_initial_schema.py regenerated"
