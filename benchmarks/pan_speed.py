"""PAN scanner throughput and accuracy, side by side with Presidio's CreditCardRecognizer.

    python3 benchmarks/pan_speed.py [--mib 50] [--gib 1.0] [--presidio-python PATH]

1. Accuracy on the labelled corpus (tests/pan_corpus.py, 1,604 cases): precision and recall per PAN
   for vendor-audit and for Presidio's pattern recognizer (given each case as text: records and
   chat messages serialized as JSON, which is all a text recognizer can see).
2. Throughput on the same --mib MiB NDJSON file of ticket events for both, in one run: vendor-audit's
   `scan_line` (what `vendor-audit scan` and the audit's export scan use) and Presidio's
   `CreditCardRecognizer.analyze` (pattern recognizer only, no NLP engine) over each line.
3. Peak memory while scanning a --gib GiB file: flat means the same as for the small file.

Presidio is never a dependency of vendor-audit: it lives in its own virtual environment, made on
first use under .bench-venv/presidio (`python3 -m venv ... && pip install presidio-analyzer`).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO

from tests.pan_corpus import build, pans_found, precision_recall
from vendor_audit.pan import luhn_valid, scan_ndjson

VENV = REPO / ".bench-venv" / "presidio"
PRESIDIO_SCRIPT = r"""
import json, sys, time
from presidio_analyzer.predefined_recognizers import CreditCardRecognizer
recognizer = CreditCardRecognizer()
mode, path = sys.argv[1], sys.argv[2]
def digits(text, result):
    return "".join(c for c in text[result.start:result.end] if c.isdigit())
if mode == "corpus":
    out = []
    for line in open(path, encoding="utf-8"):
        text = json.loads(line)
        results = recognizer.analyze(text=text, entities=["CREDIT_CARD"], nlp_artifacts=None)
        out.append(sorted({digits(text, r) for r in results}))
    print(json.dumps(out))
else:
    found = 0
    size = 0
    started = time.perf_counter()
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            size += len(line.encode())
            found += len(recognizer.analyze(text=line, entities=["CREDIT_CARD"], nlp_artifacts=None))
    took = time.perf_counter() - started
    print(json.dumps({"seconds": took, "bytes": size, "found": found}))
"""
# Ticket comments as they come: most carry no long number; some carry the numbers a naive scanner
# trips on (tracking, phones, masked cards, Zendesk's redaction mark, order and line-item ids).
COMMENTS = [
    "Hi, where is my order #{order}? It has been a week.",
    "Thanks, that helps! Have a nice day.",
    "Could you change the size to M before it ships?",
    "I want to return the linen shirt, it is too small.",
    "The discount code WELCOME10 did not apply at checkout.",
    "Ol\u00e1, a encomenda chegou danificada. Podem enviar outra?",
    "Merci ! Le colis est bien arriv\u00e9.",
    "Can I get an invoice for order #{order} with our VAT number?",
    "We have issued a refund of ${amount}.00; it takes 5-10 business days.",
    "I have updated the address. You will get a new confirmation email shortly.",
    "Please hold the parcel, I am away until Friday.",
    "The app shows an error when I try to log in.",
    "Is the wool scarf available in blue?",
    "Your replacement ships tomorrow from our Lisbon warehouse.",
    "Tracking 1Z999AA10123456784 has not moved since Monday.",
    "USPS shows 9400 1000 0000 0000 0000 00 as delivered. Call me on +49 151 12345678.",
    "You charged the card ending 4242 twice (411111******1111).",
    "I paid with 4111 11\u2587\u2587 \u2587\u2587\u2587\u2587 1111, ref 123-4567890-1234567.",
    "Line item 40123456789017 is the wrong size, can I swap it?",
    "Dispatch note 2026-03-14, parcel 3 of 4, weight 1.25 kg.",
]


def write_events(path: Path, mib: float, seed: int = 3) -> int:
    """Ticket-event NDJSON of about `mib` MiB; one line in 500 carries a real PAN. Returns the planted count.

    Comments are chosen uniformly from COMMENTS, so a quarter of them hold numbers a scanner must clear.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    planted = 0
    target = int(mib * 2**20)
    written = 0
    event = 0
    with path.open("w", encoding="utf-8") as out:
        while written < target:
            event += 1
            comment = rng.choice(COMMENTS).format(order=1000 + event % 9000, amount=rng.randrange(5, 400))
            if event % 500 == 0:
                pan = "4" + "".join(str(rng.randrange(10)) for _ in range(14))
                pan += next(str(d) for d in range(10) if luhn_valid(pan + str(d)))
                comment = f"my card is {pan[:4]} {pan[4:8]} {pan[8:12]} {pan[12:]} please retry"
                planted += 1
            record = {
                "id": 50_000_000 + event,
                "ticket_id": event // 2,
                "timestamp": 1_767_000_000 + event,
                "created_at": "2026-01-05T08:00:00Z",
                "updater_id": 1000 + event % 50,
                "via": "Web form",
                "event_type": "Audit",
                "child_events": [
                    {
                        "id": event * 10 + 1,
                        "event_type": "Comment",
                        "body": comment,
                        "public": True,
                        "author_id": 1000 + event % 50,
                    }
                ],
            }
            line = json.dumps(record) + "\n"
            out.write(line)
            written += len(line.encode())
    return planted


