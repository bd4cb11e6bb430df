"""Tasks enqueued through a transactional outbox: the row is written in the caller's
transaction and published after commit. A publish that fails (Redis down) leaves the row, and
the relay publishes it later, so a task is never lost between a commit and a broker."""

import logging
from datetime import timedelta
from importlib import import_module

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError

from .models import OutboxMessage

log = logging.getLogger(__name__)
# Fail fast when the broker is away; the relay tries again later.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
RELAY_AFTER = timedelta(seconds=30)


def enqueue(task: str, /, *, on_queue: str = "", **kwargs) -> OutboxMessage:
    """Record the task now; publish it once the caller's transaction has committed (to
    `on_queue` if given, else where the task's route sends it)."""
    queue = on_queue or getattr(settings, "OUTBOX_TASK_QUEUE", "") or ""
    with transaction.atomic():
        message = OutboxMessage.objects.create(task=task, kwargs=kwargs, queue=queue)
        transaction.on_commit(lambda: publish(message.pk))
    return message


def publish(message_id: int) -> bool:
    """Publish one pending message; True when the broker took it."""
    message = OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).first()
    if message is None:
        return False
    # Importing the module registers its tasks (autodiscovery is lazy outside a worker).
    import_module(message.task.rsplit(".", 1)[0])
    task = current_app.tasks[message.task]
    try:
        with current_app.connection_for_write() as conn:
            # connection= is a publishing option, and queue=None the default queue: celery-types
            # lists neither.
            task.apply_async(  # type: ignore[call-arg]
                kwargs=message.kwargs,
                queue=message.queue or None,  # type: ignore[arg-type]
                connection=conn,
                retry=True,
                retry_policy=PUBLISH_RETRY,
            )
    except (OperationalError, ConnectionError, OSError) as exc:
        log.warning("outbox: %s not published yet (%s); the relay will retry", message.task, exc)
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=F("attempts") + 1, last_error=str(exc)[:500]
        )
        return False
    OutboxMessage.objects.filter(pk=message.pk, sent_at__isnull=True).update(
        sent_at=timezone.now(), attempts=F("attempts") + 1
    )
    return True


def relay(*, older_than: timedelta = RELAY_AFTER, limit: int = 500) -> int:
    """Publish what is still waiting (the broker was down at commit time). A message may then
    be published twice; every task it names is idempotent."""
    cutoff = timezone.now() - older_than
    ids = list(
        OutboxMessage.objects.filter(sent_at__isnull=True, created_at__lte=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    return sum(publish(pk) for pk in ids)
