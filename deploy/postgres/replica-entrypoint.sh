#!/bin/sh
# The streaming replica's start (docker-compose.yml: postgres-replica). On an empty volume: wait
# for the primary, then clone it with pg_basebackup: -R writes standby.signal and the
# primary_conninfo to follow it; -C -S makes a replication slot, so that the primary keeps the WAL
# the replica has not received yet (up to its max_slot_wal_keep_size) while the replica is down.
# Then PostgreSQL runs as a hot standby: it answers reads and applies the primary's WAL as it comes.
set -e
SLOT=lingxing_replica

if [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$(dirname "$PGDATA")" "$PGDATA"
    chmod 700 "$PGDATA"
    exec gosu postgres sh "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    export PGPASSWORD="$POSTGRES_REPLICATION_PASSWORD"
    until pg_isready -q -h "$PRIMARY_HOST" -p "${PRIMARY_PORT:-5432}"; do
        echo "waiting for the primary at $PRIMARY_HOST"
        sleep 2
    done
    # the slot of an earlier replica whose volume was removed: dropped, or the clone refuses
    psql -h "$PRIMARY_HOST" -p "${PRIMARY_PORT:-5432}" -U replicator -d postgres -v ON_ERROR_STOP=1 -qAt -c \
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
         WHERE slot_name = '$SLOT' AND NOT active"
    rm -rf "${PGDATA:?}"/*
    pg_basebackup -h "$PRIMARY_HOST" -p "${PRIMARY_PORT:-5432}" -U replicator -D "$PGDATA" \
        -R -X stream -C -S "$SLOT" -c fast
fi

# hot_standby_feedback: the primary's vacuum waits for rows a long read here still needs, so a
# dashboard's query is not cancelled by a conflict with recovery.
exec postgres -c hot_standby=on -c hot_standby_feedback=on "$@"
