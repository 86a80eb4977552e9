"""PAN scanner throughput and accuracy, side by side with Presidio's CreditCardRecognizer.

    python3 benchmarks/pan_speed.py [--mib 50] [--gib 1.0] [--presidio-python PATH] [--quick] [--throughput-only]

1. Accuracy on the catalogue corpus (tests/pan_corpus.py, written from cards.md, 1,604 cases):
   precision and recall per PAN for vendor-audit and for Presidio's pattern recognizer (given each
   case as text: records and chat messages serialized as JSON, which is all a text recognizer can see).
2. Accuracy on the independent corpus (tests/pan_independent, its "test" split), if it exists: each
   case's bytes as a file for `vendor-audit scan`'s own dispatch (scanfiles.scan_path), and decoded
   as text for Presidio; then vendor-audit's misses by kind.
3. Throughput on two --mib MiB NDJSON files for both, best of three each, in one run: "sparse"
   (ticket events, most comments without a long number: `write_events` below) and "dense" (exports
   shaped like Shopify orders, Zendesk ticket events and tickets, chat transcripts, every line full of
   13-digit ids: benchmarks/pan_dense.py). vendor-audit's `scan_ndjson` (what `vendor-audit scan` and
   the audit's export scan use) and Presidio's `CreditCardRecognizer.analyze` (pattern recognizer only,
   no NLP engine) over each line. vendor-audit twice: in one process (`jobs=1`) and as `vendor-audit
   scan` runs by default, with one worker process per CPU past the first MiB (forked, reading their chunks from
   the file themselves); Presidio in one process.
   Found PANs are distinct (line, digits) pairs, split into planted ones and others.
4. Peak RSS of vendor-audit scanning the --mib MiB and the --gib GiB dense files, each in a child
   process of its own, in one process and with workers (their peaks added): flat means the two are equal.

--quick: 5 MiB files and no GiB file, for a smoke run.

Presidio is never a dependency of vendor-audit: it lives in its own virtual environment, made on
first use under .bench-venv/presidio (`python3 -m venv ... && pip install presidio-analyzer`).
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _common import REPO
from pan_dense import write_dense_labelled

from tests.pan_corpus import build, pans_found, precision_recall
from vendor_audit.pan import luhn_valid, scan_ndjson
from vendor_audit.pan.screen import default_jobs

VENV = REPO / ".bench-venv" / "presidio"
PRESIDIO_SCRIPT = r"""
import json, os, sys, time
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
    best = None
    for _ in range(int(sys.argv[3])):
        found = set()
        started = time.perf_counter()
        with open(path, encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                for r in recognizer.analyze(text=line, entities=["CREDIT_CARD"], nlp_artifacts=None):
                    found.add((number, digits(line, r)))
        took = time.perf_counter() - started
        best = took if best is None else min(best, took)
    print(json.dumps({"seconds": best, "bytes": os.path.getsize(path), "found": sorted(found)}))
"""
# Peak RSS of one scan, in a process of its own. VmHWM is the high-water mark of this process's own memory
# (exec starts it afresh); ru_maxrss, the fallback off Linux, also carries the forking parent's RSS. Its worker
# processes' peaks are read from /proc while they run (they are its children; the resource tracker too).
RSS_SCRIPT = r"""
import json, os, resource, sys, threading, time
def high_water(pid="self"):
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss if pid == "self" else 0
workers = {}  # pid -> the largest VmHWM seen: a worker's own peak, read while it runs
def watch():
    me = str(os.getpid())
    while True:
        for pid in os.listdir("/proc") if os.path.isdir("/proc") else []:
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    if stat.read().rsplit(")", 1)[1].split()[1] == me:
                        workers[pid] = max(workers.get(pid, 0), high_water(pid))
            except (OSError, IndexError):
                pass
        time.sleep(0.2)  # peaks last: a worker holds its chunk for a tenth of a second or more
from vendor_audit.pan import scan_ndjson
if __name__ == "__main__":
    threading.Thread(target=watch, daemon=True).start()
    imported = high_water()
    started = time.perf_counter()
    with open(sys.argv[1], "rb") as handle:
        found = {(line, match.digits) for line, _, match in scan_ndjson(handle, jobs=int(sys.argv[2]))}
    took = time.perf_counter() - started
    print(json.dumps({"seconds": took, "found": len(found), "imported_kib": imported, "peak_kib": high_water(),
                      "workers_kib": sorted(workers.values())}))
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
Found = set[tuple[int, str]]  # (line number from 1, PAN digits)


def write_events(path: Path, mib: float, seed: int = 3, labels: Found | None = None) -> int:
    """Ticket-event NDJSON of about `mib` MiB; one line in 500 carries a real PAN. Returns the planted count.

    Comments are chosen uniformly from COMMENTS, so a quarter of them hold numbers a scanner must clear.
    The (line, digits) of each planted PAN are added to `labels` if given.
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
                if labels is not None:
                    labels.add((event, pan))
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


def presidio(python: Path, *args: str) -> str:
    result = subprocess.run([str(python), "-c", PRESIDIO_SCRIPT, *args], capture_output=True, text=True, check=True)
    return result.stdout


def presidio_on_texts(python: Path, tmp: Path, texts: list[str]) -> list[set[str]]:
    """The PAN digits Presidio finds in each text."""
    path = tmp / "texts.ndjson"
    with path.open("w", encoding="utf-8") as out:
        for text in texts:
            out.write(json.dumps(text) + "\n")
    return [set(got) for got in json.loads(presidio(python, "corpus", str(path)))]


def presidio_on_corpus(python: Path, tmp: Path) -> tuple[float, float]:
    cases = build()
    texts = [case.value if case.kind == "text" else json.dumps(case.value, ensure_ascii=False) for case in cases]
    return precision_recall(cases, presidio_on_texts(python, tmp, texts))


# --- the independent corpus (tests/pan_independent), if there is one -------------------------------------------


def _digits_per_file(path: Path) -> Iterator[tuple[str, str]]:
    """(kind, clear digits) of every finding `vendor-audit scan` reports for `path`, by its own reader."""
    from vendor_audit.scanfiles import format_of, scan_file

    for _, match in scan_file(path, format_of(path)):
        yield match.kind, match.digits


def _as_text(data: bytes) -> str:
    """A case's bytes as a text recognizer gets them: UTF-16 by its BOM, else UTF-8 with replacement."""
    if data[:2] in {b"\xff\xfe", b"\xfe\xff"}:
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")


def independent_accuracy(python: Path | None, tmp: Path) -> None:
    from tests.pan_independent import load
    from tests.pan_independent import precision_recall as independent_pr
    from vendor_audit.boundedio import InputError

    cases = load("test")  # the split no weight was chosen on (benchmarks/pan_weights.py uses "tune")
    folder = tmp / "independent"
    folder.mkdir()
    ours: list[set[str]] = []
    errors = 0
    for case in cases:
        path = folder / (str(case.id).replace("/", "_") + case.suffix)
        path.write_bytes(case.data)
        try:
            ours.append({digits for kind, digits in _digits_per_file(path) if kind in {"pan", "track_data"}})
        except (InputError, OSError):  # over a limit, too deep, an empty pipe: a case with no finding
            errors += 1
            ours.append(set())
        path.unlink()

    def report(who: str, found: list[set[str]]) -> None:
        precision, recall = independent_pr(cases, found)
        print(
            f"independent corpus, test split ({len(cases)} cases), {who}: precision {precision:.3f}, "
            f"recall {recall:.3f}"
        )

    report("vendor-audit", ours)
    if errors:
        print(f"  ({errors} cases refused by scan_path: counted as finding nothing)")
    if python:
        report("Presidio CreditCardRecognizer", presidio_on_texts(python, tmp, [_as_text(case.data) for case in cases]))
    by_kind: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0])
    for case, got in zip(cases, ours, strict=True):
        counts = by_kind[case.kind]
        counts[0] += len(got & case.pans)
        counts[1] += len(got - case.pans)
        counts[2] += len(case.pans - got)
    missed = sorted((str(kind), tp, fp, fn) for kind, (tp, fp, fn) in by_kind.items() if fp or fn)
    print(f"  vendor-audit misses by kind ({len(missed)} of {len(by_kind)} kinds):" if missed else "  no misses")
    if missed:
        width = max(len(row[0]) for row in missed)
        print(f"    {'kind':<{width}}  {'tp':>5} {'fp':>5} {'fn':>5}")
        for kind, tp, fp, fn in missed:
            print(f"    {kind:<{width}}  {tp:5d} {fp:5d} {fn:5d}")


