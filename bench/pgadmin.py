"""What the benches share: a connection to the PostgreSQL server's maintenance database, for
creating and dropping their own databases."""

from urllib.parse import urlparse

import psycopg2


def admin_connection(server_url: str):
    url = urlparse(server_url)
    conn = psycopg2.connect(
        host=url.hostname or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        dbname="postgres",
    )
    conn.autocommit = True
    return conn
