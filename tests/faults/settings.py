"""Settings of the processes the fault tests start (worker and producer): the development
settings on the private PostgreSQL and Redis named by DATABASE_URL/REDIS_URL, a real broker,
and a short visibility timeout so that a message held by a killed worker comes back within
seconds (production keeps Redis' default hour: its longest task must fit inside it)."""

from config.settings.local import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 5,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
OUTBOX_TASK_QUEUE = "faults"
