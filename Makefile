# Two commands: `make run` and `make test`. Everything else is a helper for them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app complaints
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup install instance migrate demo lint bench clean migration

run: install instance migrate demo
	$(FLASK) run --host $(HOST) --port $(PORT)

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

install: $(VENV)/.installed

# A per-installation secret key, written once and never committed.
instance/config.py:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print('SECRET_KEY = ' + repr(secrets.token_hex(32)))" > $@

instance: install instance/config.py

migrate: instance
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) seed-demo --if-empty

lint: install
	$(BIN)/ruff check complaints tests $(wildcard bench)

bench: install
	$(BIN)/python -m bench $(if $(SIZE),--size $(SIZE),)

# Developers: regenerate the migration for model changes, then review it by hand.
migration: install
	$(FLASK) db migrate -m "$(MSG)"

clean:
	rm -rf $(VENV) .pytest_cache
