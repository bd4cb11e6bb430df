"""Signed daily heads (docs/audit.md): a database administrator who rewrites an event and
recomputes every hash after it, and every head kept in the database, passes the plain check
but not the check against the heads published with their signatures."""

import base64
import json
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from core.audit import GENESIS, compute_hash, record_event, take_head, verify_chain
from core.dates import SHANGHAI
from core.heads import (
    ensure_key_file,
    fingerprint,
    head_message,
    heads_sign,
    load_private_key,
    new_private_text,
    public_text,
)
from core.models import AuditEvent, AuditHead, SignedAuditHead
from core.tasks import audit_sign_heads

pytestmark = pytest.mark.django_db

DAY_ONE = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def district_key(settings):
    """The district's key, given to the signing host through the environment."""
    settings.AUDIT_SIGNING_KEY = new_private_text()
    settings.AUDIT_SIGNING_KEY_FILE = ""
    settings.AUDIT_PUBLIC_KEY = ""
    return load_private_key(settings.AUDIT_SIGNING_KEY)


def _append(n: int, label: str) -> None:
    for i in range(n):
        with transaction.atomic():
            record_event(
                actor=None,
                verb="test.event",
                object_type="test.payment",
                object_id=f"{label}-{i}",
                after={"amount": "1200.00", "payee": "宏达建设"},
            )


def _two_days_signed() -> None:
    """Five events on each of two days; the nightly jobs keep a head and sign both days."""
    for offset in (0, 1):
        with time_machine.travel(DAY_ONE + timedelta(days=offset), tick=False):
            _append(5, f"day{offset}")
    with time_machine.travel(DAY_ONE + timedelta(days=2, hours=-8, minutes=-20), tick=False):
        take_head()  # 01:40 the next-but-one night: the plain head, kept in the database
        outcome = heads_sign()
    assert [h.day.isoformat() for h in outcome.signed] == ["2026-03-02", "2026-03-03"]


