"""The profile loader turns every mistake into one clear error: file, key, expected, found."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from vendor_audit import sandbox
from vendor_audit.profile import ProfileError, load_profile, looks_like_secret

REPO = Path(__file__).resolve().parents[2]
MINIMAL = """\
version = 1
mode = "sandbox"

[vendors.shop]
type = "shopify"
base_url = "https://acme.myshopify.com"

[[vendors.shop.credentials]]
name = "app"
auth = "access_token"
secret_env = "ACME_SHOPIFY_TOKEN"
allowed_scopes = ["read_orders"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "audit.toml"
    path.write_text(text)
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ProfileError) as caught:
        load_profile(write(tmp_path, text))
    return str(caught.value)


def test_minimal_profile_loads(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, MINIMAL))
    assert profile.mode == "sandbox"
    (vendor,) = profile.vendors
    assert vendor.type == "shopify"
    assert vendor.credentials[0].allowed_scopes == frozenset({"read_orders"})
    assert profile.mfa_required_roles == frozenset({"admin", "agent"})


def test_repository_example_loads() -> None:
    profile = load_profile(REPO / "audit.toml")
    assert profile.read_only
    assert profile.waivers[0].expires == dt.date(2027, 1, 31)
    assert {v.type for v in profile.vendors} == {"shopify", "zendesk"}


def test_sandbox_profile_loads_and_resolves_secrets_from_env_file(leaky: sandbox.RunningSandbox) -> None:
    profile = load_profile(leaky.profile_path)
    assert {v.name: v.base_url for v in profile.vendors} == {n: leaky.url(n) for n in leaky.vendors}
    assert profile.ca_file == leaky.ca_path
    for vendor in profile.vendors:
        credential = vendor.credentials[0]
        assert profile.secret(credential, environ={}) == leaky.secrets[credential.secret_env]
    # The environment wins over the env file.
    credential = profile.vendors[0].credentials[0]
    assert profile.secret(credential, environ={credential.secret_env: "from-env"}) == "from-env"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"nope\.toml: no such profile"):
        load_profile(tmp_path / "nope.toml")


def test_bad_toml_names_line(tmp_path: Path) -> None:
    assert "not valid TOML" in error_of(tmp_path, "version = 1\n[vendors\n")
    assert "line 2" in error_of(tmp_path, "version = 1\n[vendors\n")


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    message = error_of(tmp_path, MINIMAL.replace("base_url", "base_ur"))
    assert "audit.toml: vendors.shop: unknown key 'base_ur' (did you mean 'base_url'?)" in message
    assert "vendors.shop: missing key 'base_url'" in message


def test_plain_http_is_refused(tmp_path: Path) -> None:
    message = error_of(tmp_path, MINIMAL.replace("https://acme", "http://acme"))
    assert "vendors.shop.base_url: expected an https:// URL; plain http:// is refused in every mode" in message
    assert "found 'http://acme.myshopify.com'" in message


def test_wrong_enum_lists_the_choices(tmp_path: Path) -> None:
    message = error_of(tmp_path, MINIMAL.replace('mode = "sandbox"', 'mode = "staging"'))
    assert "mode: expected one of 'sandbox', 'production'; found 'staging'" in message


def test_wrong_type(tmp_path: Path) -> None:
    message = error_of(tmp_path, MINIMAL.replace('allowed_scopes = ["read_orders"]', 'allowed_scopes = "read_orders"'))
    assert "vendors.shop.credentials[0].allowed_scopes: expected array; found a string 'read_orders'" in message


@pytest.mark.parametrize(
    "line",
    [
        'token = "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"',
        'password = "hunter2hunter2"',
    ],
)
def test_literal_secrets_are_refused_without_echo(tmp_path: Path, line: str) -> None:
    text = MINIMAL.replace('auth = "access_token"', f'auth = "access_token"\n{line}')
    message = error_of(tmp_path, text)
    assert "a profile never holds secrets" in message
    assert line.split('"')[1] not in message


def test_secret_pasted_into_secret_env_is_refused_without_echo(tmp_path: Path) -> None:
    token = "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"  # noqa: S105 - a fake token the loader must refuse
    message = error_of(tmp_path, MINIMAL.replace("ACME_SHOPIFY_TOKEN", token))
    assert "vendors.shop.credentials[0].secret_env: this value looks like a literal secret" in message
    assert token not in message


def test_auth_must_fit_the_vendor(tmp_path: Path) -> None:
    message = error_of(tmp_path, MINIMAL.replace('auth = "access_token"', 'auth = "api_key"'))
    assert "vendors.shop.credentials[0].auth: shopify credentials use 'access_token'; found 'api_key'" in message


def test_waiver_expiry_must_be_a_date(tmp_path: Path) -> None:
    waiver = '\n[[waivers]]\ncheck = "x"\nresource = "*"\nreason = "r"\nowner = "o"\nexpires = "next year"\n'
    message = error_of(tmp_path, MINIMAL + waiver)
    assert "waivers[0].expires: expected a TOML date: expires = 2027-01-31; found 'next year'" in message


