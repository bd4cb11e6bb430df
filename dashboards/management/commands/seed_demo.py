"""Build the demo district of 荔城区 (idempotent); --projects N adds generated projects."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from core.heads import ensure_key_file
from dashboards.demo import seed


class Command(BaseCommand):
    help = "Load the demo district: organisations, accounts (DEMO_PASSWORD) and projects."

    def add_arguments(self, parser):
        parser.add_argument(
            "--projects",
            type=int,
            default=0,
            help="also bulk-insert N generated projects (for benchmarks)",
        )

    def handle(self, *args, **options):
        if settings.AUDIT_SIGNING_KEY_AUTOCREATE and settings.AUDIT_SIGNING_KEY_FILE:
            # The embedded default signs its daily audit heads with a key of its own (var/).
            if ensure_key_file(settings.AUDIT_SIGNING_KEY_FILE):
                self.stdout.write(f"audit signing key written to {settings.AUDIT_SIGNING_KEY_FILE}")
        result = seed(projects=options["projects"])
        # Every organisation's PDF signing key and the district CA (var/signing-keys by default).
        call_command("signing_keys", stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(
                "demo district ready: " + ", ".join(f"{k}={v}" for k, v in result.items())
            )
        )
