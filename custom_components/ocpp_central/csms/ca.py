"""The central system as its own small certificate authority, for chargers' client certificates.

A charger sends a certificate signing request (SignCertificate); the CA signs it for the charger's own
id (subject CN) and the central system sends the certificate back (CertificateSigned). The server then
trusts the CA's certificate for security profile 3 (tls.py). Files are read and written blocking: call
these in an executor. The private key is written readable by its owner only (0600).
"""

from __future__ import annotations

from dataclasses import dataclass
import datetime
import os
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_VALIDITY = datetime.timedelta(days=20 * 365)
# Chargers are expected to renew well before this (OCPP 2.0.1 A02: a CSMS decides the validity).
CHARGER_VALIDITY = datetime.timedelta(days=2 * 365)
_BACKDATE = datetime.timedelta(minutes=5)


class SigningRefusedError(ValueError):
    """A signing request the CA does not sign (unreadable, badly signed, or for another id)."""


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _common_name(name: x509.Name) -> str | None:
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else None


@dataclass(frozen=True, slots=True)
class LocalCa:
    """A CA key and its self-signed certificate."""

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @classmethod
    def generate(cls, name: str) -> LocalCa:
        """Make a new CA (P-256, as the OCPP security whitepaper allows) named `name`."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = _now()
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(now + CA_VALIDITY)
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
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(key, hashes.SHA256())
        )
        return cls(key, certificate)

    @property
    def certificate_pem(self) -> str:
        """The CA's certificate, PEM (what chargers and the TLS server trust)."""
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    def sign_request(self, csr_pem: str, charger_id: str) -> str:
        """Sign a charger's PEM request for its own id; return the PEM chain (its certificate, ours)."""
        try:
            request = x509.load_pem_x509_csr(csr_pem.encode())
        except ValueError as err:
            raise SigningRefusedError("not a PEM certificate signing request") from err
        try:
            valid = request.is_signature_valid
        except InvalidSignature:
            valid = False
        if not valid:
            raise SigningRefusedError("the request's signature does not verify")
        if (requested := _common_name(request.subject)) != charger_id:
            raise SigningRefusedError(f"the request is for {requested!r}, not for the charger id")
        now = _now()
        certificate = (
            x509.CertificateBuilder()
            .subject_name(request.subject)
            .issuer_name(self.certificate.subject)
            .public_key(request.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _BACKDATE)
            .not_valid_after(now + CHARGER_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        return certificate.public_bytes(serialization.Encoding.PEM).decode() + self.certificate_pem


@dataclass(frozen=True, slots=True)
class CaFiles:
    """Where a central system's own CA lives: its certificate and its private key."""

    certificate: Path
    key: Path

    @classmethod
    def in_directory(cls, directory: Path, stem: str) -> CaFiles:
        """Return the CA files named `stem` in a directory (Home Assistant's .storage)."""
        return cls(directory / f"{stem}.ca.pem", directory / f"{stem}.ca.key")

    def save(self, ca: LocalCa) -> None:
        """Write both files; the key readable by its owner only, from its creation on."""
        self.key.parent.mkdir(parents=True, exist_ok=True)
        key_pem = ca.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        descriptor = os.open(self.key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as key_file:
            key_file.write(key_pem)
        # An existing file keeps its mode through O_CREAT: set it.
        self.key.chmod(0o600)
        self.certificate.write_text(ca.certificate_pem)

    def load(self) -> LocalCa | None:
        """Read the CA; None when it was never made (or its key is gone)."""
        if not self.key.is_file() or not self.certificate.is_file():
            return None
        key = serialization.load_pem_private_key(self.key.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise TypeError(f"{self.key} holds no EC private key")
        return LocalCa(key, x509.load_pem_x509_certificate(self.certificate.read_bytes()))
