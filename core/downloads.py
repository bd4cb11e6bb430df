"""Files made on a worker: the Excel exports and PDF reports that may take longer than a request
may last (docs/architecture.md, "Exports and documents").

A page that offers such a file asks for it (`download_request`, one audit event) and sends its
reader to the file's own page, which shows the file in the making and then the link. The maker
runs on the queue of its kind — `exports` for lists, `documents` for PDFs — each with workers of
its own, so that a province officer's export of 100,000 rows never delays a rating's screening or
a notice after a write. In the embedded default (tasks run eagerly) the file is made before the
page answers, and the reader lands on the link.

Each app registers its makers with `download_kind` (dashboards/downloads.py): the maker gets the
owner and the request's params and makes the same file the page would have, with the owner's
permissions at the time it runs (an officer moved away in between gets a refusal, not the file).
"""

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import outbox
from .events import download_fetched_event, download_requested_event
from .models import Download, DownloadState
from .replica import reads_from_replica

log = logging.getLogger(__name__)

QUEUE_TASKS = {"exports": "core.tasks.export_make", "documents": "core.tasks.document_make"}
# A second click on the same export within this long gets the same file, made or in the making.
SAME_REQUEST = timedelta(minutes=5)
# A maker whose worker was lost is taken over after this long (the broker's visibility timeout).
STALE_MAKING = timedelta(minutes=15)
# What a list shows of a user's files: the last this many (they are kept DOWNLOAD_KEEP_DAYS).
LIST_SHOWN = 100


class DownloadRefused(Exception):
    """The maker cannot make the file for its owner (no longer allowed, nothing to make); the
    message says why, in the owner's language."""


@dataclass(frozen=True)
class Made:
    filename: str
    content: bytes
    content_type: str


@dataclass(frozen=True)
class DownloadKind:
    name: str
    queue: str
    make: Callable[[Any, dict], Made]
    allowed: Callable[[Any], bool]


KINDS: dict[str, DownloadKind] = {}


def download_kind(name: str, *, queue: str, allowed: Callable[[Any], bool]):
    """Register a maker: `@download_kind("dashboards.anomalies", queue="exports", allowed=...)`.
    `allowed(user)` is asked when the file is asked for and again when it is made."""
    if queue not in QUEUE_TASKS:
        raise ValueError(f"no queue {queue!r} for files")

    def register(make: Callable[[Any, dict], Made]) -> Callable[[Any, dict], Made]:
        KINDS[name] = DownloadKind(name=name, queue=queue, make=make, allowed=allowed)
        return make

    return register


