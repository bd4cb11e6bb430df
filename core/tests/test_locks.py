"""The one advisory-lock helper: the audit chain, the period jobs and the ratings screening
take their locks through it, each in the key space it always used."""

import pytest
from django.db import connection, transaction

from core.audit import APPEND_LOCK_CLASS, record_event
from core.locks import advisory_key, advisory_lock, advisory_lock_one_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _held() -> set[tuple[int, int, int]]:
    """This backend's advisory locks as (classid, objid, objsubid): a 64-bit key is split in
    two with objsubid 1, a pair of 32-bit keys has objsubid 2."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT classid::bigint, objid::bigint, objsubid FROM pg_locks"
            " WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        )
        return set(cursor.fetchall())


def _split(key: int) -> tuple[int, int, int]:
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    return (unsigned >> 32, unsigned & 0xFFFFFFFF, 1)


def test_a_name_a_key_and_a_pair_each_take_their_own_lock_until_the_transaction_ends():
    with transaction.atomic():
        advisory_lock("performance.warnings")
        advisory_lock(0x4C434155)
        advisory_lock(7206, 42)
        assert _held() == {
            _split(advisory_key("performance.warnings")),
            _split(0x4C434155),
            (7206, 42, 2),
        }
    assert _held() == set()


def test_one_lock_of_a_class_per_transaction_the_first_taken():
    with transaction.atomic():
        assert advisory_lock_one_of(7207, 5) == 5
        assert advisory_lock_one_of(7207, 9) == 5  # the transaction keeps to its first
        assert _held() == {(7207, 5, 2)}
    with transaction.atomic():
        with transaction.atomic():  # a savepoint rolled back gives its lock and choice back
            assert advisory_lock_one_of(7207, 3) == 3
            transaction.set_rollback(True)
        assert advisory_lock_one_of(7207, 9) == 9
        assert (7207, 9, 2) in _held()
    assert _held() == set()


def test_the_audit_chains_append_under_one_lock_per_chain():
    with transaction.atomic():
        first = record_event(actor=None, verb="test.locked", object_type="test", object_id="1")
        assert _held() == {(APPEND_LOCK_CLASS, first.chain, 2)}
    # another object, another transaction: another chain's lock, so neither waits for the other
    others = set()
    for object_id in range(2, 40):
        with transaction.atomic():
            event = record_event(
                actor=None, verb="test.locked", object_type="test", object_id=str(object_id)
            )
            others |= {objid for cls, objid, _sub in _held() if cls == APPEND_LOCK_CLASS}
            assert {objid for cls, objid, _sub in _held()} == {event.chain}
    assert len(others) > 1


def test_the_ratings_screening_locks_one_project_not_all(district, monkeypatch):
    from projects.tests.factories import make_project
    from ratings import services as ratings_services
    from ratings.services import SCREEN_LOCK_CLASS, ratings_screen

    project = make_project(district.street_zhenhai)
    # The screening opens its own durable transaction: look at the locks held right after it
    # takes its own, inside that transaction.
    seen: list[set[tuple[int, int, int]]] = []

    def lock_and_look(*args, **kwargs):
        advisory_lock(*args, **kwargs)
        seen.append(_held())

    monkeypatch.setattr(ratings_services, "advisory_lock", lock_and_look)
    ratings_screen(project.pk)
    assert len(seen) == 1
    assert (SCREEN_LOCK_CLASS, project.pk, 2) in seen[0]
    assert not any(objid != project.pk for cls, objid, sub in seen[0] if cls == SCREEN_LOCK_CLASS)


def test_the_two_key_form_needs_an_integer_class():
    with pytest.raises(TypeError):
        advisory_lock("ratings.screen", 1)
