# make run  — install everything, load the demo district, serve on http://127.0.0.1:8000
# make test — install everything and run the tests (set DATABASE_URL/REDIS_URL for the real
#             services; REQUIRE_SERVICES=1 makes tests that need them fail instead of skip)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?= -n 2

.PHONY: run test setup system-deps lint check clean

run: setup
	scripts/run.sh

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

setup: system-deps $(VENV)/.installed static/vendor/.installed locale/en/LC_MESSAGES/django.mo

system-deps:
	scripts/install-system-deps.sh

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

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

# What CI checks besides the tests.
check: setup
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --fail-on-warn --validate --file /dev/null
	DJANGO_SETTINGS_MODULE=config.settings.production \
	DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	DJANGO_ALLOWED_HOSTS=lingxing.example DATABASE_URL=sqlite:///tmp/check.sqlite3 \
	$(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles
