# make run  — install everything, load the demo district, serve on http://127.0.0.1:8000
# make test — install everything and run the tests (set DATABASE_URL/REDIS_URL for the real
#             services; REQUIRE_SERVICES=1 makes tests that need them fail instead of skip)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?= -n 2
# Pinned, hashed Python dependencies (runtime + dev extras) that `make` installs; regenerated from
# pyproject.toml by `make lock` (UV_ARGS=--upgrade to move every pin, -P NAME for one).
LOCK := requirements-dev.lock
UV_ARGS ?=
UV_COMPILE := --universal --python-version 3.11 --generate-hashes --custom-compile-command "make lock" --quiet

.PHONY: run test setup system-deps lint check lock clean

run: setup
	scripts/run.sh

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

setup: system-deps $(VENV)/.installed static/vendor/.installed locale/en/LC_MESSAGES/django.mo

system-deps:
	scripts/install-system-deps.sh

# The project itself has no packages ([tool.setuptools] packages = []): the lock is all there is.
$(VENV)/.installed: $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet --require-hashes -r $(LOCK)
	touch $@

# One resolution for Python 3.11 and up on every platform (--universal); requirements.lock (no dev
# extras, for the Docker image) takes the same pins. uv runs from the venv, or is bootstrapped.
lock:
	test -x $(VENV)/bin/uv || { $(PYTHON) -m venv $(VENV) && $(VENV)/bin/pip install --quiet uv; }
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev $(UV_COMPILE) $(UV_ARGS) -o $(LOCK)
	$(VENV)/bin/uv pip compile pyproject.toml -c $(LOCK) $(UV_COMPILE) -o requirements.lock

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.installed: node_modules/.installed scripts/vendor-static.sh
	scripts/vendor-static.sh
	touch $@

locale/en/LC_MESSAGES/django.mo: locale/en/LC_MESSAGES/django.po $(VENV)/.installed
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# What CI checks besides the tests: lint and format, the lock against pyproject.toml, imports
# pointing down the layers and no import cycle between files, types, migrations, the API schema
# and the deploy settings. Nothing here needs PostgreSQL or Redis.
check: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) scripts/check_lock.py
	$(VENV)/bin/lint-imports --no-cache --no-logo
	$(PY) scripts/check_import_cycles.py
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --fail-on-warn --validate --file /dev/null
	DJANGO_SETTINGS_MODULE=config.settings.production \
	DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	DJANGO_ALLOWED_HOSTS=lingxing.example DATABASE_URL=sqlite:///tmp/check.sqlite3 \
	TRUSTED_PROXY_HOPS=1 \
	$(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles
