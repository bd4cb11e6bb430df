"""PDF signatures (PAdES, pyHanko) with each organisation's key, and their verification.

A demo district CA (根证书) issues every organisation's certificate; keys and certificates live
as PEM files under settings.SIGNING_KEYS_DIR (git-ignored, never in the database). A document
verifies when its signature is intact, covers the whole file, and chains to the district root.
Pure functions of bytes and identities: the apps decide who signs what and record it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import logging
import os
from dataclasses import dataclass, replace
from io import BytesIO
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from core.errors import ConflictError

logger = logging.getLogger(__name__)

ROOT_NAME = "荔城区零星工程电子签章根证书（演示）"
ROOT_YEARS = 20
ORGANISATION_YEARS = 5
# The certificate's serialNumber attribute names the organisation by its id: "org:<id>".
ORG_PREFIX = "org:"


@dataclass(frozen=True)
class Signatory:
    """Who signs: an organisation's id and its name (as the certificate will show it)."""

    organisation_id: int
    name: str


def signatory_of(organisation) -> Signatory:
    """The organisation (of the user who issued a record) as a signatory; a user without an
    organisation cannot have issued a signed document."""
    if organisation is None:
        raise ConflictError(_("出具单位不明，无法加盖电子签章。"))
    return Signatory(organisation.pk, organisation.name)


@dataclass(frozen=True)
class Verdict:
    """What the verification page says. `status` is one of STATUSES; the signer's organisation
    id and name, the signing time and the reason are set when a signature could be read."""

    status: str
    sha256: str
    organisation_id: int | None = None
    signer_name: str = ""
    signed_at: dt.datetime | None = None
    reason: str = ""

    @property
    def valid(self) -> bool:
        return self.status == VALID


VALID = "valid"
MODIFIED = "modified"  # the signed bytes changed, or bytes were added after the signature
UNKNOWN_SIGNER = "unknown_signer"  # a signature, but not by a certificate of the district CA
NOT_SIGNED = "not_signed"
UNREADABLE = "unreadable"  # not a PDF, or one that cannot be parsed
STATUSES = (VALID, MODIFIED, UNKNOWN_SIGNER, NOT_SIGNED, UNREADABLE)


# --- keys ----------------------------------------------------------------------------------


def keys_dir() -> Path:
    folder = Path(settings.SIGNING_KEYS_DIR)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


@contextlib.contextmanager
def _locked():
    """One writer of key files at a time, across processes."""
    with open(keys_dir() / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(temporary, path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _load_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path} is not an EC key")
    return key


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _root() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The district CA's key and certificate, made the first time (inside _locked)."""
    key_path, cert_path = keys_dir() / "root-key.pem", keys_dir() / "root-cert.pem"
    if key_path.exists() and cert_path.exists():
        return _load_key(key_path), x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ROOT_NAME),
            x509.NameAttribute(NameOID.COMMON_NAME, ROOT_NAME),
        ]
    )
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * ROOT_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write(key_path, _key_pem(key), private=True)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def root_certificate() -> x509.Certificate:
    with _locked():
        return _root()[1]


def _fit(name: str) -> str:
    """A name as an X.509 attribute holds it: at most 64 bytes of UTF-8."""
    name = name.strip() or "-"
    while len(name.encode()) > 64:
        name = name[:-1]
    return name


def _subject(signatory: Signatory) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, _fit(signatory.name)),
            x509.NameAttribute(NameOID.COMMON_NAME, _fit(signatory.name)),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"{ORG_PREFIX}{signatory.organisation_id}"),
        ]
    )


def _issued_by(cert: x509.Certificate, root: x509.Certificate) -> bool:
    """Whether the root's key signed the certificate (a root made again has the same name)."""
    try:
        cert.verify_directly_issued_by(root)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def organisation_credentials(
    signatory: Signatory,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate, x509.Certificate]:
    """The organisation's key, its certificate and the root's, made when missing. A renamed
    organisation gets a new certificate for its key (the certificate names it); a certificate
    of an earlier root is issued again."""
    with _locked():
        root_key, root_cert = _root()
        key_path = keys_dir() / f"org-{signatory.organisation_id}-key.pem"
        cert_path = keys_dir() / f"org-{signatory.organisation_id}-cert.pem"
        if key_path.exists():
            key = _load_key(key_path)
        else:
            key = ec.generate_private_key(ec.SECP256R1())
            _write(key_path, _key_pem(key), private=True)
        if cert_path.exists():
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
            if (
                cert.subject == _subject(signatory)
                and _issued_by(cert, root_cert)
                and cert.public_key() == key.public_key()
                and cert.not_valid_after_utc > _now() + dt.timedelta(days=30)
            ):
                return key, cert, root_cert
        now = _now()
        cert = (
            x509.CertificateBuilder()
            .subject_name(_subject(signatory))
            .issuer_name(root_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365 * ORGANISATION_YEARS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,  # non-repudiation: pyHanko asks for it
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                critical=False,
            )
            .sign(root_key, hashes.SHA256())
        )
        _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
        return key, cert, root_cert


# --- signing -------------------------------------------------------------------------------


def _asn1_cert(cert: x509.Certificate):
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def sign_pdf(pdf: bytes, *, signatory: Signatory, reason: str, location: str = "") -> bytes:
    """The PDF signed (PAdES baseline B, invisible signature, SHA-256) by the organisation."""
    key, cert, root = organisation_credentials(signatory)
    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(root)]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1",
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        reason=reason,
        location=location or None,
        name=signatory.name,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    out = signers.sign_pdf(writer, meta, signer=signer)
    return out.getvalue()


def issue_signed(pdf: bytes, *, organisation, reason: str) -> tuple[bytes, dict]:
    """A document signed by `organisation`, and what its issue event records of the copy (its
    SHA-256 and the signer): the same for every signed document the platform issues."""
    signatory = signatory_of(organisation)
    signed = sign_pdf(pdf, signatory=signatory, reason=reason)
    return signed, {"sha256": hashlib.sha256(signed).hexdigest(), "signed_by": signatory.name}


# --- verifying -----------------------------------------------------------------------------


def _organisation_of(cert) -> tuple[int | None, str]:
    """(organisation id, common name) from an asn1crypto certificate's subject."""
    native = cert.subject.native
    name = str(native.get("common_name") or native.get("organization_name") or "")
    serial = str(native.get("serial_number") or "")
    if serial.startswith(ORG_PREFIX) and serial[len(ORG_PREFIX) :].isdigit():
        return int(serial[len(ORG_PREFIX) :]), name
    return None, name


def verify_pdf(data: bytes) -> Verdict:
    """Check every signature of an uploaded PDF; the verdict of the first that fails, else of
    the last one. Never raises on bad input."""
    digest = hashlib.sha256(data).hexdigest()
    try:
        return _verify(data, digest)
    except Exception:  # a crafted or broken file must give an answer, never a 500
        logger.info("PDF %s could not be verified", digest, exc_info=True)
        return Verdict(status=UNREADABLE, sha256=digest)


def _verify(data: bytes, digest: str) -> Verdict:

    if b"%PDF-" not in data[:1024]:  # the header may follow up to 1 KB of other bytes
        return Verdict(status=UNREADABLE, sha256=digest)
    reader = PdfFileReader(BytesIO(data), strict=False)
    signatures = reader.embedded_signatures
    if not signatures:
        return Verdict(status=NOT_SIGNED, sha256=digest)
    context = ValidationContext(trust_roots=[_asn1_cert(root_certificate())], allow_fetching=False)
    verdict = Verdict(status=NOT_SIGNED, sha256=digest)
    for embedded in signatures:
        status = validate_pdf_signature(embedded, signer_validation_context=context)
        organisation_id, name = _organisation_of(status.signing_cert)
        found = Verdict(
            status=VALID,
            sha256=digest,
            organisation_id=organisation_id,
            signer_name=name,
            signed_at=status.signer_reported_dt,
            reason=str(embedded.sig_object.get("/Reason", "") or ""),
        )
        if not (status.intact and status.valid):
            return replace(found, status=MODIFIED)
        if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
            # Bytes appended after the signature (an incremental update): whatever they change,
            # the file is no longer the one that was signed.
            return replace(found, status=MODIFIED)
        if not status.trusted or organisation_id is None:
            return replace(found, status=UNKNOWN_SIGNER)
        verdict = found
    return verdict
