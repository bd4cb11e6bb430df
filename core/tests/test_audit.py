"""The audit chain: every link verifies, any edit, deletion or reordering is named."""

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.db.utils import DatabaseError

from core.audit import record_event, take_head, verify_chain
from core.models import AuditEvent


def _append(n: int, actor=None) -> None:
    for i in range(n):
        with transaction.atomic():
            record_event(
                actor=actor,
                verb="test.event",
                object_type="test.thing",
                object_id=str(i),
                after={"i": i, "amount": "12.50"},
            )


def _tamper(sql: str, params=()) -> None:
    """What a database administrator could do behind the application's back."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Superusers can bypass the append-only trigger; the chain must still tell.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_an_untouched_chain_verifies(capsys):
    _append(5)
    report = verify_chain()
    assert (report.intact, report.count, report.head_seq) == (True, 5, 5)
    call_command("verify_audit")
    out = capsys.readouterr().out
    assert "OK 5 events" in out
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
    assert f"#{broken}" in str(caught.value)


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


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_fork_the_chain():
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
                        object_id=f"{worker}-{i}",
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
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, writers * per_writer + 1))
    prev = list(AuditEvent.objects.order_by("seq").values_list("prev_hash", flat=True))
    assert len(set(prev)) == len(prev)  # no two events share a parent: the chain is linear