# --- throughput and memory ---------------------------------------------------------------------------------------


def ours_on_file(path: Path, jobs: int) -> tuple[float, Found]:
    """(seconds, distinct (line, digits) PANs found), with the scanner `vendor-audit scan` uses."""
    started = time.perf_counter()
    with path.open("rb") as handle:
        found = {(line, match.digits) for line, _, match in scan_ndjson(handle, jobs=jobs) if match.kind == "pan"}
    return time.perf_counter() - started, found


def _found(found: Found, planted: Found) -> str:
    return f"{len(found):5d} PANs found ({len(found & planted)}/{len(planted)} planted, {len(found - planted)} others)"


def throughput(label: str, path: Path, planted: Found, python: Path | None) -> None:
    """Best of three of vendor-audit in one process and with its default workers, and of Presidio (one process)."""
    size = path.stat().st_size / 2**20
    print(f"{label}: {size:.1f} MiB NDJSON, {len(planted)} planted PANs")
    rates = {}
    for jobs, name in ((1, "one process"), (default_jobs(), f"{default_jobs()} workers")):
        took, found = min((ours_on_file(path, jobs) for _ in range(3)), key=lambda run: run[0])
        rates[name] = size / took
        label = f"vendor-audit scan_ndjson, {name}:"
        print(f"  {label:37s}{size / took:7.1f} MiB/s ({took:6.1f} s), {_found(found, planted)}")
    if python:
        result = json.loads(presidio(python, "file", str(path), "3"))
        p_rate = result["bytes"] / 2**20 / result["seconds"]
        p_found = {(line, digits) for line, digits in result["found"]}
        print(
            f"  {'Presidio CreditCardRecognizer:':37s}{p_rate:7.1f} MiB/s ({result['seconds']:6.1f} s), "
            f"{_found(p_found, planted)}"
        )
        print(
            "  ratio vendor-audit/Presidio: "
            + ", ".join(f"{rate / p_rate:.2f}x ({name})" for name, rate in rates.items())
        )


