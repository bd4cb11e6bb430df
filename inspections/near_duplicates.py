"""Stored photos whose perceptual hash is within NEAR_DUPLICATE_DISTANCE bits of an upload's,
found through the chunk indexes instead of a full scan (docs/architecture.md, "Near-duplicate
photos without a full scan"); and the full scan itself, the reference the index must equal."""

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, reduce
from itertools import combinations
from operator import or_
from typing import cast

from django.db import connection
from django.db.models import BigIntegerField, Q
from django.db.models.expressions import RawSQL

from core.prepared import prepared

from .models import Photo
from .phash_chunks import CHUNKS, HashChunk, chunk_sql, chunk_value
from .photos import NEAR_DUPLICATE_DISTANCE

# The stored hashes an upload is compared with: the whole photo's, and its centre's.
COLUMNS = ("phash_bits", "crop_phash_bits")
# Pigeonhole: if the three chunks of two hashes all differed in CHUNK_RADIUS + 1 bits or more,
# the hashes would differ in at least 3 × 3 = 9 > NEAR_DUPLICATE_DISTANCE bits. So every near
# duplicate is within CHUNK_RADIUS bits of the upload in one chunk at least.
CHUNK_RADIUS = NEAR_DUPLICATE_DISTANCE // len(CHUNKS)


@dataclass(frozen=True)
class Comparison:
    """One hash of the upload, to be compared with one stored column (of COLUMNS)."""

    column: str
    bits: int  # signed 64-bit, as stored


@dataclass(frozen=True, order=True)
class Match:
    """A stored photo near the upload; they sort closest first, then oldest."""

    distance: int
    created_at: datetime
    photo_id: int
    comparison: int  # the first of the comparisons that came this close (its position)


def near_matches(comparisons: Sequence[Comparison]) -> list[Match]:
    """Every stored photo within NEAR_DUPLICATE_DISTANCE bits in any of the comparisons, closest
    first — the same list as near_matches_by_scan, from a few thousand index probes."""
    found = _values_near(comparisons)
    holding = [Q(phash_bits__in=sorted(found["phash_bits"]))] if found["phash_bits"] else []
    if found["crop_phash_bits"]:
        crops = sorted(found["crop_phash_bits"])
        # the crop column has no index of its own: its first chunk index holds it too
        holding.append(
            Q(
                crop_chunk__in=sorted({chunk_value(bits, CHUNKS[0]) for bits in crops}),
                crop_phash_bits__in=crops,
            )
        )
    if not holding:
        return []
    rows = (
        Photo.objects.alias(crop_chunk=HashChunk("crop_phash_bits", CHUNKS[0]))
        .filter(reduce(or_, holding))
        .values_list("pk", "created_at", *COLUMNS)
    )
    return _matches(rows, comparisons)


def near_matches_by_scan(comparisons: Sequence[Comparison]) -> list[Match]:
    """near_matches the slow way, comparing with every stored photo: what the uploads did
    before the index, kept as the reference for its tests and bench/photo_index.py."""
    if not comparisons:
        return []
    photos = Photo.objects.all()
    if bit_count_in_sql():
        terms, params = [], []
        for comparison in comparisons:
            distance = f"bit_count(({_column_sql(comparison.column)} # %s)::bit(64))"
            nullable = Photo._meta.get_field(comparison.column).null
            terms.append(f"coalesce({distance}, 64)" if nullable else distance)
            params.append(comparison.bits)
        photos = photos.alias(distance=RawSQL(f"least({', '.join(terms)})", params)).filter(
            distance__lte=NEAR_DUPLICATE_DISTANCE
        )
    rows = photos.values_list("pk", "created_at", *COLUMNS).iterator(chunk_size=2000)
    return _matches(rows, comparisons)


def bit_count_in_sql() -> bool:
    """PostgreSQL counts differing bits itself; the embedded SQLite leaves that to Python."""
    return connection.vendor == "postgresql"


