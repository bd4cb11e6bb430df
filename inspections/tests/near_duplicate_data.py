"""Random perceptual hashes, and near copies planted at 0 to 10 bits from an upload's hashes with
the flipped bits dealt over the three chunks: the data on which the chunk indexes must find what
the full scan finds (test_near_duplicates.py, and sqlite_near_duplicates.py on SQLite)."""

import json
import random
import re
from dataclasses import dataclass, field

from django.db import connection
from django.test.utils import CaptureQueriesContext

from inspections.models import Photo
from inspections.near_duplicates import Comparison, near_matches
from inspections.phash_chunks import CHUNKS

MASK = (1 << 64) - 1
INDEXES = [f"photo_{kind}_chunk_{chunk.name}" for kind in ("phash", "crop") for chunk in CHUNKS]


@dataclass
class Upload:
    comparisons: list[Comparison]
    near: set[int] = field(default_factory=set)  # photos planted 0 to 8 bits away
    far: set[int] = field(default_factory=set)  # 9 and 10 bits away


def signed(value: int) -> int:
    value &= MASK
    return value - (1 << 64) if value >= 1 << 63 else value


def dealt_flips(rng: random.Random, distance: int) -> int:
    """`distance` bits dealt round the chunks (8 bits: 3, 3 and 2), so that the planted copies at
    6 to 8 bits are within two bits of the upload in one chunk only, or none at all."""
    places = [rng.sample(range(c.shift, c.shift + c.width), c.width) for c in CHUNKS]
    mask = 0
    for n in range(distance):
        mask |= 1 << places[n % len(CHUNKS)][n // len(CHUNKS)]
    return mask


def plant(*, project, uploader, seed: int = 19, background: int = 3000, uploads: int = 30):
    """`background` random photos, and per upload (the ten comparisons of earlier_use: the whole
    hash, seven turned, the centre both ways) one photo at each distance 0–10 from one of them."""
    rng = random.Random(seed)
    photos: list[Photo] = []

    def photo(phash: int, crop: int | None) -> Photo:
        n = len(photos)
        photos.append(
            Photo(
                project=project,
                uploaded_by=uploader,
                original=f"test/{n}.jpg",
                public=f"test/p{n}.jpg",
                original_name=f"{n}.jpg",
                content_type="image/jpeg",
                width=800,
                height=600,
                sha256=f"{n:064x}",
                phash=f"{phash & MASK:016x}",
                phash_bits=signed(phash),
                crop_phash_bits=None if crop is None else signed(crop),
            )
        )
        return photos[-1]

    for _ in range(background):
        photo(rng.getrandbits(64), rng.getrandbits(64) if rng.random() < 0.9 else None)
    planted: list[tuple[Upload, list[tuple[int, Photo]]]] = []
    for _ in range(uploads):
        whole, crop = rng.getrandbits(64), rng.getrandbits(64)
        comparisons = [
            Comparison("phash_bits", signed(whole)),
            *(Comparison("phash_bits", signed(rng.getrandbits(64))) for _ in range(7)),
            Comparison("crop_phash_bits", signed(whole)),
            Comparison("phash_bits", signed(crop)),
        ]
        copies = []
        for distance in range(11):
            near = rng.choice(comparisons)
            bits = near.bits ^ dealt_flips(rng, distance)
            if near.column == "phash_bits":
                copies.append((distance, photo(bits, rng.getrandbits(64))))
            else:
                copies.append((distance, photo(rng.getrandbits(64), bits)))
        planted.append((Upload(comparisons), copies))
    Photo.objects.bulk_create(photos, batch_size=1000)
    for upload, copies in planted:
        for distance, copy in copies:
            (upload.near if distance <= 8 else upload.far).add(copy.pk)
    return [upload for upload, _copies in planted]


def indexes_searched(comparisons: list[Comparison]) -> set[str]:
    """The chunk indexes the lookup's probes search (with a condition, not read through)."""
    with CaptureQueriesContext(connection) as captured:
        near_matches(comparisons)
    # on PostgreSQL the lookup is a prepared statement (core/prepared.py), prepared by the
    # first lookup of a connection: its plan is the EXECUTE's
    queries = [q["sql"] for q in captured.captured_queries]
    sql = next((q for q in queries if q.startswith("EXECUTE ")), queries[0])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # the statistics autovacuum keeps; and a table of test size is cheaper to read
            # whole, so the question is whether the indexes can serve
            cursor.execute(f"ANALYZE {Photo._meta.db_table}")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            return set(_searched(plan[0]["Plan"]))
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        details = [str(row[-1]) for row in cursor.fetchall()]
    return {
        found.group(1)
        for detail in details
        if (found := re.match(r"SEARCH \S+ USING (?:COVERING )?INDEX (\w+) \(", detail))
    }


def _searched(node: dict):
    if node.get("Index Name") and node.get("Index Cond"):
        yield node["Index Name"]
    for child in node.get("Plans", []):
        yield from _searched(child)
