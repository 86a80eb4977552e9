"""The one redactor: secrets of any length and number vanish, in linear time, without recursion limits."""

from __future__ import annotations

import base64
import json
import random
import time

import pytest

from vendor_audit.redact import Redactor, mask_pans


def jwt_like(length: int, seed: int) -> str:
    """A JWT-shaped secret of exactly `length` characters (header.payload.signature, base64url)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible fake secrets
    header = base64.urlsafe_b64encode(b'{"alg":"RS256","typ":"JWT"}').decode().rstrip("=")
    rest = length - len(header) - 2
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    payload = "".join(rng.choice(alphabet) for _ in range(rest - 43))
    signature = "".join(rng.choice(alphabet) for _ in range(43))
    return f"{header}.{payload}.{signature}"


@pytest.mark.parametrize("length", [600, 4000, 4096])
def test_long_jwt_is_removed_verbatim_and_as_any_truncated_echo(length: int) -> None:
    secret = jwt_like(length, seed=length)
    assert len(secret) == length
    redact = Redactor([secret])  # a nested-group pattern hit RecursionError from ~500 characters
    texts = {
        "verbatim": f"Authorization: Bearer {secret}\n",
        "json": json.dumps({"token": secret, "note": "x"}),
        "url": f"https://acme.example/cb?access_token={secret}&state=1",
        "truncated echo": f'{{"token":"{secret[:10]}"}} and {secret[: length // 2]}... and {secret[:8]}',
        "adjacent": secret + secret,
        "embedded": f"xx{secret}yy",
    }
    for name, text in texts.items():
        out = redact(text)
        assert secret[:8] not in out, name
        assert "[REDACTED]" in out, name
    assert redact(f"xx{secret}yy") == "xx[REDACTED]yy"
    assert redact(secret + secret) == "[REDACTED][REDACTED]"


def test_existing_behaviour_prefixes_of_eight_or_more_and_pans() -> None:
    redact = Redactor(["shpat_0123456789abcdef", "short"])
    assert redact("token shpat_0123456789abcdef!") == "token [REDACTED]!"
    assert redact("echo shpat_01 then") == "echo [REDACTED] then"  # 8-character prefix: Zendesk-style echo
    assert redact("shpat_0 is seven") == "shpat_0 is seven"  # shorter prefixes are ordinary text
    assert redact("short stays: secrets under 8 characters are not tracked") == (
        "short stays: secrets under 8 characters are not tracked"
    )
    assert redact("card 4111 1111 1111 1111") == "card 411111******1111" == mask_pans("card 4111 1111 1111 1111")
    assert Redactor()("nothing 4111111111111111") == "nothing 411111******1111"


def test_the_longest_echo_wins_among_secrets_sharing_a_head() -> None:
    redact = Redactor(["abcdefgh12345", "abcdefghXYZ123"])
    assert redact("abcdefghXYZ1;abcdefgh1234;abcdefgh") == "[REDACTED];[REDACTED];[REDACTED]"
    assert redact("abcdefgh12345678") == "[REDACTED]678"


def test_special_characters_are_literal() -> None:
    secret = "a.b*c+d?e(f)[g]{h}|i\\j^k$l"  # noqa: S105 - regex metacharacters, not a secret
    out = Redactor([secret])(f"x {secret} y aXbXcXdXeXf")
    assert out == "x [REDACTED] y aXbXcXdXeXf"


def test_many_long_secrets_in_a_large_text_stay_fast() -> None:
    secrets = [jwt_like(4096, seed=i) for i in range(200)]  # every one shares the JWT header's head
    started = time.perf_counter()
    redact = Redactor(secrets)
    text = "".join(f"line {i}: {s} then {s[:300]}\n" for i, s in enumerate(secrets)) * 3 + "plain " * 100_000
    out = redact(text)
    took = time.perf_counter() - started
    assert not any(s[:8] in out for s in secrets)
    assert out.count("[REDACTED]") == 1200
    assert took < 5, took  # linear: well under a second here; the old pattern could not even compile


def test_adversarial_text_of_repeated_heads_stays_near_linear() -> None:
    secrets = [jwt_like(4096, seed=i) for i in range(50)]
    redact = Redactor(secrets)
    head = secrets[0][:20]  # the shared JWT header, over and over
    started = time.perf_counter()
    out = redact(head * 20_000)
    assert time.perf_counter() - started < 5
    assert out == "[REDACTED]" * 20_000
