"""The pair record a computer makes for an iPhone: a root CA, a host certificate, and a
device certificate for the phone's own public key, all signed by that root."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

VALIDITY = datetime.timedelta(days=3650)
ROOT_NAME = "Etabli pairing root"


def _pem_key(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _certificate(
    subject_key: rsa.RSAPublicKey,
    signer: rsa.RSAPrivateKey,
    *,
    ca: bool,
    serial: int,
    subject: str,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    # Distinct names: a leaf named like its root would pass for self-signed.
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(ROOT_NAME))
        .public_key(subject_key)
        .serial_number(serial)
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, key_encipherment=True, content_commitment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=False,
                          crl_sign=False, encipher_only=False, decipher_only=False),
            critical=True,
        )  # fmt: skip
    return builder.sign(signer, hashes.SHA256())


def make_pair_record(device_public_key_pem: bytes, system_buid: str) -> dict[str, Any]:
    """A fresh pair record for the phone whose PKCS#1 public key is given (its
    DevicePublicKey); private keys included, to be kept on this computer only."""
    device_key = serialization.load_pem_public_key(device_public_key_pem)
    if not isinstance(device_key, rsa.RSAPublicKey):
        raise ValueError("the phone's public key is not RSA")
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    host_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = _certificate(root_key.public_key(), root_key, ca=True, serial=1, subject=ROOT_NAME)
    host = _certificate(host_key.public_key(), root_key, ca=False, serial=2, subject="Host")
    device = _certificate(device_key, root_key, ca=False, serial=3, subject="Device")
    pem = serialization.Encoding.PEM
    return {
        "DeviceCertificate": device.public_bytes(pem),
        "HostCertificate": host.public_bytes(pem),
        "HostPrivateKey": _pem_key(host_key),
        "RootCertificate": root.public_bytes(pem),
        "RootPrivateKey": _pem_key(root_key),
        "HostID": str(uuid.uuid4()).upper(),
        "SystemBUID": system_buid,
    }


def public_part(record: dict[str, Any]) -> dict[str, Any]:
    """What the phone is sent when pairing: the record without its private keys."""
    return {k: v for k, v in record.items() if k not in ("HostPrivateKey", "RootPrivateKey",
                                                         "EscrowBag", "WiFiMACAddress")}  # fmt: skip
