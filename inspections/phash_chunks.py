"""The 64-bit perceptual hashes cut into three chunks, each with an index of its own, so that the
photos a few bits away from an upload are found without reading every photo (multi-index hashing:
docs/architecture.md, "Near-duplicate photos without a full scan")."""

from dataclasses import dataclass

from django.db import models
from django.db.models import F, Func


@dataclass(frozen=True)
class Chunk:
    name: str
    shift: int
    width: int

    @property
    def mask(self) -> int:
        return (1 << self.width) - 1


# 22 + 21 + 21 bits: the top, middle and bottom of the hash.
CHUNKS = (Chunk("a", 42, 22), Chunk("b", 21, 21), Chunk("c", 0, 21))


def chunk_value(bits: int, chunk: Chunk) -> int:
    """The chunk of a hash (signed 64-bit, as stored) as the index holds it: Python shifts a
    negative number as SQL does, keeping the sign, and the mask leaves the chunk's own bits."""
    return (bits >> chunk.shift) & chunk.mask


def chunk_sql(column_sql: str, chunk: Chunk) -> str:
    """The chunk in SQL, written exactly as in its index: the numbers are part of the text, not
    parameters, or the database would not see that the query's expression is the index's."""
    shifted = f"({column_sql} >> {chunk.shift})" if chunk.shift else column_sql
    return f"({shifted} & {chunk.mask})"


class HashChunk(Func):
    """chunk_sql as an ORM expression."""

    output_field = models.BigIntegerField()

    def __init__(self, column: str, chunk: Chunk):
        super().__init__(F(column))
        self.chunk = chunk

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return chunk_sql(sql, self.chunk), params


def chunk_indexes(column: str, prefix: str) -> list[models.Index]:
    """One index per chunk of the column: the chunk first, then the whole hash, so that the
    lookup reads the hashes from the index alone (no table rows for the many near misses)."""
    indexes = []
    for chunk in CHUNKS:
        shifted = F(column).bitrightshift(chunk.shift) if chunk.shift else F(column)
        indexes.append(
            models.Index(shifted.bitand(chunk.mask), F(column), name=f"{prefix}_{chunk.name}")
        )
    return indexes
