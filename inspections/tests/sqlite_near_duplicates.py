"""The chunk-index lookup against the full scan on a fresh SQLite file, as a separate process
(the embedded default's own settings): run by test_near_duplicates.py, prints one JSON line.

    DATABASE_URL=sqlite:////tmp/x.sqlite3 python -m inspections.tests.sqlite_near_duplicates
"""

import json
import os


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from accounts.tests.factories import district
    from inspections import near_duplicates
    from inspections.near_duplicates import near_matches, near_matches_by_scan
    from inspections.tests.near_duplicate_data import indexes_searched, plant
    from projects.tests.factories import ensure_default_tier_policy, make_project

    ensure_default_tier_policy()
    people = district()
    uploads = plant(project=make_project(people.street_zhenhai), uploader=people.supervisor)
    scans = [near_matches_by_scan(upload.comparisons) for upload in uploads]
    result = {
        "vendor": connection.vendor,
        "uploads": len(uploads),
        "planted_near_found": sum(
            upload.near <= {m.photo_id for m in scan}
            and not upload.far & {m.photo_id for m in scan}
            for upload, scan in zip(uploads, scans, strict=True)
        ),
        "equal": sum(
            near_matches(upload.comparisons) == scan
            for upload, scan in zip(uploads, scans, strict=True)
        ),
    }
    result["indexes_searched"] = sorted(indexes_searched(uploads[0].comparisons))
    near_duplicates.CHUNK_RADIUS = 1
    result["missed_with_radius_1"] = sum(
        len(near_matches(upload.comparisons)) < len(scan)
        for upload, scan in zip(uploads, scans, strict=True)
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
