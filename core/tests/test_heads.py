"""Signed daily heads (docs/audit.md): a database administrator who rewrites an event and
recomputes every hash after it, and every head kept in the database, passes the plain check
but not the check against the heads published with their signatures."""

import base64
import hashlib
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

from core.audit import GENESIS, compute_hash, genesis, heads_hash, record_event, verify_chain
from core.dates import SHANGHAI
from core.heads import (
    HEAD_KIND_V1,
    ensure_key_file,
    fingerprint,
    head_message,
    head_message_v1,
    heads_sign,
    load_private_key,
    new_private_text,
    public_text,
    take_head,
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


def _tamper(sql: str, params=()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def _moved(chains: list, chain: int, new_hashes: dict[int, str]) -> list:
    return [[c, s, new_hashes.get(s, h) if c == chain else h] for c, s, h in chains]


def _dba_rewrites(object_id: str, after: dict, *, signed: str) -> AuditEvent:
    """What a database administrator can do behind the application: switch off the
    append-only trigger, edit an event, recompute every hash after it in its chain, and bring
    every head kept in the database up to the new hashes; the signed ones he cannot sign
    again, so he rewrites them all the same (`signed="rewrite"`), deletes them ("delete") or
    leaves them ("keep")."""
    victim = AuditEvent.objects.get(object_id=object_id)
    chain = victim.chain
    prev = (
        AuditEvent.objects.get(chain=chain, seq=victim.seq - 1).hash
        if victim.seq > 1
        else genesis(chain)
    )
    events = list(AuditEvent.objects.filter(chain=chain, seq__gte=victim.seq).order_by("seq"))
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The test's own transaction may still hold deferred foreign-key checks of the
            # inserts, and PostgreSQL alters no table with checks pending: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only"
            )
        for event in events:
            if event.pk == victim.pk:
                event.after = after
            event.prev_hash = prev
            event.hash = compute_hash(prev, event)
            cursor.execute(
                "UPDATE core_auditevent SET after = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [
                    json.dumps(event.after, ensure_ascii=False),
                    event.prev_hash,
                    event.hash,
                    event.pk,
                ],
            )
            prev = event.hash
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_append_only")
    new_hashes = {e.seq: e.hash for e in events}
    for head in AuditHead.objects.all():
        chains = _moved(head.chains, chain, new_hashes)
        AuditHead.objects.filter(pk=head.pk).update(chains=chains, hash=heads_hash(chains))
    if signed == "delete":
        SignedAuditHead.objects.all().delete()
    elif signed == "rewrite":
        for row in SignedAuditHead.objects.all():
            chains = _moved(row.chains, chain, new_hashes)
            SignedAuditHead.objects.filter(pk=row.pk).update(chains=chains)
    return AuditEvent.objects.get(pk=victim.pk)


@pytest.mark.django_db(transaction=True)
def test_a_rewritten_chain_passes_the_plain_check_but_not_the_published_heads(
    district_key, tmp_path, capsys
):
    # given: two days signed and published, the events spread over several chains; a
    # resident of the district keeps the file
    _two_days_signed()
    assert AuditEvent.objects.values("chain").distinct().count() > 1
    kept = _download(Client(), tmp_path / "published.json")
    call_command("verify_audit", "--heads", str(kept))
    assert "OK 10 events; 2 signed heads match" in capsys.readouterr().out

    # when: the payee of the third event is changed, as in issue 17's finding, and every head
    # in the database follows; the signed ones cannot be signed again
    victim = _dba_rewrites("day0-2", {"amount": "1200.00", "payee": "某某工程队"}, signed="rewrite")
    assert victim.after["payee"] == "某某工程队"
    assert verify_chain().intact
    # then: the plain check fails already, on the last signed head of the database...
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit")
    assert "the signed head of 2026-03-03 in the database" in str(caught.value)
    assert "signature does not verify" in str(caught.value)
    # ...and the page's own list, re-downloaded, carries the new hashes under the old signatures
    again = _download(Client(), tmp_path / "after.json")
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit", "--heads", str(again))
    assert "HEAD 2026-03-02" in str(caught.value)
    assert "signature does not verify" in str(caught.value)

    # when: so he deletes the signed heads from the database
    SignedAuditHead.objects.all().delete()
    # then: the chains and every head left in the database agree with each other...
    call_command("verify_audit")
    assert "OK 10 events" in capsys.readouterr().out
    assert AuditHead.objects.get().hash == verify_chain().head_hash
    # ...but the published heads kept outside name the first day that no longer matches
    day_one = json.loads(kept.read_text())["heads"][0]
    seq = next(s for c, s, _h in day_one["chains"] if c == victim.chain)
    for options in ([], ["--full"]):
        with pytest.raises(CommandError) as caught:
            call_command("verify_audit", "--heads", str(kept), *options)
        message = str(caught.value)
        assert message.startswith(f"HEAD 2026-03-02 (#{victim.chain}-{seq}) does not match")
        assert "rewritten" in message


