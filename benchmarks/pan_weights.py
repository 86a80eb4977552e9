"""What each piece of the PAN scanner's evidence is worth, measured on the independent corpus's tuning split.

    python3 benchmarks/pan_weights.py [--split tune] [--try NAME=VALUE ...]

For every weight in vendor_audit.pan.evidence.WEIGHTS, the corpus is scanned again with that weight at 0
(the evidence left out): the drop in precision or recall is what the weight buys. --try scans once more with
other values, to compare a change before making it. Only the tuning split is used to choose weights; the test
split is reported by benchmarks/pan_speed.py and never tuned on.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from _common import REPO

sys.path.insert(0, str(REPO))

from tests.pan_independent import Case, load, precision_recall
from vendor_audit.pan import evidence
from vendor_audit.pan.evidence import WEIGHTS
from vendor_audit.scanfiles import format_of, scan_file


def scan_all(cases: list[Case], tmp: Path) -> list[set[str]]:
    found = []
    for case in cases:
        path = tmp / f"{case.id}{case.suffix}"
        if not path.exists():
            path.write_bytes(case.data)
        found.append({m.digits for _, m in scan_file(path, format_of(path)) if m.kind in ("pan", "track_data")})
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="tune", choices=["tune", "test"])
    parser.add_argument("--try", dest="tries", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args()
    cases = load(args.split)
    baseline = dict(WEIGHTS)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        precision, recall = precision_recall(cases, scan_all(cases, tmp))
        print(f"{args.split} split, {len(cases)} cases, threshold {evidence.THRESHOLD}")
        print(f"  {'as weighed':28} precision {precision:.3f}  recall {recall:.3f}")
        print(f"  {'without':12}{'weight':>6}   {'precision':>9} {'recall':>7}")
        for name, weight in baseline.items():
            WEIGHTS[name] = 0
            p, r = precision_recall(cases, scan_all(cases, tmp))
            WEIGHTS[name] = weight
            print(f"  {name:20}{weight:>4}   {p:9.3f} {r:7.3f}   ({p - precision:+.3f}, {r - recall:+.3f})")
        for change in args.tries:
            name, _, value = change.partition("=")
            WEIGHTS[name] = int(value)
        if args.tries:
            p, r = precision_recall(cases, scan_all(cases, tmp))
            print(f"  with {' '.join(args.tries)}: precision {p:.3f}  recall {r:.3f}")


if __name__ == "__main__":
    main()