def _key(actor, kind: str, params: dict, language: str) -> str:
    text = json.dumps([actor.pk, kind, params, language], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def download_request(*, actor, kind: str, params: dict, title: str) -> Download:
    """Ask for a file: recorded (one event) and handed to its queue after commit. The same
    request again — a double click, a reload — answers with the file already asked for while
    it is in the making or was made in the last few minutes."""
    spec = KINDS.get(kind)
    if spec is None:
        raise ValidationError({"kind": _("没有这种导出文件。")})
    if not (actor.is_active and spec.allowed(actor)):
        raise PermissionDenied
    language = translation.get_language() or settings.LANGUAGE_CODE
    key = _key(actor, kind, params, language)
    recent = (
        Download.objects.filter(key=key, created_at__gte=timezone.now() - SAME_REQUEST)
        .exclude(state=DownloadState.FAILED)
        .order_by("-created_at")
        .first()
    )
    if recent is not None:
        return recent
    try:
        with transaction.atomic(durable=True):
            download = Download.objects.create(
                owner=actor,
                kind=kind,
                title=title[:200],
                params=params,
                language=language,
                key=key,
            )
            download_requested_event(actor=actor, download=download)
            outbox.enqueue(QUEUE_TASKS[spec.queue], download_id=str(download.pk))
    except IntegrityError:
        # the same request met this one on its way in: the first is the one being made
        return Download.objects.using("default").get(
            key=key, state__in=[DownloadState.QUEUED, DownloadState.RUNNING]
        )
    if current_app.conf.task_always_eager:
        # no workers (the embedded default, tests): made here, before the page answers; the
        # task the outbox sends finds it made
        download_make(str(download.pk))
    download.refresh_from_db()
    return download


def download_make(download_id: str) -> None:
    """Make the file (the task's body). Idempotent: a file made or failed is not made again, and
    one in the making elsewhere is left to its maker unless that maker has been lost."""
    now = timezone.now()
    claimed = (
        Download.objects.filter(pk=download_id)
        .filter(
            Q(state=DownloadState.QUEUED)
            | Q(state=DownloadState.RUNNING, started_at__lt=now - STALE_MAKING)
        )
        .update(state=DownloadState.RUNNING, started_at=now)
    )
    if not claimed:
        return
    download = Download.objects.select_related("owner").get(pk=download_id)
    spec = KINDS.get(download.kind)
    with translation.override(download.language):
        try:
            if spec is None or not (download.owner.is_active and spec.allowed(download.owner)):
                raise DownloadRefused(_("您已无权获取这份文件。"))
            with reads_from_replica():  # the maker only reads: the replica's work, if any
                made = spec.make(download.owner, download.params)
        except DownloadRefused as refusal:
            _fail(download, str(refusal))
            return
        except Exception:
            # kept as failed with a plain message; the error itself goes to the log
            log.exception("download %s (%s) failed", download.pk, download.kind)
            _fail(download, _("文件生成失败，请稍后再试；再次失败请联系管理员。"))
            return
    name = download.file.field.generate_filename(download, made.filename)
    stored = download.file.storage.save(name, ContentFile(made.content))
    Download.objects.filter(pk=download.pk, state=DownloadState.RUNNING).update(
        state=DownloadState.READY,
        file=stored,
        filename=made.filename,
        content_type=made.content_type,
        size=len(made.content),
        finished_at=timezone.now(),
    )


def _fail(download: Download, message: str) -> None:
    Download.objects.filter(pk=download.pk, state=DownloadState.RUNNING).update(
        state=DownloadState.FAILED, error=message, finished_at=timezone.now()
    )


def download_get(*, actor, download_id) -> Download:
    """One of the user's own files; anyone else's is not found (not even that it exists)."""
    download = Download.objects.filter(pk=download_id, owner=actor).first()
    if download is None:
        raise Download.DoesNotExist
    return download


def download_fetch(*, actor, download_id) -> Download:
    """The user's file, ready to send; the fetch is recorded (a read)."""
    download = download_get(actor=actor, download_id=download_id)
    if download.state != DownloadState.READY:
        raise Download.DoesNotExist
    with transaction.atomic(durable=True):
        download_fetched_event(actor=actor, download=download)
    return download


def downloads_of(user) -> list[Download]:
    keep = timezone.now() - timedelta(days=settings.DOWNLOAD_KEEP_DAYS)
    return list(
        Download.objects.filter(owner=user, created_at__gte=keep)
        .defer("params")
        .order_by("-created_at")[:LIST_SHOWN]
    )


def downloads_expire(*, now=None) -> int:
    """Delete the files asked for more than DOWNLOAD_KEEP_DAYS ago, and their rows (the nightly
    job); the audit trail keeps who asked for what."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.DOWNLOAD_KEEP_DAYS)
    old = Download.objects.filter(created_at__lt=cutoff)
    deleted = 0
    for download in old.iterator(chunk_size=500):
        if download.file.name:
            download.file.storage.delete(download.file.name)
        deleted += Download.objects.filter(pk=download.pk).delete()[0]
    return deleted


def query_params(data, *, drop: tuple[str, ...] = ("format", "page")) -> dict[str, list[str]]:
    """A request's query as params a maker can rebuild it from (`as_query`)."""
    return {k: data.getlist(k) for k in sorted(data) if k not in drop}


def as_query(params: dict[str, list[str]]):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for k, values in params.items():
        query.setlist(k, list(values))
    return query
