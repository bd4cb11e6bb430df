"""Verify the audit chain; exit 1 and name the first broken event when it is not intact."""

from django.core.management.base import BaseCommand, CommandError

from core.audit import take_head, verify_chain


class Command(BaseCommand):
    help = "Verify the tamper-evident audit chain and print its head hash."

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep-head",
            action="store_true",
            help="also store the head so later checks detect a truncated tail",
        )

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.intact:
            raise CommandError(
                f"BROKEN at event #{report.broken_seq}: {report.reason} "
                f"({report.count} events verified before it)"
            )
        self.stdout.write(f"OK {report.count} events")
        self.stdout.write(f"head #{report.head_seq} {report.head_hash}")
        if options["keep_head"]:
            take_head()
