"""Files chosen on a filing form that was refused (a missing field, an amount past the
ceiling…) are kept for the next try, so that nobody picks them again (issue #16 point 3).

Each kept file is stored under ``pending/<user id>/`` and named on the page by a signed token
(the user, the path, the kind and the original name; valid for a day). A token is only honoured
for the user it was made for; the file is checked again when it is attached. Files never
attached stay in ``pending/`` until `forget_stale` removes them (docs/architecture.md)."""

from datetime import timedelta
from pathlib import Path
from uuid import uuid4

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone

from core.uploads import check_documents

from .choices import AttachmentKind

SALT = "projects.kept-upload"
MAX_AGE = timedelta(days=1)


def _folder(user) -> str:
    return f"pending/{user.pk}/"


def keep(user, pairs) -> list[dict]:
    """Store the acceptable files of a refused form; what the page shows and posts back."""
    kept = []
    for upload, kind in pairs:
        try:
            check_documents([upload])
        except ValidationError:
            continue  # the refusal names it; nothing hostile is stored
        upload.seek(0)
        path = default_storage.save(
            f"{_folder(user)}{uuid4().hex}{Path(upload.name).suffix.lower()}", upload
        )
        token = signing.dumps(
            {"u": user.pk, "p": path, "k": kind, "n": upload.name[:255]}, salt=SALT
        )
        kept.append({"token": token, "name": upload.name, "kind": AttachmentKind(kind).label})
    return kept


def restore(user, tokens) -> list[dict]:
    """The kept files the user posts back (their token, name, kind label, the open file, its
    kind and stored path), for the service to attach or the page to show again."""
    files = []
    for token in dict.fromkeys(tokens):
        try:
            data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
        except signing.BadSignature:
            continue
        path = str(data.get("p", ""))
        if data.get("u") != user.pk or not path.startswith(_folder(user)) or ".." in path:
            continue
        if data.get("k") not in AttachmentKind.values or not default_storage.exists(path):
            continue
        files.append(
            {
                "token": token,
                "name": data["n"],
                "kind": AttachmentKind(data["k"]).label,
                "pair": (File(default_storage.open(path, "rb"), name=data["n"]), data["k"]),
                "path": path,
            }
        )
    return files


def forget(files: list[dict]) -> None:
    """Remove the stored copies once the project holds its own."""
    for kept in files:
        kept["pair"][0].close()
        default_storage.delete(kept["path"])


def forget_stale(now=None) -> int:
    """Remove kept files older than MAX_AGE (their tokens have expired)."""
    cutoff = (now or timezone.now()) - MAX_AGE
    removed = 0
    try:
        users, _files = default_storage.listdir("pending")
    except FileNotFoundError:
        return 0
    for folder in users:
        _dirs, names = default_storage.listdir(f"pending/{folder}")
        for name in names:
            path = f"pending/{folder}/{name}"
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                removed += 1
    return removed
