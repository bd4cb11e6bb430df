"""Near-duplicate photos through the chunk indexes (issue 19 point 3): exactly the full scan's
matches, on PostgreSQL and on the embedded SQLite, through the indexes, also for the photos stored
before the indexes were made."""

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from inspections import near_duplicates
from inspections.near_duplicates import near_matches, near_matches_by_scan
from inspections.tests.near_duplicate_data import INDEXES, indexes_searched, plant
from projects.tests.factories import make_project
from tests.scenario import run_scenario


def _uploads(district, **kwargs):
    project = make_project(district.street_zhenhai)
    return plant(project=project, uploader=district.supervisor, **kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("counting", ["database", "python"])
def test_the_chunk_indexes_find_exactly_what_the_full_scan_finds(district, monkeypatch, counting):
    # given random photos and, for each upload, copies planted 0 to 10 bits away
    uploads = _uploads(district)
    # with the bits counted by PostgreSQL, or in Python as on the embedded SQLite
    if counting == "python":
        monkeypatch.setattr(near_duplicates, "bit_count_in_sql", lambda: False)
    for upload in uploads:
        # when both look
        scan = near_matches_by_scan(upload.comparisons)
        found = near_matches(upload.comparisons)
        # then the scan has the copies at 8 bits or fewer and not the farther ones
        assert upload.near <= {m.photo_id for m in scan}
        assert not upload.far & {m.photo_id for m in scan}
        # and the index the very same matches: distances, order, which comparison
        assert found == scan


@pytest.mark.django_db
def test_with_one_bit_per_chunk_the_index_would_miss_copies(district, monkeypatch):
    # The planted copies at 6 to 8 bits differ by two bits or more in every chunk, so the test
    # above fails for an index probing too narrow a neighbourhood.
    uploads = _uploads(district, background=200, uploads=5)
    monkeypatch.setattr(near_duplicates, "CHUNK_RADIUS", 1)
    for upload in uploads:
        assert len(near_matches(upload.comparisons)) < len(near_matches_by_scan(upload.comparisons))


@pytest.mark.django_db
def test_every_probe_goes_through_its_chunk_index(district):
    # The expressions of the query must be the indexes' own, or the database reads every row
    # (enough rows that reading them all would cost more than the probes).
    upload = _uploads(district, background=20_000, uploads=1)[0]
    assert indexes_searched(upload.comparisons) == set(INDEXES)


@pytest.mark.django_db(transaction=True)
def test_photos_stored_before_the_migration_are_found_through_the_new_indexes(district):
    # given photos stored while there were no chunk indexes
    executor = MigrationExecutor(connection)
    executor.migrate([("inspections", "0010_village_observations")])
    uploads = _uploads(district, background=20_000, uploads=5)
    with connection.cursor() as cursor:
        before = connection.introspection.get_constraints(cursor, "inspections_photo")
    assert not set(INDEXES) & set(before)
    try:
        # when the migration makes them
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([("inspections", "0012_photo_chunk_indexes")])
        # then the lookup reads them and finds the photos stored before, as the scan does
        for upload in uploads:
            assert upload.near <= {m.photo_id for m in near_matches(upload.comparisons)}
            assert near_matches(upload.comparisons) == near_matches_by_scan(upload.comparisons)
        with transaction.atomic():
            assert indexes_searched(uploads[0].comparisons) == set(INDEXES)
        if connection.vendor == "postgresql":
            # and autovacuum keeps the pages all-visible, for the scans to stay index-only
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reloptions FROM pg_class WHERE relname = 'inspections_photo'"
                )
                assert cursor.fetchone()[0] == ["autovacuum_vacuum_insert_scale_factor=0.01"]
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_on_the_embedded_sqlite_too(tmp_path):
    # A fresh SQLite file migrated from nothing, in a process of its own (the suite's database
    # is PostgreSQL in CI): the same data, the same comparison, the same plan check.
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
    }
    result = run_scenario("inspections.tests.sqlite_near_duplicates", env)
    assert result["vendor"] == "sqlite"
    assert result["uploads"] == 30 and result["planted_near_found"] == 30
    assert result["equal"] == 30
    assert result["missed_with_radius_1"] == 30
    assert result["indexes_searched"] == sorted(INDEXES)