def ours_on_corpus() -> tuple[float, float]:
    cases = build()
    return precision_recall(cases, [pans_found(case) for case in cases])


def presidio(python: Path, mode: str, path: Path) -> str:
    result = subprocess.run(
        [str(python), "-c", PRESIDIO_SCRIPT, mode, str(path)], capture_output=True, text=True, check=True
    )
    return result.stdout


def presidio_on_corpus(python: Path, tmp: Path) -> tuple[float, float]:
    cases = build()
    texts = tmp / "corpus.ndjson"
    with texts.open("w", encoding="utf-8") as out:
        for case in cases:
            value = case.value if case.kind == "text" else json.dumps(case.value, ensure_ascii=False)
            out.write(json.dumps(value) + "\n")
    found = json.loads(presidio(python, "corpus", texts))
    return precision_recall(cases, [set(got) for got in found])


def ours_on_file(path: Path) -> tuple[float, int, float]:
    """(seconds, PANs found, this process's peak RSS in MiB so far), with the scanner `vendor-audit scan` uses."""
    started = time.perf_counter()
    with path.open("rb") as handle:
        found = sum(1 for _, _, match in scan_ndjson(handle) if match.kind == "pan")
    took = time.perf_counter() - started
    return took, found, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ensure_presidio(explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit)
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"making {VENV} with presidio-analyzer (once) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        install = subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "presidio-analyzer"], check=False)
        if install.returncode != 0:
            return None
    return python


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=float, default=50)
    parser.add_argument("--gib", type=float, default=1.0, help="size of the memory test file (0 skips it)")
    parser.add_argument("--presidio-python", help="python of an environment with presidio-analyzer")
    args = parser.parse_args()
    python = ensure_presidio(args.presidio_python)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        precision, recall = ours_on_corpus()
        print(f"corpus ({len(build())} cases), vendor-audit: precision {precision:.3f}, recall {recall:.3f}")
        if python:
            p_precision, p_recall = presidio_on_corpus(python, tmp)
            print(
                f"corpus ({len(build())} cases), Presidio CreditCardRecognizer: precision {p_precision:.3f}, "
                f"recall {p_recall:.3f}"
            )
        data = tmp / "events.ndjson"
        planted = write_events(data, args.mib)
        size = data.stat().st_size / 2**20
        runs = [ours_on_file(data) for _ in range(3)]  # best of three, as for Presidio below
        took, found, grown = min(runs)
        print(f"{size:.1f} MiB NDJSON, {planted} planted PANs")
        print(
            f"  vendor-audit scan_ndjson:         {size / took:7.1f} MiB/s ({took:5.1f} s), {found} PANs found, "
            f"peak RSS {grown:.1f} MiB"
        )
        if python:
            result = min((json.loads(presidio(python, "file", data)) for _ in range(3)), key=lambda r: r["seconds"])
            p_rate = result["bytes"] / 2**20 / result["seconds"]
            print(
                f"  Presidio CreditCardRecognizer:    {p_rate:7.1f} MiB/s ({result['seconds']:5.1f} s), "
                f"{result['found']} matches"
            )
            print(f"  ratio: {(size / took) / p_rate:.1f}x Presidio's throughput")
        if args.gib > 0:
            big = tmp / "big.ndjson"
            write_events(big, args.gib * 1024, seed=4)
            took, found, grown_big = ours_on_file(big)
            size = big.stat().st_size / 2**20
            print(
                f"{size / 1024:.2f} GiB NDJSON: {size / took:.1f} MiB/s, {found} PANs, peak RSS {grown_big:.1f} MiB "
                f"(after the {args.mib:.0f} MiB file: {grown:.1f} MiB; equal means flat)"
            )


if __name__ == "__main__":
    main()
