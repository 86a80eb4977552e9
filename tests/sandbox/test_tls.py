"""Each endpoint serves its own TLS policy: protocols, validity window, key and signature hash."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import warnings

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.conftest import StartSandbox, trust
from vendor_audit import sandbox


def handshake(port: int, context: ssl.SSLContext) -> tuple[str | None, bytes | None]:
    """(negotiated version, leaf DER) of one TLS handshake with 127.0.0.1:port."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            return tls.version(), tls.getpeercert(binary_form=True)


def legacy_client(version: ssl.TLSVersion) -> ssl.SSLContext:
    """A client that offers only `version`, at security level 0 so the local OpenSSL does not refuse first."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = context.maximum_version = version
    context.set_ciphers("ALL:@SECLEVEL=0")
    return context


def peer_certificate(running: sandbox.RunningSandbox, name: str) -> x509.Certificate:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_ciphers("ALL:@SECLEVEL=0")
    _, der = handshake(running.listeners[name].port, context)
    assert der is not None
    return x509.load_der_x509_certificate(der)


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1])
def test_modern_endpoint_refuses_legacy_protocols(clean: sandbox.RunningSandbox, version: ssl.TLSVersion) -> None:
    with pytest.raises(ssl.SSLError):
        handshake(clean.listeners["zendesk"].port, legacy_client(version))


@pytest.mark.parametrize(("version", "name"), [(ssl.TLSVersion.TLSv1, "TLSv1"), (ssl.TLSVersion.TLSv1_1, "TLSv1.1")])
def test_leaky_zendesk_accepts_legacy_protocols(
    leaky: sandbox.RunningSandbox, version: ssl.TLSVersion, name: str
) -> None:
    negotiated, _ = handshake(leaky.listeners["zendesk"].port, legacy_client(version))
    assert negotiated == name


def test_verified_client_gets_tls13_and_trusts_only_the_run_ca(clean: sandbox.RunningSandbox) -> None:
    negotiated, _ = handshake(clean.listeners["shopify"].port, trust(clean))
    assert negotiated == "TLSv1.3"
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(clean.listeners["shopify"].port, ssl.create_default_context())


def test_leaky_certificates_have_the_planted_weaknesses(leaky: sandbox.RunningSandbox) -> None:
    now = dt.datetime.now(dt.UTC)
    gorgias = peer_certificate(leaky, "gorgias")
    assert dt.timedelta(days=4) < gorgias.not_valid_after_utc - now <= dt.timedelta(days=5)
    exports = peer_certificate(leaky, "exports")
    key = exports.public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    assert key.key_size == 1024
    assert exports.signature_hash_algorithm is not None
    assert exports.signature_hash_algorithm.name == "sha1"
    # The SHA-1 signature is genuine: the CA's key verifies it.
    ca = x509.load_pem_x509_certificate(leaky.ca_path.read_bytes())
    ca_key = ca.public_key()
    assert isinstance(ca_key, ec.EllipticCurvePublicKey)
    ca_key.verify(exports.signature, exports.tbs_certificate_bytes, ec.ECDSA(hashes.SHA1()))  # noqa: S303


def test_clean_certificates_are_strong(clean: sandbox.RunningSandbox) -> None:
    for name in ("shopify", "zendesk", "gorgias", "exports"):
        certificate = peer_certificate(clean, name)
        key = certificate.public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey)
        assert key.key_size >= 256
        assert certificate.signature_hash_algorithm is not None
        assert certificate.signature_hash_algorithm.name == "sha256"
        assert certificate.not_valid_after_utc - dt.datetime.now(dt.UTC) > dt.timedelta(days=60)


def test_policy_overrides_give_an_expired_rsa2048_endpoint(fresh: StartSandbox) -> None:
    policy = sandbox.TLSPolicy(not_before_days=-400, not_after_days=-10, key_type="rsa", key_size=2048)
    running = fresh(scenario="clean", tls={"shopify": policy})
    certificate = peer_certificate(running, "shopify")
    assert certificate.not_valid_after_utc < dt.datetime.now(dt.UTC)
    with pytest.raises(ssl.SSLCertVerificationError, match="expired"):
        handshake(running.listeners["shopify"].port, trust(running))
    assert {v["kind"] for v in running.manifest["violations"] if v["resource"] == "endpoint/shopify"} == {
        "certificate_expired"
    }


def test_tls13_only_endpoint_refuses_tls12(fresh: StartSandbox) -> None:
    running = fresh(scenario="clean", tls={"gorgias": sandbox.TLSPolicy(min_version="TLSv1.3")})
    with pytest.raises(ssl.SSLError):
        handshake(running.listeners["gorgias"].port, legacy_client(ssl.TLSVersion.TLSv1_2))