def test_heads_signed_with_another_key_are_refused(district_key, tmp_path, settings):
    _two_days_signed()
    district_public = public_text(district_key.public_key())
    # The administrator rewrites an event, then signs fresh heads with a key of his own and
    # publishes them together with his public key.
    _dba_rewrites("day1-1", {"amount": "9.99"}, signed="rewrite")
    forger = load_private_key(new_private_text())
    heads: list[dict] = []
    prev = GENESIS
    for head in SignedAuditHead.objects.order_by("day"):
        chains = [tuple(p) for p in head.chains]
        message = head_message(head.day, chains, head.count, prev)
        prev = hashlib.sha256(message).hexdigest()
        heads.append(
            {
                "date": head.day.isoformat(),
                "chains": head.chains,
                "count": head.count,
                "prev": head.prev_hash if not heads else heads[-1]["hash"],
                "hash": prev,
                "signature": base64.b64encode(forger.sign(message)).decode(),
            }
        )
    heads[0]["prev"] = GENESIS
    forged = tmp_path / "forged.json"
    forged.write_text(
        json.dumps({"public_key": public_text(forger.public_key()), "heads": heads}),
        encoding="utf-8",
    )
    # the district's key (configured, or given as it is printed in docs/) refuses them
    for options in ([], ["--public-key", district_public]):
        with pytest.raises(CommandError) as caught:
            call_command("verify_audit", "--heads", str(forged), *options)
        assert "HEAD 2026-03-02 does not match" in str(caught.value)
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
        days = [(h.day.day, h.count) for h in heads_sign().signed]
    assert days == [(3, 2), (4, 2), (5, 2)]
    signed = SignedAuditHead.objects.get(day=DAY_ONE.date())
    district_key.public_key().verify(
        base64.b64decode(signed.signature),
        head_message(signed.day, [tuple(p) for p in signed.chains], signed.count, GENESIS),
    )
    # each head is the hash of what was signed, and names the hash of the head before it
    heads = list(SignedAuditHead.objects.order_by("day"))
    assert heads[0].prev_hash == GENESIS
    assert [b.prev_hash for b in heads[1:]] == [a.hash for a in heads[:-1]]
    # a broken chain is never signed
    with time_machine.travel(DAY_ONE + timedelta(days=5), tick=False):
        _append(1, "b")
    victim = AuditEvent.objects.get(object_id="b-0")
    _tamper("UPDATE core_auditevent SET comment = 'x' WHERE id = %s", [victim.pk])
    with time_machine.travel(DAY_ONE + timedelta(days=6, hours=16), tick=False):
        result = audit_sign_heads()
    assert result["signed"] == [] and f"broken at #{victim.ref}" in result["error"]
    assert not SignedAuditHead.objects.filter(day=DAY_ONE.date() + timedelta(days=5)).exists()


def test_the_default_check_hashes_only_what_follows_the_last_signed_head(district_key, capsys):
    # given: two days signed, then three events the next morning
    _two_days_signed()
    with time_machine.travel(DAY_ONE + timedelta(days=2, hours=1), tick=False):
        _append(3, "day2")
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "OK 13 events" in out
    assert "3 events hashed again after the signed head of 2026-03-03" in out
    call_command("verify_audit", "--full")
    assert "13 events hashed again from the start of each chain" in capsys.readouterr().out
    # an event after the head, edited: the default check names it
    after_head = AuditEvent.objects.get(object_id="day2-1")
    _tamper("UPDATE core_auditevent SET comment = 'x' WHERE id = %s", [after_head.pk])
    with pytest.raises(CommandError, match=f"BROKEN at #{after_head.ref}:"):
        call_command("verify_audit")
    _tamper("UPDATE core_auditevent SET comment = '' WHERE id = %s", [after_head.pk])
    # an event before the head, edited without its hash: the signed hashes still match, so only
    # the full check, which hashes every event again, sees it (docs/audit.md: the weekly run)
    before_head = AuditEvent.objects.get(object_id="day0-3")
    _tamper("UPDATE core_auditevent SET comment = 'x' WHERE id = %s", [before_head.pk])
    call_command("verify_audit")
    assert "OK 13 events" in capsys.readouterr().out
    with pytest.raises(CommandError, match=f"BROKEN at #{before_head.ref}:"):
        call_command("verify_audit", "--full")
    # the same event edited and every hash after it recomputed: the signed head shows it
    _tamper("UPDATE core_auditevent SET comment = '' WHERE id = %s", [before_head.pk])
    _dba_rewrites("day0-3", {"amount": "1.00"}, signed="keep")
    with pytest.raises(CommandError, match="no longer has the signed head's hash"):
        call_command("verify_audit")


