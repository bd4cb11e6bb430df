"""Make the demo's signing keys (docs/evidence-and-signatures.md): the district CA and a key and
certificate for every organisation that has none (idempotent); print the root's fingerprint."""

from cryptography.hazmat.primitives import hashes
from django.core.management.base import BaseCommand

from accounts.models import Organisation
from core.signing import keys_dir, organisation_credentials, root_certificate, signatory_of


class Command(BaseCommand):
    help = "Create the district CA and each organisation's PDF signing key (SIGNING_KEYS_DIR)."

    def handle(self, *args, **options):
        made = 0
        for organisation in Organisation.objects.order_by("pk"):
            organisation_credentials(signatory_of(organisation))
            made += 1
        root = root_certificate()
        self.stdout.write(
            f"signing keys of {made} organisations in {keys_dir()}; root certificate "
            f"SHA-256 {root.fingerprint(hashes.SHA256()).hex(':')}"
        )
