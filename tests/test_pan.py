"""The PAN scanner on the disguises and hard negatives of reference/cards.md sections 6 and 7."""

from __future__ import annotations

import pytest

from vendor_audit.pan import brand_of, luhn_valid, scan_record, scan_text

FOUND = [
    ("4111111111111111", "visa"),
    ("4111-1111-1111-1111", "visa"),
    ("4111.1111.1111.1111", "visa"),
    ("4111/1111/1111/1111", "visa"),
    ("4111  1111 - 1111-1111", "visa"),
    ("4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", "visa"),
    ("411 11111 1111 1111", "visa"),
    ("4111 1111\n1111 1111", "visa"),
    ("4111\u00a01111\u00a01111\u00a01111", "visa"),
    ("4111\u200b1111\u200b1111\u200b1111", "visa"),
    ("\uff14\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11 \uff11\uff11\uff11\uff11", "visa"),
    ("\u0664\u0661\u0661\u0661 \u0661\u0661\u0661\u0661 \u0661\u0661\u0661\u0661 \u0661\u0661\u0661\u0661", "visa"),
    ("cc4111111111111111", "visa"),
    ("4111 1111 1111 1111 08 27 123", "visa"),
    ("6205500000000000004", "unionpay"),
    ("2223 0031 2200 3222", "mastercard"),
    ("4222 2222 22222", "visa"),
    ("3782 822463 10005", "amex"),
    ("> 4111 1111 1111 1111", "visa"),
    ("https://pay.example/retry?card=4111111111111111", "visa"),
]
QUIET = [
    "411111******1111",
    "\u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u2022 4242",
    "4111 11\u2587\u2587 \u2587\u2587\u2587\u2587 1111",
    "123-4567890-1234567",
    "41111111111114",
    "9111 1111 1111 1116",
    "1717171717171715",
    "0.4532015112830366",
    "4006381333931",
    "9400 1000 0000 0000 0000 00",
    "+49 151 12345678",
    "DE89 3704 0044 0532 0130 00",
    "123e4567-e89b-12d3-a456-426614174000",
    "1Z999AA10123456784",
    "4111 1111 1111 1112",  # Luhn-invalid
]


@pytest.mark.parametrize(("text", "brand"), FOUND)
def test_finds(text: str, brand: str) -> None:
    matches = [m for m in scan_text(text) if m.kind == "pan"]
    assert [m.brand for m in matches] == [brand], text


@pytest.mark.parametrize("text", QUIET)
def test_stays_quiet(text: str) -> None:
    assert [m for m in scan_text(text) if m.kind == "pan"] == []


def test_track_data_and_cvv() -> None:
    kinds = [m.kind for m in scan_text("%B4111111111111111^DOE/JOHN^2708101000000 and ;4111111111111111=27081010?")]
    assert kinds == ["track_data", "track_data"]
    assert [m.kind for m in scan_text("CVV: 123")] == ["cvv"]
    assert [m.kind for m in scan_text("security code 4321")] == ["cvv"]


def test_masks_to_first_six_and_last_four() -> None:
    (match,) = scan_text("4111 1111 1111 1111")
    assert match.masked == "411111******1111"
    assert "4111111111111111" not in repr(match.as_json())


def test_records_skip_id_fields_and_read_numbers() -> None:
    record = {
        "id": 4111111111111111,
        "order_id": "4111111111111111",
        "note": 4111111111111111,
        "nested": [{"value": "4111 1111 1111 1111"}],
    }
    pointers = [p for p, _ in scan_record(record)]
    assert pointers == ["/note", "/nested/0/value"]


def test_brand_table_and_luhn() -> None:
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")
    assert brand_of("2200123412341234") == "mir"
    assert brand_of("4111111111111") == "visa"
    assert brand_of("41111111111111") is None


def test_chunked_screen_never_drops_a_line_the_full_scanner_flags() -> None:
    import io
    import json

    from tests.pan_corpus import build
    from vendor_audit.pan import scan_json_line, scan_ndjson

    lines: list[bytes] = []
    for case in build()[::3]:
        value = case.value if case.kind != "messages" else {"messages": case.value}
        lines.append(json.dumps({"id": len(lines), "body": value}).encode() + b"\n")
    lines.append(b'{"truncated": "4111 1111 1111 1111\n')
    data = b"".join(lines)
    # The full scanner on every line, no screen: what the chunked scan must reproduce exactly.
    expected = [(n, p, m.digits) for n, line in enumerate(lines, start=1) for p, m in scan_json_line(line)]
    assert len(expected) > 250
    for chunk_size in (97, 4096, 1 << 22):  # lines cut across chunk borders
        got = [(n, p, m.digits) for n, p, m in scan_ndjson(io.BytesIO(data), chunk_size=chunk_size)]
        assert got == expected
