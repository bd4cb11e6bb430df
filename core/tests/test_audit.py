"""The audit chains: every link verifies, any edit, deletion or reordering is named, events are
spread over chains by one rule, and a chain is streamed (docs/audit.md "Chains")."""

import threading
from datetime import UTC, datetime
from typing import cast

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.db.utils import DatabaseError

from accounts.models import User
from accounts.tests.factories import OrganisationFactory, UserFactory
from core import audit
from core.audit import READ_CHAINS_FROM, chain_for, genesis, record_event, verify_chain
from core.heads import take_head
from core.models import AuditEvent


def _append(n: int, actor=None, object_id: str = "thing") -> None:
    """n events about one object: without an actor they share the object's chain."""
    for i in range(n):
        with transaction.atomic():
            record_event(
                actor=actor,
                verb="test.event",
                object_type="test.thing",
                object_id=object_id,
                after={"i": i, "amount": "12.50"},
            )


def _tamper(sql: str, params=()) -> None:
    """What a database administrator could do behind the application's back."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Superusers can bypass the append-only trigger; the chain must still tell.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def _chain_seqs() -> dict[int, list[int]]:
    chains: dict[int, list[int]] = {}
    for chain, seq in AuditEvent.objects.order_by("chain", "seq").values_list("chain", "seq"):
        chains.setdefault(chain, []).append(seq)
    return chains


@pytest.mark.django_db
def test_an_untouched_chain_verifies(capsys):
    _append(5)
    report = verify_chain()
    assert (report.intact, report.count, [seq for _c, seq, _h in report.heads]) == (True, 5, [5])
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "OK 5 events in 1 chains" in out
    assert "5 events hashed again from the start of each chain" in out
    assert report.head_hash in out


@pytest.mark.django_db(transaction=True)
def test_record_event_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError):
        record_event(actor=None, verb="x", object_type="t", object_id="1")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sql", "broken"),
    [
        ("UPDATE core_auditevent SET comment = 'rewritten' WHERE seq = 3", 3),
        ("UPDATE core_auditevent SET after = '{\"i\": 99}' WHERE seq = 2", 2),
        ("UPDATE core_auditevent SET created_at = created_at - interval '1 day' WHERE seq = 4", 4),
        ("DELETE FROM core_auditevent WHERE seq = 3", 4),
    ],
)
def test_verify_audit_names_the_first_broken_event(sql, broken, capsys):
    if "interval" in sql and connection.vendor != "postgresql":
        sql = "UPDATE core_auditevent SET created_at = '2020-01-01 00:00:00' WHERE seq = 4"
    _append(5)
    _tamper(sql)
    report = verify_chain()
    assert not report.intact
    assert report.broken_seq == broken
    with pytest.raises(CommandError) as caught:
        call_command("verify_audit")
    assert f"#{report.broken_chain}-{broken}:" in str(caught.value)


@pytest.mark.django_db
def test_reordering_two_events_is_detected():
    _append(4)
    _tamper("UPDATE core_auditevent SET seq = seq + 100 WHERE seq IN (2, 3)")
    _tamper("UPDATE core_auditevent SET seq = 2 WHERE seq = 103")
    _tamper("UPDATE core_auditevent SET seq = 3 WHERE seq = 102")
    report = verify_chain()
    assert not report.intact
    assert report.broken_seq == 2


@pytest.mark.django_db
def test_a_truncated_tail_is_detected_against_a_kept_head():
    _append(5)
    take_head()
    _tamper("DELETE FROM core_auditevent WHERE seq = 5")
    report = verify_chain()
    assert not report.intact
    assert report.broken_seq == 5
    assert "kept head" in report.reason


@pytest.mark.django_db
def test_verify_audit_command_exits_1_on_a_broken_chain():

    # The command's exit status is what an operator's cron job sees.
    _append(2)
    _tamper("UPDATE core_auditevent SET comment = 'x' WHERE seq = 1")
    with pytest.raises(SystemExit) as caught:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["manage.py", "verify_audit"])
    assert caught.value.code == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_refuses_update_and_delete_of_audit_rows():
    _append(2)
    for sql in (
        "UPDATE core_auditevent SET comment = 'x' WHERE seq = 1",
        "DELETE FROM core_auditevent WHERE seq = 2",
    ):
        with (
            pytest.raises(DatabaseError) as caught,
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
        assert "append-only" in str(caught.value)
    assert verify_chain().intact


# --- several chains ---------------------------------------------------------------------------
# A test inside one transaction (django_db) appends to one chain only, as a service's transaction
# does: the tests of several chains commit each event (transaction=True).


@pytest.mark.django_db(transaction=True)
def test_an_organisations_acts_stay_in_one_chain_and_reads_go_to_the_read_chains(settings):
    settings.AUDIT_CHAINS, settings.AUDIT_READ_CHAINS = 8, 2
    people = [cast(User, UserFactory(organisation=OrganisationFactory())) for _ in range(6)]
    for person in people:
        for verb in ("test.event", "discipline.read", "test.event"):
            with transaction.atomic():
                record_event(actor=person, verb=verb, object_type="test.thing", object_id="1")
    events = list(AuditEvent.objects.order_by("id"))
    for person in people:
        mine = [e for e in events if e.actor_id == person.pk]
        writes = {e.chain for e in mine if e.verb == "test.event"}
        reads = {e.chain for e in mine if e.verb == "discipline.read"}
        assert len(writes) == 1 and 1 <= writes.pop() <= 8
        assert len(reads) == 1 and READ_CHAINS_FROM <= reads.pop() < READ_CHAINS_FROM + 2
    # every chain is numbered from 1 without gaps, and each verifies on its own
    chains = _chain_seqs()
    assert len(chains) > 2
    assert all(seqs == list(range(1, len(seqs) + 1)) for seqs in chains.values())
    report = verify_chain()
    assert report.intact and report.count == 18 and len(report.heads) == len(chains)
    # the rule itself: the organisation decides, else the user, else the object
    rule = dict(verb="test.event", object_type="t", object_id="1")
    assert chain_for(organisation_id=7, actor_id=1, **rule) == chain_for(
        organisation_id=7, actor_id=2, **{**rule, "object_id": "2"}
    )
    assert chain_for(organisation_id=None, actor_id=5, **rule) == chain_for(
        organisation_id=None, actor_id=5, **{**rule, "object_id": "9"}
    )


@pytest.mark.postgres  # SQLite has one writer at a time, so no lock and nothing to keep to
@pytest.mark.django_db
def test_a_transaction_appends_all_its_events_to_the_chain_of_its_first(settings):
    settings.AUDIT_CHAINS = 16
    objects = [str(i) for i in range(40)]
    alone = {
        chain_for(verb="x", organisation_id=None, actor_id=None, object_type="t", object_id=o)
        for o in objects
    }
    assert len(alone) > 1  # each on its own would go to several chains
    with transaction.atomic():
        for object_id in objects:
            record_event(actor=None, verb="x", object_type="t", object_id=object_id)
    assert AuditEvent.objects.values("chain").distinct().count() == 1
    assert verify_chain().intact


@pytest.mark.django_db(transaction=True)
def test_an_event_edited_in_one_of_several_chains_is_named_with_its_chain():
    for label in ("a", "b", "c"):
        _append(3, object_id=label)
    victim = AuditEvent.objects.filter(object_id="b").order_by("seq")[1]
    assert AuditEvent.objects.values("chain").distinct().count() == 3
    _tamper("UPDATE core_auditevent SET comment = 'x' WHERE id = %s", [victim.pk])
    report = verify_chain()
    assert (report.intact, report.broken_chain, report.broken_seq) == (False, victim.chain, 2)
    assert report.where == f"#{victim.chain}-2"


@pytest.mark.django_db(transaction=True)
def test_an_event_moved_to_another_chain_or_a_chain_relabelled_is_detected():
    _append(2, object_id="a")
    _append(2, object_id="b")
    a = AuditEvent.objects.get(object_id="a", seq=2)
    b_chain = AuditEvent.objects.filter(object_id="b").values_list("chain", flat=True)[0]
    # the last event of chain a appended to chain b, hash and link as they were
    _tamper("UPDATE core_auditevent SET chain = %s, seq = 3 WHERE id = %s", [b_chain, a.pk])
    report = verify_chain()
    assert (report.intact, report.broken_chain, report.broken_seq) == (False, b_chain, 3)
    _tamper("UPDATE core_auditevent SET chain = %s, seq = 2 WHERE id = %s", [a.chain, a.pk])
    assert verify_chain().intact
    # every event of chain a given another number: each chain starts from a hash of its own
    spare = max(a.chain, b_chain) + 1
    assert genesis(spare) != genesis(a.chain)
    _tamper("UPDATE core_auditevent SET chain = %s WHERE chain = %s", [spare, a.chain])
    report = verify_chain()
    assert (report.intact, report.broken_chain, report.broken_seq) == (False, spare, 1)
    assert "previous-hash" in report.reason


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_chain_is_streamed_from_a_server_side_cursor_in_chunks(monkeypatch):
    # given: a chain of 7 events, read 3 rows at a time
    _append(7)
    monkeypatch.setattr(audit, "STREAM_CHUNK", 3)
    seen: list[list[tuple]] = []
    stream = audit._stream

    def watched(chain, after_seq):
        rows = stream(chain, after_seq)
        first = next(rows)
        with connection.cursor() as cursor:
            cursor.execute("SELECT is_holdable FROM pg_cursors WHERE name LIKE '_django_curs_%%'")
            seen.append(cursor.fetchall())
        yield first
        yield from rows

    monkeypatch.setattr(audit, "_stream", watched)
    # when / then: the rows come from a cursor on the server, not held across a commit (which
    # would make PostgreSQL copy the whole result first), and every chunk is verified
    report = verify_chain()
    assert report.intact and report.checked == 7
    assert seen == [[(False,)]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_fork_a_chain(settings):
    # Writers of two objects: four writers contend for each object's chain.
    settings.AUDIT_CHAINS = 16
    writers, per_writer = 8, 25
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            barrier.wait()
            for i in range(per_writer):
                with transaction.atomic():
                    record_event(
                        actor=None,
                        verb="test.concurrent",
                        object_type="test.thing",
                        object_id=f"shared-{worker % 2}",
                        after={"worker": worker, "i": i},
                    )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    report = verify_chain()
    assert report.intact
    assert report.count == writers * per_writer
    for seqs in _chain_seqs().values():
        assert seqs == list(range(1, len(seqs) + 1))
    prev = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(set(prev)) == len(prev)  # no two events share a parent: each chain is linear


@pytest.mark.parametrize(
    "facts",
    [
        (None, "", "", "x", "t", "1", "", {}, {}, ""),
        (
            7,
            '张"三\\',
            "区住建局",
            "project.approved",
            "projects.project",
            "42",
            "项目 <42> \n 换行",
            {"amount": "12.50", "list": [1, {"b": None, "a": True}], "键": "值"},
            {"z": 1.5, "a": "\u2028"},
            "说明\t",
        ),
    ],
)
def test_the_append_hashes_the_same_bytes_as_canonical(facts):
    """The database hashes `a + created_at + b + seq + c` (core.audit._append_sql): the same
    bytes as the canonical event every check hashes again."""
    created_at = datetime(2026, 3, 2, 1, 2, 3, 4, tzinfo=UTC)
    a, b, c = audit._canonical_parts(*facts)
    actor_id, name, organisation, verb, object_type, object_id, shown, before, after, note = facts
    assert f"{a}2026-03-02T01:02:03.000004+00:00{b}17{c}".encode() == audit._canonical_row(
        17, created_at, actor_id, name, organisation, verb, object_type, object_id, shown,
        before, after, note,
    )  # fmt: skip