def peak_rss(path: Path, jobs: int) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", RSS_SCRIPT, str(path), str(jobs)], cwd=REPO, capture_output=True, text=True, check=True
    )
    out: dict[str, Any] = json.loads(result.stdout)
    return out


def print_rss(label: str, path: Path) -> list[float]:
    """Peak RSS of a scan of `path` in one process and with its default workers; the peaks in MiB."""
    size = path.stat().st_size / 2**20
    peaks = []
    for jobs in (1, default_jobs()):
        run = peak_rss(path, jobs)
        own = run["peak_kib"] / 1024
        workers = [kib / 1024 for kib in run["workers_kib"]]
        peaks.append(own + sum(workers))
        shown = f" + {len(workers)} child processes {' + '.join(f'{w:.1f}' for w in workers)}" if workers else ""
        print(
            f"peak RSS, vendor-audit on {label} ({size:.0f} MiB), jobs={jobs}: {own:.1f} MiB{shown} "
            f"= {peaks[-1]:.1f} MiB ({run['imported_kib'] / 1024:.1f} MiB after import; {size / run['seconds']:.1f} "
            f"MiB/s, {run['found']} found)"
        )
    return peaks


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
    parser.add_argument("--quick", action="store_true", help="5 MiB files and no GiB file: a smoke run")
    parser.add_argument("--throughput-only", action="store_true", help="skip the accuracy runs")
    args = parser.parse_args()
    if args.quick:
        args.mib, args.gib = 5, 0
    python = ensure_presidio(args.presidio_python)
    print(time.strftime("run at %Y-%m-%d %H:%M:%S %Z"), flush=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        if not args.throughput_only:
            cases = len(build())
            precision, recall = ours_on_corpus()
            print(
                f"catalogue corpus (written from cards.md, {cases} cases), vendor-audit: "
                f"precision {precision:.3f}, recall {recall:.3f}"
            )
            if python:
                p_precision, p_recall = presidio_on_corpus(python, tmp)
                print(
                    f"catalogue corpus (written from cards.md, {cases} cases), Presidio CreditCardRecognizer: "
                    f"precision {p_precision:.3f}, recall {p_recall:.3f}"
                )
            independent_accuracy(python, tmp)

        sparse = tmp / "events.ndjson"
        sparse_planted: Found = set()
        write_events(sparse, args.mib, labels=sparse_planted)
        throughput("sparse (ticket events)", sparse, sparse_planted, python)
        sparse.unlink()
        dense = tmp / "dense.ndjson"
        started = time.perf_counter()
        dense_planted = write_dense_labelled(dense, args.mib)
        made = time.perf_counter() - started
        throughput(f"dense (Shopify/Zendesk/chat exports, written in {made:.1f} s)", dense, dense_planted, python)

        small = print_rss("the dense file", dense)
        dense.unlink()
        if args.gib > 0:
            big = tmp / "big.ndjson"
            started = time.perf_counter()
            write_dense_labelled(big, args.gib * 1024, seed=8)
            print(f"(the {args.gib:g} GiB dense file written in {time.perf_counter() - started:.0f} s)")
            large = print_rss("the GiB dense file", big)
            print(
                f"memory flat: peak RSS on the GiB file / on the {args.mib:g} MiB file: "
                + ", ".join(f"{big_peak / small_peak:.2f}" for big_peak, small_peak in zip(large, small, strict=True))
                + " (jobs=1, workers)"
            )


if __name__ == "__main__":
    main()