def _values_near(comparisons: Sequence[Comparison]) -> dict[str, set[int]]:
    """Per column, the stored hashes near one of the upload's. For each of the upload's hashes
    and each chunk, one index scan probing the chunk values within CHUNK_RADIUS of the hash's,
    keeping what is within NEAR_DUPLICATE_DISTANCE of that hash (one count per row found: testing
    each row against all ten hashes cost more than the probes)."""
    asked = sorted({(c.column, c.bits) for c in comparisons})
    in_sql = bit_count_in_sql()
    table = connection.ops.quote_name(Photo._meta.db_table)
    arms: list[str] = []
    params: list = []
    for n, (column, bits) in enumerate(asked):
        column_sql = _column_sql(column)
        for chunk in CHUNKS:
            select = f"SELECT {n}, {column_sql} FROM {table} WHERE {chunk_sql(column_sql, chunk)}"
            if in_sql:
                # The values near the chunk's made in the database, from the masks given as one
                # text (the same for every upload) through a sub-select: planned as a list of
                # unknown length, not value by value (those estimates cost more than the probes).
                arms.append(
                    f"{select} = ANY((SELECT array_agg(%s::bigint # mask) "
                    "FROM unnest(%s::bigint[]) AS mask)::bigint[]) "
                    f"AND bit_count(({column_sql} # %s)::bit(64)) <= %s"
                )
                params += [
                    chunk_value(bits, chunk),
                    _flips_text(chunk.width, CHUNK_RADIUS),
                    bits,
                    NEAR_DUPLICATE_DISTANCE,
                ]
            else:
                near = [
                    chunk_value(bits, chunk) ^ flip for flip in _flips(chunk.width, CHUNK_RADIUS)
                ]
                arms.append(f"{select} IN ({', '.join(['%s'] * len(near))})")
                params += near
    found: dict[str, set[int]] = {column: set() for column in COLUMNS}
    if not arms:
        return found
    sql = " UNION ALL ".join(arms)
    with connection.cursor() as cursor:
        if in_sql:
            # planned once per connection and shape (an upload's ten hashes are one shape):
            # planning thirty index scans costs about a millisecond of each lookup
            name = f"lingxing_near_{hashlib.sha256(sql.encode()).hexdigest()[:16]}"
            cursor.execute(prepared(cursor, name, sql), params)
        else:
            cursor.execute(sql, params)
        for n, stored in cursor.fetchall():
            column, bits = asked[n]
            if in_sql or _apart(stored, bits) <= NEAR_DUPLICATE_DISTANCE:
                found[column].add(stored)
    return found


def _matches(rows: Iterable[tuple], comparisons: Sequence[Comparison]) -> list[Match]:
    """The rows (pk, created_at, *COLUMNS) that come within NEAR_DUPLICATE_DISTANCE, each with
    its closest comparison (the first, of equally close ones), closest and oldest first."""
    where = [COLUMNS.index(c.column) for c in comparisons]
    matches = []
    for pk, created_at, *stored in rows:
        best: tuple[int, int] | None = None
        for n, comparison in enumerate(comparisons):
            other = stored[where[n]]
            if other is None:
                continue
            distance = _apart(other, comparison.bits)
            if best is None or distance < best[0]:
                best = (distance, n)
        if best is not None and best[0] <= NEAR_DUPLICATE_DISTANCE:
            matches.append(Match(best[0], created_at, pk, best[1]))
    return sorted(matches)


@cache
def _flips(width: int, radius: int) -> tuple[int, ...]:
    """Every mask of at most `radius` bits out of `width`: 1 + 22 + 231 of them for 22 and 2."""
    return tuple(
        sum(1 << bit for bit in bits)
        for flipped in range(radius + 1)
        for bits in combinations(range(width), flipped)
    )


@cache
def _flips_text(width: int, radius: int) -> str:
    """_flips as a PostgreSQL array's text."""
    return "{" + ",".join(map(str, _flips(width, radius))) + "}"


def _apart(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def _column_sql(field_name: str) -> str:
    field = cast(BigIntegerField, Photo._meta.get_field(field_name))  # one of COLUMNS
    return connection.ops.quote_name(cast(str, field.column))