def test_a_signed_head_missing_between_two_kept_ones_is_named(district_key, tmp_path):
    _two_days_signed()
    with time_machine.travel(DAY_ONE + timedelta(days=3, hours=-8), tick=False):
        assert len(heads_sign().signed) == 1
    kept = json.loads(_download(Client(), tmp_path / "all.json").read_text())
    assert [h["date"] for h in kept["heads"]] == ["2026-03-02", "2026-03-03", "2026-03-04"]
    del kept["heads"][1]
    gap = tmp_path / "gap.json"
    gap.write_text(json.dumps(kept), encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit", "--heads", str(gap))
    assert "HEAD 2026-03-04 does not match" in str(caught.value)
    assert "missing or was replaced" in str(caught.value)


def test_heads_signed_before_there_were_several_chains_still_verify(district_key, tmp_path, capsys):
    # given: two events of the single chain of before (chain 0) and the head signed over them
    # in the old form, as the migration leaves them
    with time_machine.travel(DAY_ONE, tick=False):
        prev = GENESIS
        for seq in (1, 2):
            event = AuditEvent(
                chain=0,
                seq=seq,
                created_at=DAY_ONE,
                verb="test.event",
                object_type="test.payment",
                object_id=f"old-{seq}",
                prev_hash=prev,
            )
            event.hash = compute_hash(prev, event)
            event.save(force_insert=True)
            prev = event.hash
    v1 = head_message_v1(DAY_ONE.date(), 2, prev, 2)
    SignedAuditHead.objects.create(
        day=DAY_ONE.date(),
        kind=HEAD_KIND_V1,
        chains=[[0, 2, prev]],
        count=2,
        hash=prev,
        signature=base64.b64encode(district_key.sign(v1)).decode(),
        key_fingerprint=fingerprint(district_key.public_key()),
    )
    # when: new events go to the new chains, and the next night signs the new form
    with time_machine.travel(DAY_ONE + timedelta(days=1), tick=False):
        _append(2, "new")
    with time_machine.travel(DAY_ONE + timedelta(days=2, hours=-8), tick=False):
        (head,) = heads_sign().signed
    assert head.prev_hash == prev and head.count == 4
    assert sorted(c for c, _s, _h in head.chains)[0] == 0
    # then: the old head is published in its old form, and the file checks both
    published = _download(Client(), tmp_path / "both.json")
    entries = json.loads(published.read_text())["heads"]
    assert entries[0]["kind"] == HEAD_KIND_V1 and (entries[0]["seq"], entries[0]["count"]) == (2, 2)
    call_command("verify_audit", "--heads", str(published), "--full")
    assert "OK 4 events; 2 signed heads match" in capsys.readouterr().out
    # and a rewrite of the old chain is caught by the old head
    _dba_rewrites("old-1", {"amount": "5.00"}, signed="delete")
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit", "--heads", str(published))
    assert str(caught.value).startswith("HEAD 2026-03-02 (#2) does not match")


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


def test_the_weekly_full_check_signs_from_its_own_pass(district_key, capsys, monkeypatch):
    # given: two days of events, nothing signed yet
    for offset in (0, 1):
        with time_machine.travel(DAY_ONE + timedelta(days=offset), tick=False):
            _append(4, f"day{offset}")
    read = []
    real = verify_chain

    def counted(**kwargs):
        read.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr("core.heads.verify_chain", counted)
    # when: `verify_audit --full --sign` runs the next night
    with time_machine.travel(DAY_ONE + timedelta(days=2, hours=1), tick=False):
        call_command("verify_audit", "--full", "--sign")
    out = capsys.readouterr().out
    # then: both days are signed, and the chains were read once, not once more for the signing
    assert "8 events hashed again from the start of each chain" in out
    assert "signed 2 daily heads" in out
    assert len(read) == 1
    assert list(SignedAuditHead.objects.order_by("day").values_list("day", flat=True)) == [
        DAY_ONE.date(),
        DAY_ONE.date() + timedelta(days=1),
    ]
    # and a broken chain signs nothing, with the reason
    victim = AuditEvent.objects.get(object_id="day1-2")
    _tamper("UPDATE core_auditevent SET comment = 'x' WHERE id = %s", [victim.pk])
    with time_machine.travel(DAY_ONE + timedelta(days=3, hours=1), tick=False):
        with pytest.raises(CommandError, match=f"BROKEN at #{victim.ref}:"):
            call_command("verify_audit", "--full", "--sign")
    assert SignedAuditHead.objects.count() == 2  # the third day is not signed
