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


# -- issue 12: secrets in URLs, files that are not files, a bad IdP export, waiver globs -----------------------

TOKEN = "a9F3kQ7zR2mX8vB4nT6wY1pL5sD0hJ3c"  # noqa: S105 - a fake credential the loader must refuse to hold


@pytest.mark.parametrize(
    ("url", "holds"),
    [
        (f"https://bpo:{TOKEN}@acme.myshopify.com", "credentials before the host"),
        (f"https://{TOKEN}@acme.myshopify.com/admin", "credentials before the host"),
        (f"https://acme.myshopify.com/admin?token={TOKEN}", "a query string"),
        (f"https://acme.myshopify.com/admin?access_token={TOKEN}&x=1", "a query string"),
        (f"https://acme.myshopify.com/#access_token={TOKEN}", "a fragment"),
    ],
)
def test_a_secret_in_base_url_is_refused_in_one_line_without_echo(tmp_path: Path, url: str, holds: str) -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile(write(tmp_path, MINIMAL.replace("https://acme.myshopify.com", url)))
    (problem,) = caught.value.problems
    assert problem.startswith(f"{tmp_path / 'audit.toml'}: vendors.shop.base_url: a URL here never carries a secret")
    assert holds in problem
    assert "environment variable named by the credential's secret_env" in problem
    assert "\n" not in problem
    assert TOKEN not in str(caught.value)
    assert TOKEN[:8] not in str(caught.value)


def test_a_secret_in_a_tls_endpoint_is_refused_too(tmp_path: Path) -> None:
    text = MINIMAL + f'\n[tls]\nendpoints = ["https://u:{TOKEN}@help.brand.example"]\n'
    message = error_of(tmp_path, text)
    assert "tls.endpoints[0]: a URL here never carries a secret" in message
    assert TOKEN not in message


def test_check_profile_refuses_a_secret_in_base_url_with_exit_2(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = write(tmp_path, MINIMAL.replace("https://acme.myshopify.com", f"https://acme.myshopify.com?token={TOKEN}"))
    result = subprocess.run(
        [sys.executable, "-m", "vendor_audit.cli", "check-profile", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin", "ACME_SHOPIFY_TOKEN": "x" * 20},
    )
    assert result.returncode == 2
    assert "vendors.shop.base_url" in result.stderr
    assert TOKEN not in result.stdout + result.stderr


@pytest.mark.parametrize("key", ["ca_file", "env_file"])
def test_a_directory_is_said_to_be_one_not_missing(tmp_path: Path, key: str) -> None:
    message = error_of(tmp_path, MINIMAL.replace('mode = "sandbox"', f'mode = "sandbox"\n{key} = "."'))
    assert f"{key}: {tmp_path} is a directory, not a file; name the file in it" in message
    assert "does not exist" not in message


def test_a_missing_ca_file_still_says_so(tmp_path: Path) -> None:
    message = error_of(tmp_path, MINIMAL.replace('mode = "sandbox"', 'mode = "sandbox"\nca_file = "nope.pem"'))
    assert f"ca_file: file {tmp_path / 'nope.pem'} does not exist" in message


def with_idp(name: str) -> str:
    return MINIMAL + f'\n[mfa]\nrequired_roles = ["admin"]\nidp_export = "{name}"\n'


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("okta.json", "{not json", "is not valid JSON (line 1 column 2"),
        ("okta.json", '"a string"', "holds no list of user objects"),
        ("okta.json", '[{"email": "a@b.example"}, 3]', "holds no list of user objects"),
        ("okta.json", "[" * 100_000, "nests too deeply"),
        ("okta.csv", "user,factor\na@b.example,totp\n", "has no email (or login) column"),
        ("okta.csv", "email,enrolled\na@b.example,yes\n", "has no mfa (or factors) column"),
        ("okta.csv", b"email,mfa\n\xff\xfe,true\n", "is not UTF-8 text"),
        ("okta.csv", None, "does not exist"),
        ("okta", "dir", "is a directory, not a file"),
    ],
)
def test_a_bad_idp_export_names_the_file(tmp_path: Path, name: str, content: str | bytes | None, said: str) -> None:
    target = tmp_path / name
    if content == "dir":
        target.mkdir()
    elif isinstance(content, bytes):
        target.write_bytes(content)
    elif content is not None:
        target.write_text(content)
    with pytest.raises(ProfileError) as caught:
        load_profile(write(tmp_path, with_idp(name)))
    (problem,) = caught.value.problems
    assert f"mfa.idp_export: {'file ' if content is None else ''}{target}" in problem
    assert said in problem
    assert "\n" not in problem


def test_a_good_idp_export_loads(tmp_path: Path) -> None:
    (tmp_path / "okta.csv").write_text("email,mfa\na@b.example,true\n")
    (tmp_path / "okta.json").write_text('{"users": [{"login": "a@b.example", "factors": ["totp"]}]}')
    for name in ("okta.csv", "okta.json"):
        assert load_profile(write(tmp_path, with_idp(name))).idp_export == tmp_path / name


def waiver(resource: str) -> str:
    return (
        f'\n[[waivers]]\ncheck = "mfa_enabled_for_vendor_staff"\nresource = "{resource}"\n'
        'reason = "break-glass accounts, reviewed monthly"\nowner = "secops@brand.example"\nexpires = 2027-01-31\n'
    )


@pytest.mark.parametrize(
    "resource", ["zendesk/users/98000*", "zendesk/users/*", "shopify/orders/5612000000138", "gorgias/tickets/[0-9]*"]
)
def test_a_waiver_resource_glob_is_not_a_secret(tmp_path: Path, resource: str) -> None:
    assert load_profile(write(tmp_path, MINIMAL + waiver(resource))).waivers[0].resource == resource


def test_a_token_in_a_waiver_resource_is_still_refused(tmp_path: Path) -> None:
    message = error_of(tmp_path, MINIMAL + waiver(f"shop/{TOKEN}*"))
    assert "waivers[0].resource: this value looks like a literal secret" in message
    assert TOKEN not in message


@pytest.mark.parametrize(
    ("value", "secret"),
    [
        ("zendesk/users/98000*", False),
        ("tickets/*/comments/*", False),
        ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", True),  # base64 with "/" is still a token
        ("a9f8e7d6c5b4a3928170ff5e4d3c2b1a0*", True),
    ],
)
def test_secret_detector_on_paths_and_globs(value: str, secret: bool) -> None:
    assert looks_like_secret(value) is secret
