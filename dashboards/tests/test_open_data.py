"""The public open-data page: the signed daily audit heads and the public key, for anyone to
keep outside the system (docs/audit.md)."""

import base64
import hashlib
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse

from core.audit import GENESIS, record_event
from core.dates import SHANGHAI
from core.heads import fingerprint, head_message, heads_sign, load_private_key, new_private_text

pytestmark = pytest.mark.django_db


def test_anyone_reads_and_downloads_the_signed_heads_with_the_public_key(
    settings, django_assert_num_queries
):
    settings.AUDIT_SIGNING_KEY = new_private_text()
    key = load_private_key(settings.AUDIT_SIGNING_KEY).public_key()
    start = datetime(2026, 5, 10, 9, 0, tzinfo=SHANGHAI)
    for day in range(3):
        with time_machine.travel(start + timedelta(days=day), tick=False):
            with transaction.atomic():
                record_event(actor=None, verb="test.event", object_type="t", object_id=str(day))
    with time_machine.travel(start + timedelta(days=3), tick=False):
        signed = heads_sign().signed
        assert len(signed) == 3
        client = Client()  # no log-in
        with django_assert_num_queries(1):  # the heads; the key comes from the settings
            page = client.get(reverse("open-data"))
        download = client.get(reverse("open-audit-heads"))

    text = page.content.decode()
    assert page.status_code == 200
    assert fingerprint(key) in text
    for head in signed:
        assert head.hash in text and head.signature in text
    assert reverse("open-audit-heads") in text and reverse("api-open-oc4ids") in text

    assert download.status_code == 200
    assert download["Content-Type"] == "application/json"
    assert 'filename="audit-heads-20260513.json"' in download["Content-Disposition"]
    data = download.json()
    assert data["public_key_fingerprint"] == fingerprint(key)
    assert [h["date"] for h in data["heads"]] == ["2026-05-10", "2026-05-11", "2026-05-12"]
    assert [h["count"] for h in data["heads"]] == [1, 2, 3]
    prev = GENESIS
    for head in data["heads"]:  # each verifies under the published key on its own
        message = head_message(
            datetime.fromisoformat(head["date"]).date(),
            [tuple(p) for p in head["chains"]],
            head["count"],
            head["prev"],
        )
        key.verify(base64.b64decode(head["signature"]), message)
        # and links to the one before: its hash is the hash of what was signed
        assert head["prev"] == prev and head["hash"] == hashlib.sha256(message).hexdigest()
        prev = head["hash"]


def test_a_host_that_only_publishes_shows_the_public_key_it_is_given(settings):
    signer = load_private_key(new_private_text())
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = ""
    settings.AUDIT_PUBLIC_KEY = base64.b64encode(signer.public_key().public_bytes_raw()).decode()
    text = Client().get(reverse("open-data")).content.decode()
    assert fingerprint(signer.public_key()) in text
    assert 'data-testid="no-key"' not in text