def test_missing_ca_file_is_named(tmp_path: Path) -> None:
    message = error_of(tmp_path, MINIMAL.replace('mode = "sandbox"', 'mode = "sandbox"\nca_file = "corp.pem"'))
    assert f"ca_file: file {tmp_path / 'corp.pem'} does not exist" in message


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "no certificate or crl found"),
        (b"not a certificate at all\n", "no certificate or crl found"),
        (b"-----BEGIN CERTIFICATE-----\nbm90IERFUg==\n-----END CERTIFICATE-----\n", "malformed PEM"),
        (b"0\x82\x03\x1e0\x82\x02\x06\xa0\x03\x02\x01\x02" * 8, "no certificate or crl found"),  # DER bytes
    ],
    ids=["empty", "text", "broken-pem", "der"],
)
def test_ca_file_that_is_not_pem_is_refused_with_what_to_write(tmp_path: Path, content: bytes, reason: str) -> None:
    (tmp_path / "corp.pem").write_bytes(content)
    message = error_of(tmp_path, MINIMAL.replace('mode = "sandbox"', 'mode = "sandbox"\nca_file = "corp.pem"'))
    assert f"ca_file: {tmp_path / 'corp.pem'} is not a PEM certificate bundle ({reason})" in message
    assert "-----BEGIN CERTIFICATE-----" in message  # says what to write instead
    assert "openssl x509 -inform der" in message


def test_ca_file_of_real_pem_certificates_loads(leaky: sandbox.RunningSandbox, tmp_path: Path) -> None:
    (tmp_path / "corp.pem").write_bytes(leaky.ca_path.read_bytes())
    profile = load_profile(
        write(tmp_path, MINIMAL.replace('mode = "sandbox"', 'mode = "sandbox"\nca_file = "corp.pem"'))
    )
    assert profile.ca_file == tmp_path / "corp.pem"


@pytest.mark.parametrize(
    ("url", "found"),
    [
        ("https://acme.myshopify.com:99999", "'99999'"),
        ("https://acme.myshopify.com:0", "'0'"),
        ("https://acme.myshopify.com:https", "'https'"),
        ("https://acme.myshopify.com:/admin", "''"),
        ("https://acme.myshopify.com:-1", "'-1'"),
    ],
)
def test_base_url_port_out_of_range_or_not_a_number_is_refused(tmp_path: Path, url: str, found: str) -> None:
    message = error_of(tmp_path, MINIMAL.replace("https://acme.myshopify.com", url))
    assert (
        "vendors.shop.base_url: expected a port from 1 to 65535 after the host (https://host:8443, or no port for "
        f"443); found {found}"
    ) in message
    assert len(message.splitlines()) == 1


@pytest.mark.parametrize(
    "url",
    ["https://acme.myshopify.com:443", "https://acme.myshopify.com:8443/x", "https://[::1]", "https://[::1]:8443"],
)
def test_base_url_with_a_valid_port_or_none_loads(tmp_path: Path, url: str) -> None:
    profile = load_profile(write(tmp_path, MINIMAL.replace("https://acme.myshopify.com", url)))
    assert profile.vendors[0].base_url == url.rstrip("/")


def test_tls_endpoint_port_is_checked_too(tmp_path: Path) -> None:
    message = error_of(tmp_path, MINIMAL + '\n[tls]\nendpoints = ["https://exports.brand.example:70000"]\n')
    assert "tls.endpoints[0]: expected a port from 1 to 65535" in message


def test_missing_env_var_says_which_and_how(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, MINIMAL))
    with pytest.raises(ProfileError) as caught:
        profile.secret(profile.vendors[0].credentials[0], environ={})
    assert "vendors.shop.credentials[0].secret_env: environment variable ACME_SHOPIFY_TOKEN is not set" in str(
        caught.value
    )
    assert "export ACME_SHOPIFY_TOKEN=" in str(caught.value)


def test_every_problem_is_reported_once(tmp_path: Path) -> None:
    text = MINIMAL.replace("version = 1", "version = 2").replace('mode = "sandbox"', 'mode = "x"')
    with pytest.raises(ProfileError) as caught:
        load_profile(write(tmp_path, text))
    assert len(caught.value.problems) == 2


@pytest.mark.parametrize(
    ("value", "secret"),
    [
        ("VA_SHOPIFY_TOKEN", False),
        ("https://acme.myshopify.com/admin", False),
        ("exports/zendesk_ticket_events.ndjson", False),
        ("integration@brand.example", False),
        ("shpat_0123456789abcdef0123456789abcdef", True),
        ("f3a9c1e7b2d84a6f9e0c5b1d7a3e8f2c4b6d9a1e", True),
        ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc", True),
    ],
)
def test_secret_detector(value: str, secret: bool) -> None:
    assert looks_like_secret(value) is secret
