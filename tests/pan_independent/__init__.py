"""Independent labelled corpus for the PAN scanner: loader and scorer.

The corpus is built by ``python3 -m tests.pan_independent.generate`` from published test-card lists, public
BIN/IIN tables and real API payload shapes (see SOURCES.md); tests read only the committed ``corpus.jsonl``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence, Set
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).with_name("corpus.jsonl")
SPLITS = ("tune", "test")


@dataclass(frozen=True, slots=True)
class Case:
    """One file to scan and the PANs it really holds."""

    id: str  # stable, e.g. "split_messages-0042"
    split: str  # "tune" or "test"
    kind: str  # disguise kind for positives ("plain", ...), "neg:<kind>" for hard negatives
    source: str  # where the shape and the number come from (URL or library + function)
    suffix: str  # ".json", ".ndjson", ".csv", ".txt": how the case is written to a file
    data: bytes  # the file's exact bytes
    pans: frozenset[str]  # every PAN (digits only) the case holds; empty for negatives


def _case(row: dict[str, object]) -> Case:
    pans = row["pans"]
    if not isinstance(pans, list):
        raise TypeError(f"pans of {row.get('id')!r} is not a list")
    return Case(
        id=str(row["id"]),
        split=str(row["split"]),
        kind=str(row["kind"]),
        source=str(row["source"]),
        suffix=str(row["suffix"]),
        data=base64.b64decode(str(row["data_b64"])),
        pans=frozenset(str(p) for p in pans),
    )


def load(split: str | None = None, path: Path = CORPUS) -> list[Case]:
    """Read the corpus; ``split`` is "tune", "test" or None for both."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS} or None, not {split!r}")
    cases: list[Case] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                case = _case(json.loads(line))
                if split is None or case.split == split:
                    cases.append(case)
    return cases


def _counts(pans: Set[str], found: Set[str]) -> tuple[int, int, int]:
    return len(found & pans), len(found - pans), len(pans - found)


def _check(cases: Sequence[Case], found: Sequence[Set[str]]) -> None:
    if len(cases) != len(found):
        raise ValueError(f"{len(cases)} cases but {len(found)} results")


def precision_recall(cases: Sequence[Case], found: Sequence[Set[str]]) -> tuple[float, float]:
    """Per-PAN precision and recall summed over cases (1.0 where the denominator is 0)."""
    _check(cases, found)
    tp = fp = fn = 0
    for case, got in zip(cases, found, strict=True):
        t, f, n = _counts(case.pans, got)
        tp, fp, fn = tp + t, fp + f, fn + n
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall


def by_kind(cases: Sequence[Case], found: Sequence[Set[str]]) -> dict[str, tuple[int, int, int]]:
    """Kind -> (tp, fp, fn), for a miss table."""
    _check(cases, found)
    table: dict[str, tuple[int, int, int]] = {}
    for case, got in zip(cases, found, strict=True):
        t, f, n = _counts(case.pans, got)
        tp, fp, fn = table.get(case.kind, (0, 0, 0))
        table[case.kind] = (tp + t, fp + f, fn + n)
    return dict(sorted(table.items()))
