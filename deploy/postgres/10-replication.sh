#!/bin/sh
# The role the replica streams as (docker-compose.yml: postgres-replica), with the password from
# POSTGRES_REPLICATION_PASSWORD. The postgres image runs this when it makes a new volume; for a
# volume made before the replica existed, run it once by hand:
#   docker compose exec postgres sh /docker-entrypoint-initdb.d/10-replication.sh
# Running it again sets the password anew (after changing it in .env).
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v password="$POSTGRES_REPLICATION_PASSWORD" <<'SQL'
SELECT 'CREATE ROLE replicator WITH REPLICATION LOGIN'
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'replicator') \gexec
SELECT format('ALTER ROLE replicator WITH PASSWORD %L', :'password') \gexec
SQL
