"""Accuracy on the labelled corpus (tests/pan_corpus.py): precision and recall per PAN of at least 0.97."""

from __future__ import annotations

from collections import Counter

from tests.pan_corpus import build, pans_found, precision_recall
from vendor_audit.engine import Hit, scan_vendor
from vendor_audit.model import Payload, VendorSnapshot


def test_corpus_precision_and_recall() -> None:
    cases = build()
    assert len(cases) >= 1500
    assert sum(1 for c in cases if c.pans) >= 700
    found = [pans_found(case) for case in cases]
    precision, recall = precision_recall(cases, found)
    misses = Counter(case.name for case, got in zip(cases, found, strict=True) if got != case.pans)
    assert precision >= 0.97, misses
    assert recall >= 0.97, misses


def test_corpus_is_reproducible() -> None:
    assert build() == build()
    assert build(seed=1) != build()


def test_numbers_split_over_consecutive_chat_messages_are_joined() -> None:
    texts = ["hi", "my card is 4111 1111", "1111 1111 and that is all", "thanks", "unrelated 12"]
    payloads = [Payload("gorgias", f"tickets/9/messages/{90 + i}", "body_text", t) for i, t in enumerate(texts)]
    other = Payload("gorgias", "tickets/10/messages/100", "body_text", "1111 1111")
    snapshot = VendorSnapshot("gorgias", "gorgias", payload_source=lambda: iter([*payloads, other]))
    hits: list[Hit] = []
    count = scan_vendor(snapshot, hits)
    assert count == 6
    # The end of one message and the start of the next are joined; the report points at where the number begins.
    assert [(h.resource, h.match.masked) for h in hits if h.match.kind == "pan"] == [
        ("tickets/9/messages/91", "411111******1111")
    ]
    # Never across two tickets.
    split = ["my card is 4111 1111"]
    payloads = [Payload("gorgias", f"tickets/9/messages/{90 + i}", "body_text", t) for i, t in enumerate(split)]
    snapshot = VendorSnapshot("gorgias", "gorgias", payload_source=lambda: iter([*payloads, other]))
    hits = []
    scan_vendor(snapshot, hits)
    assert [h for h in hits if h.match.kind == "pan"] == []
