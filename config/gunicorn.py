"""gunicorn's settings, the same wherever the platform is served: the image, docker-compose and
bench/ratings.py (`gunicorn -c config/gunicorn.py config.wsgi`). Options on the command line
and GUNICORN_CMD_ARGS override them.

Threaded workers keep connections alive, so the proxy in front (nginx, the district gateway)
reuses its connections instead of opening one per request; a worker's threads share its CPU
while one of them waits for PostgreSQL or Redis.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Python runs one thread at a time in each process. 3 × 4 threads suit two cores and hold at
# most 12 database connections (CONN_MAX_AGE keeps them); on a larger machine raise
# WEB_CONCURRENCY to about one per core plus one, within PostgreSQL's max_connections.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = 5  # seconds an idle kept-alive connection stays open
# A request that has not finished within this long is a stuck worker: restart it.
timeout = 60
graceful_timeout = 30
