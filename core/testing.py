"""Helpers for tests that several apps share."""

from contextlib import contextmanager

from django.db import transaction


@contextmanager
def rolled_back(using=None):
    """A block whose writes are undone at its end (each case of a matrix from the same state).

    Services open durable transactions, which may not nest in another atomic block; this block
    is marked as Django's TestCase marks its own, so that they run inside it as in a test.
    """
    block = transaction.atomic(using=using)
    block._from_testcase = True
    with block:
        yield
        transaction.set_rollback(True, using=using)
