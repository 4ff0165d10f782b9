# Two commands: `make run` and `make test`. Everything else is a helper for them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app complaints
HOST ?= 127.0.0.1
PORT ?= 5000
I18N := complaints/translations
MO := $(I18N)/en/LC_MESSAGES/messages.mo

.PHONY: run test setup install instance migrate demo lint audit bench clean migration translations

# Plain http://127.0.0.1: cookies without the Secure flag (config HTTPS, on by default).
run: install instance migrate demo
	COMPLAINTS_HTTPS=false $(FLASK) run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: install instance migrate

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install only when the dependency list changes.
$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed $(MO)

# The English interface: the .po is committed, the .mo is built from it (and rebuilt when it changes).
$(MO): $(I18N)/en/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile -d $(I18N) -D messages
	touch $@

# After changing visible text: extract every message, merge them into the .po, compile.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k L_ --add-location=file \
		--ignore-dirs='.* __pycache__' --sort-by-file -o $(I18N)/messages.pot .
	$(BIN)/pybabel update -i $(I18N)/messages.pot -d $(I18N) -D messages \
		--ignore-obsolete
	$(BIN)/pybabel compile -d $(I18N) -D messages --statistics

# A per-installation secret key, written once and never committed.
instance/config.py:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print('SECRET_KEY = ' + repr(secrets.token_hex(32)))" > $@

# The audit key signs the audit log's head and checkpoints; it never goes into the database
# (complaints/core/audit.py). Written once; keep a copy apart from the backups.
instance/audit.key:
	mkdir -p instance
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@

instance: install instance/config.py instance/audit.key

migrate: instance
	$(FLASK) db upgrade
	$(FLASK) maintenance

demo: migrate
	$(FLASK) seed-demo --if-empty

# Security checks (scripts/audit.sh): bandit on complaints/, pip-audit on the installed packages.
audit: install
	BIN=$(BIN) bash scripts/audit.sh

lint: install
	$(BIN)/ruff check complaints tests $(wildcard bench)

bench: install
	$(BIN)/python -m bench $(if $(SIZE),--size $(SIZE),)

# Developers: regenerate the migration for model changes, then review it by hand.
migration: install
	$(FLASK) db migrate -m "$(MSG)"

clean:
	rm -rf $(VENV) .pytest_cache