def _download(client: Client, path: Path) -> Path:
    response = client.get(reverse("open-audit-heads"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    path.write_bytes(response.content)
    return path


def _dba_rewrites(seq: int, after: dict) -> None:
    """What a database administrator can do behind the application: switch off the
    append-only trigger, edit event #seq, recompute every hash after it, and bring every head
    kept in the database (plain and signed) up to the new hashes."""
    prev = AuditEvent.objects.get(seq=seq - 1).hash if seq > 1 else GENESIS
    events = list(AuditEvent.objects.filter(seq__gte=seq).order_by("seq"))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The test's own transaction still holds the deferred foreign-key checks of the
            # inserts, and PostgreSQL alters no table with checks pending: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only"
            )
        for event in events:
            if event.seq == seq:
                event.after = after
            event.prev_hash = prev
            event.hash = compute_hash(prev, event)
            cursor.execute(
                "UPDATE core_auditevent SET after = %s, prev_hash = %s, hash = %s WHERE seq = %s",
                [
                    json.dumps(event.after, ensure_ascii=False),
                    event.prev_hash,
                    event.hash,
                    event.seq,
                ],
            )
            prev = event.hash
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_append_only")
        for table in ("core_audithead", "core_signedaudithead"):
            cursor.execute(
                f"UPDATE {table} SET hash = (SELECT e.hash FROM core_auditevent e "
                f"WHERE e.seq = {table}.seq) WHERE seq >= %s",
                [seq],
            )


def test_a_rewritten_chain_passes_the_plain_check_but_not_the_published_heads(
    district_key, tmp_path, capsys
):
    # given: two days signed and published; a resident of the district keeps the file
    _two_days_signed()
    kept = _download(Client(), tmp_path / "published.json")
    call_command("verify_audit", "--heads", str(kept))
    assert "OK 10 events; 2 signed heads match" in capsys.readouterr().out

    # when: the payee of event #3 is changed, as in issue 17's finding
    _dba_rewrites(3, {"amount": "1200.00", "payee": "某某工程队"})

    # then: the chain and every head in the database agree with each other...
    assert AuditEvent.objects.get(seq=3).after["payee"] == "某某工程队"
    assert verify_chain().intact
    call_command("verify_audit")
    assert "OK 10 events" in capsys.readouterr().out
    assert AuditHead.objects.get().hash == AuditEvent.objects.get(seq=10).hash
    # ...but the published heads name the first day that no longer matches
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit", "--heads", str(kept))
    message = str(caught.value)
    assert message.startswith("HEAD 2026-03-02 (#5) does not match")
    assert "rewritten" in message
    # the page's own list, re-downloaded, carries the new hashes under the old signatures
    again = _download(Client(), tmp_path / "after.json")
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit", "--heads", str(again))
    assert "HEAD 2026-03-02 (#5)" in str(caught.value)
    assert "signature does not verify" in str(caught.value)


def test_heads_signed_with_another_key_are_refused(district_key, tmp_path, settings):
    _two_days_signed()
    district_public = public_text(district_key.public_key())
    # The administrator rewrites event #7, then signs fresh heads with a key of his own and
    # publishes them together with his public key.
    _dba_rewrites(7, {"amount": "9.99"})
    forger = load_private_key(new_private_text())
    heads = []
    for head in SignedAuditHead.objects.order_by("day"):
        signature = forger.sign(head_message(head.day, head.seq, head.hash, head.count))
        heads.append(
            {
                "date": head.day.isoformat(),
                "seq": head.seq,
                "hash": head.hash,
                "count": head.count,
                "signature": base64.b64encode(signature).decode(),
            }
        )
    forged = tmp_path / "forged.json"
    forged.write_text(
        json.dumps({"public_key": public_text(forger.public_key()), "heads": heads}),
        encoding="utf-8",
    )
    # the district's key (configured, or given as it is printed in docs/) refuses them
    for options in ([], ["--public-key", district_public]):
        with pytest.raises(CommandError) as caught:
            call_command("verify_audit", "--heads", str(forged), *options)
        assert "HEAD 2026-03-02 (#5)" in str(caught.value)
        assert fingerprint(district_key.public_key()) in str(caught.value)
    # the forger's own key would accept them: the key must come from outside the file
    call_command(
        "verify_audit", "--heads", str(forged), "--public-key", public_text(forger.public_key())
    )


def test_signing_is_idempotent_catches_up_missed_days_and_skips_a_broken_chain(district_key):
    with time_machine.travel(DAY_ONE, tick=False):
        _append(2, "a")
    with time_machine.travel(DAY_ONE + timedelta(hours=16), tick=False):
        assert [h.day.day for h in heads_sign().signed] == [2]
        assert heads_sign().signed == []  # the same night again: nothing new
    # the worker was down for three nights: the next run signs every missed day
    with time_machine.travel(DAY_ONE + timedelta(days=3, hours=16), tick=False):
        days = [(h.day.day, h.seq, h.count) for h in heads_sign().signed]
    assert days == [(3, 2, 2), (4, 2, 2), (5, 2, 2)]
    signed = SignedAuditHead.objects.get(day=DAY_ONE.date())
    district_key.public_key().verify(
        base64.b64decode(signed.signature),
        head_message(signed.day, signed.seq, signed.hash, signed.count),
    )
    # a broken chain is never signed
    with time_machine.travel(DAY_ONE + timedelta(days=5), tick=False):
        _append(1, "b")
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE core_auditevent SET comment = 'x' WHERE seq = 3")
    with time_machine.travel(DAY_ONE + timedelta(days=6, hours=16), tick=False):
        result = audit_sign_heads()
    assert result["signed"] == [] and "broken at event #3" in result["error"]
    assert not SignedAuditHead.objects.filter(day=DAY_ONE.date() + timedelta(days=5)).exists()


def test_without_a_key_nothing_is_signed_the_log_says_why_and_the_page_still_serves(
    settings, caplog
):
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = ""
    settings.AUDIT_PUBLIC_KEY = ""
    _append(1, "x")
    with time_machine.travel(datetime.now(SHANGHAI) + timedelta(days=1), tick=False):
        result = audit_sign_heads()
    assert result["signed"] == []
    assert "AUDIT_SIGNING_KEY_FILE" in result["error"] and "AUDIT_SIGNING_KEY" in result["error"]
    assert "AUDIT_SIGNING_KEY_FILE" in caplog.text
    assert not SignedAuditHead.objects.exists()
    page = Client().get(reverse("open-data"))
    assert page.status_code == 200
    assert 'data-testid="no-key"' in page.content.decode()
    with pytest.raises(CommandError, match="--public-key"):
        call_command("verify_audit", "--heads", "/dev/null")


def test_a_key_file_missing_on_a_production_host_is_named(settings):
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = "/run/secrets/no-such-key.pem"
    with time_machine.travel(datetime.now(SHANGHAI) + timedelta(days=1), tick=False):
        result = audit_sign_heads()
    assert "/run/secrets/no-such-key.pem" in result["error"]


def test_the_demo_set_up_writes_a_private_key_file_once(settings, tmp_path, capsys):
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = str(tmp_path / "var" / "audit-signing-key.pem")
    call_command("audit_key", "--create")
    key_file = Path(settings.AUDIT_SIGNING_KEY_FILE)
    assert key_file.stat().st_mode & 0o777 == 0o600
    first = key_file.read_bytes()
    assert first.startswith(b"-----BEGIN PRIVATE KEY-----")
    shown = capsys.readouterr().out
    assert "fingerprint (SHA-256): " in shown and "AUDIT_PUBLIC_KEY=" in shown
    assert not ensure_key_file(key_file)
    assert key_file.read_bytes() == first  # never replaced


@pytest.mark.skipif(not shutil.which("git"), reason="git not installed")
def test_the_demo_key_file_is_never_committed():
    root = Path(django_settings.BASE_DIR)
    if not (root / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "var/audit-signing-key.pem"], cwd=root, check=False
    )
    assert ignored.returncode == 0
    from config.settings import local

    assert Path(local.AUDIT_SIGNING_KEY_FILE) == root / "var" / "audit-signing-key.pem"
    assert local.AUDIT_SIGNING_KEY_AUTOCREATE
    from config.settings import base  # production takes base's: never made, only given

    assert not base.AUDIT_SIGNING_KEY_AUTOCREATE
