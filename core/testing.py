"""Helpers for tests that several apps share."""

from contextlib import contextmanager

from django.db import transaction


@contextmanager
def rolled_back(using=None):
    """A block whose writes are undone at its end (each case of a matrix from the same state).

    Services open durable transactions, which may not nest in another atomic block; this block
    is marked as Django's TestCase marks its own, so that they run inside it as in a test.
    """
    block = transaction.atomic(using=using)
    block._from_testcase = True
    with block:
        yield
        transaction.set_rollback(True, using=using)


def download_followed(client, url: str, data=None):
    """An export link followed to its file (core.downloads): the link answers with the file's
    page, which (tasks eager) shows it made; the file's own answer is returned, read whole."""
    from django.http import HttpResponse

    asked = client.get(url, data)
    assert asked.status_code == 302 and asked["Location"].startswith("/downloads/"), asked
    page = client.get(asked["Location"])
    shown = page.content.decode()
    assert page.status_code == 200 and 'data-state="ready"' in shown, shown[
        shown.find("data-state") :
    ][:600]
    sent = client.get(asked["Location"] + "file")
    assert sent.status_code == 200, sent.status_code
    whole = HttpResponse(b"".join(sent.streaming_content), content_type=sent["Content-Type"])
    whole["Content-Disposition"] = sent["Content-Disposition"]
    return whole
