# Production image for 零星工程智慧监管平台 (lingxing).
#
#   docker build -t lingxing .
#   docker compose up -d          # see docker-compose.yml and .env.example
#
# Three stages:
#   assets  - Debian's Node.js + npm run `npm ci` and scripts/vendor-static.sh, which copies the
#             front-end files the pages use into static/vendor (never a CDN: intranet deployments);
#             GNU gettext compiles locale/*.po into the .mo files Django reads (*.mo is not in git).
#   deps    - the Python dependencies pinned in requirements.lock, installed into a virtualenv.
#   runtime - python:3.11-slim-bookworm + WeasyPrint's runtime libraries + CJK fonts, the
#             virtualenv, the source tree, translations and collected static files; non-root.
# Node.js, npm, gettext and pip's build leftovers never reach the runtime image.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---------------------------------------------------------------------------------------------
FROM debian:bookworm-slim AS assets

# Unpinned apt packages (DL3008): bookworm's versions only move with security updates.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm ca-certificates gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY scripts/vendor-static.sh scripts/
RUN bash scripts/vendor-static.sh

# Same as `manage.py compilemessages` (msgfmt --check-format), without needing Django here.
COPY locale locale
RUN find locale -name '*.po' -exec sh -c \
        'for po; do msgfmt --check-format -o "${po%.po}.mo" "$po" || exit 1; done' msgfmt {} +

# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS deps

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# Only the lock: the project itself has no packages ([tool.setuptools] packages = []), so its
# pinned, hashed runtime dependencies are all there is (`make lock` writes requirements.lock from
# pyproject.toml); this layer is rebuilt only when they change.
WORKDIR /src
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

# WeasyPrint (PDF) needs Pango/HarfBuzz at run time; the documents are Chinese, hence Noto CJK.
# ffmpeg checks site videos by their content and cuts their poster frames.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        ffmpeg \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    DJANGO_MEDIA_ROOT=/app/media

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
        --shell /usr/sbin/nologin app

COPY --from=deps /opt/venv /opt/venv

WORKDIR /app
# The source tree (see .dockerignore), then the vendored front-end files and translations.
COPY . .
COPY --from=assets /build/static/vendor ./static/vendor
COPY --from=assets /build/locale ./locale

# collectstatic imports the production settings, which require these variables: throwaway
# values, set for this one command only (not baked into the image). No database is touched.
RUN DJANGO_SECRET_KEY=collectstatic-build-only \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 \
    TRUSTED_PROXY_HOPS=0 \
    python manage.py collectstatic --noinput \
    && rm -f /tmp/collectstatic.sqlite3

# The code stays root-owned and read-only for the app user; only uploads are writable. A named
# volume mounted at /app/media starts out with this directory's owner.
RUN mkdir -p /app/media && chown app:app /app/media

# Numeric, so that runtimes checking "runAsNonRoot" can verify it without /etc/passwd.
USER 10001:10001

EXPOSE 8000

CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]
