"""The terminal, with rich: progress on stderr, and the listings of checks and frameworks.

    with console.progress_on_stderr(quiet=args.quiet, redact=session.for_terminal) as progress:
        session.progress = progress                  # a vendor_audit.progress.Progress
        with console.stdout_above(progress):         # stdout's lines (pytest's) above the live rows
            ...

When stderr is a terminal, progress is rich's live display, erased when the work is done; when it is not (CI, a
pipe, a file), a plain line per phase every 10 seconds and when the phase ends, without a control code. NO_COLOR
(https://no-color.org: set and not empty) keeps colour codes out of the live display; TERM=dumb, whose terminals
cannot move the cursor, gets the plain lines. Every line shown passes the run's redactor first.

Progress is written to a duplicate of the stderr file descriptor taken when it starts: pytest, which runs the
checks in-process, captures descriptors 1 and 2 while a check (and the collection in its fixtures) runs.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, TextIO, cast

from rich import box
from rich.console import Console
from rich.progress import BarColumn, ProgressColumn, Task, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress
from rich.table import Table
from rich.text import Text

from vendor_audit.findings import CheckSpec
from vendor_audit.progress import NO_PROGRESS, Progress
from vendor_audit.redact import for_terminal

__all__ = [
    "KnownCheck",
    "Listing",
    "LiveProgress",
    "PlainProgress",
    "check_listing",
    "framework_listing",
    "known_checks",
    "print_listing",
    "progress_on_stderr",
    "render_listing",
    "stdout_above",
]

PLAIN_INTERVAL = 10.0  # seconds between two plain lines about a phase that is still running


# -- what a phase has counted, in words ------------------------------------------------------------------------


@dataclass
class _Phase:
    label: str  # already redacted
    total: float | None
    unit: str
    started: float
    counts: dict[str, float] = field(default_factory=dict)
    last_said: float = 0.0

    def add(self, counts: Mapping[str, float]) -> None:
        for name, value in counts.items():
            self.counts[name] = self.counts.get(name, 0) + value

    @property
    def done(self) -> float:
        return self.counts.get(self.unit, 0)

    def describe(self) -> str:
        """The counts in words, the one counted towards the total first: "2 of 4 endpoints, 12 pages"."""
        parts = []
        if self.total is not None:
            parts.append(f"{_number(self.done)} of {_number(self.total)} {_noun(self.unit, self.total)}".rstrip())
        parts += [
            f"{_number(value)} {_noun(name, value)}"
            for name, value in self.counts.items()
            if name != self.unit or self.total is None
        ]
        return ", ".join(parts)

    def remaining(self, now: float) -> float | None:
        """Seconds left at the pace so far; None without a total or before the first count."""
        if self.total is None or self.done <= 0:
            return None
        if self.unit == "s":  # counted by the clock: what is left is what was planned
            return max(0.0, self.total - self.done)
        return max(0.0, (now - self.started) * (self.total - self.done) / self.done)


def _noun(name: str, value: float) -> str:
    """The noun for `value` of it: 1 page, 2 pages (a unit such as "s" stays as it is)."""
    return name[:-1] if value == 1 and len(name) > 2 and name.endswith("s") else name


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or float(value).is_integer() else f"{value:.1f}"


def _seconds(seconds: float) -> str:
    """0.4 s, 14 s, 3 min 10 s, 2 h 5 min."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"


# -- plain lines: CI, pipes, TERM=dumb ---------------------------------------------------------------------------


class PlainProgress:
    """A line per phase every `interval` seconds while it runs, and one when it ends; no control code, ever.

    A phase waiting on a vendor's rate limit advances nothing for minutes: a ticker thread says it is still
    running all the same (`tick`).
    """

    def __init__(
        self,
        stream: TextIO,
        redact: Callable[[str], str] = for_terminal,
        *,
        interval: float = PLAIN_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._redact = redact
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._phases: dict[str, _Phase] = {}
        self._closed = threading.Event()
        self._ticker: threading.Thread | None = None

    def start(self, phase: str, *, total: float | None = None, unit: str = "") -> None:
        with self._lock:
            if phase in self._phases or self._closed.is_set():
                return
            now = self._clock()
            self._phases[phase] = _Phase(self._redact(phase), total, unit, now, last_said=now)
            if self._ticker is None:
                self._ticker = threading.Thread(target=self._tick_until_closed, name="progress lines", daemon=True)
                self._ticker.start()

    def advance(self, phase: str, **counts: float) -> None:
        with self._lock:
            found = self._phases.get(phase)
            if found is not None:
                found.add(counts)

    def end(self, phase: str, *, ok: bool = True) -> None:
        with self._lock:
            found = self._phases.pop(phase, None)
            if found is None:
                return
            took = _seconds(self._clock() - found.started)
            said = f"{found.label} done in {took}" if ok else f"{found.label} stopped after {took}"
            counted = found.describe()
            self._say(f"{said}: {counted}" if counted else said)

    def tick(self) -> None:
        """One line for each phase not heard of for `interval` seconds."""
        with self._lock:
            now = self._clock()
            for found in self._phases.values():
                if now - found.last_said < self._interval:
                    continue
                found.last_said = now
                line = f"{found.label}: {found.describe() or 'running'}, {_seconds(now - found.started)} so far"
                left = found.remaining(now)
                self._say(line + (f", about {_seconds(left)} left" if left is not None else ""))

    def close(self) -> None:
        self._closed.set()
        if self._ticker is not None:
            self._ticker.join(2.0)

    def _tick_until_closed(self) -> None:
        while not self._closed.wait(max(0.1, min(1.0, self._interval))):
            self.tick()

    def _say(self, line: str) -> None:
        try:
            self._stream.write(self._redact(f"vendor-audit: {line}") + "\n")
            self._stream.flush()
        except (OSError, ValueError):  # stderr went away (a closed pipe): the audit goes on without progress
            self._closed.set()


# -- the live display: a terminal ----------------------------------------------------------------------------


class _BarWhenTotal(BarColumn):
    """A bar only for a phase with a total: without one, rich's pulsing bar would promise an end it cannot see."""

    def render(self, task: Task) -> Any:
        return super().render(task) if task.total is not None else Text("")


class _LeftWhenTotal(ProgressColumn):
    def render(self, task: Task) -> Text:
        left = task.fields.get("left")
        return Text(f"about {_seconds(left)} left" if isinstance(left, float) else "")


class LiveProgress:
    """rich's live display on stderr: a row per running phase, erased when no phase runs any more.

    Each row: the phase, its counts, a bar and the time left where there is a total, the time elapsed.
    """

    def __init__(self, console: Console, redact: Callable[[str], str] = for_terminal) -> None:
        self.console = console
        self._redact = redact
        self.lock = threading.RLock()  # also held by stdout_above: a line is printed above the rows, never into them
        self._bars = RichProgress(
            TextColumn("{task.description}", markup=False),
            TextColumn("{task.fields[counts]}", markup=False),
            _BarWhenTotal(bar_width=24),
            TimeElapsedColumn(),
            _LeftWhenTotal(),
            console=console,
            transient=True,
            redirect_stdout=False,  # stdout_above does it: rich's proxy would break pytest's lines at every flush
            redirect_stderr=False,
            refresh_per_second=4,
        )
        self._phases: dict[str, tuple[TaskID, _Phase]] = {}
        self.live = False
        self._broken = False

    def start(self, phase: str, *, total: float | None = None, unit: str = "") -> None:
        with self.lock:
            if phase in self._phases or self._broken:
                return
            found = _Phase(self._redact(phase), total, unit, time.monotonic())
            task = self._bars.add_task(found.label, total=total, counts=found.describe(), left=None)
            self._phases[phase] = (task, found)
            if not self.live:
                self._guard(self._bars.start)
                self.live = True

    def advance(self, phase: str, **counts: float) -> None:
        with self.lock:
            entry = self._phases.get(phase)
            if entry is None:
                return
            task, found = entry
            found.add(counts)
            left = found.remaining(time.monotonic())
            self._bars.update(task, completed=found.done, counts=found.describe(), left=left)

    def end(self, phase: str, *, ok: bool = True) -> None:
        with self.lock:
            entry = self._phases.pop(phase, None)
            if entry is None:
                return
            self._bars.remove_task(entry[0])
            if not self._phases and self.live:
                self.live = False
                self._guard(self._bars.stop)  # transient: the rows are erased, the terminal is as it was

    def close(self) -> None:
        with self.lock:
            for task, _ in self._phases.values():
                self._bars.remove_task(task)
            self._phases.clear()
            if self.live:
                self.live = False
                self._guard(self._bars.stop)

    def _guard(self, action: Callable[[], None]) -> None:
        try:
            action()
        except (OSError, ValueError):  # the terminal went away: the audit goes on without progress
            self._broken = True


def _no_color(environ: Mapping[str, str]) -> bool:
    return environ.get("NO_COLOR", "") != ""  # https://no-color.org: set and not empty


def _dumb(environ: Mapping[str, str]) -> bool:
    return environ.get("TERM", "") == "dumb"


def _stderr_copy() -> TextIO:
    """A stream on a duplicate of stderr's descriptor (pytest's capture swaps the descriptor itself), or stderr."""
    try:
        fd = os.dup(sys.stderr.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):  # an in-memory stderr: a test's
        return sys.stderr
    return open(fd, "w", encoding="utf-8", errors="replace", buffering=1, closefd=True)


@contextlib.contextmanager
def progress_on_stderr(
    *, quiet: bool = False, redact: Callable[[str], str] = for_terminal, environ: Mapping[str, str] | None = None
) -> Iterator[Progress]:
    """The progress renderer that suits stderr (nothing when `quiet`), closed when the block ends.

    `redact` is applied to every label and line; give the run's (`AuditSession.for_terminal`), which knows the
    run's secrets once its profile is loaded.
    """
    if quiet:
        yield NO_PROGRESS
        return
    environ = os.environ if environ is None else environ
    stream = _stderr_copy()
    renderer: LiveProgress | PlainProgress
    if stream.isatty() and not _dumb(environ):
        console = Console(
            file=stream,
            color_system=None if _no_color(environ) else "auto",
            no_color=_no_color(environ),
            markup=False,
            emoji=False,
            highlight=False,
        )
        renderer = LiveProgress(console, redact)
    else:
        renderer = PlainProgress(stream, redact)
    try:
        yield renderer
    finally:
        renderer.close()
        if stream is not sys.stderr:
            with contextlib.suppress(OSError):
                stream.close()


class _AboveLive:
    """stdout while the live display runs on the same terminal: whole lines, printed above the progress rows.

    A partial line (pytest's "path.py " before its check has run) waits for its end: printed at once, the live
    display would draw its rows after it and erase it with them.
    """

    def __init__(self, progress: LiveProgress, real: TextIO) -> None:
        self._progress = progress
        self.real = real
        self._partial = ""

    def write(self, text: str) -> int:
        with self._progress.lock:
            *lines, self._partial = (self._partial + text).split("\n")
            for line in lines:
                self._line(line)
        return len(text)

    def _line(self, line: str) -> None:
        if self._progress.live:
            self._progress.console.print(Text.from_ansi(line), soft_wrap=True)
        else:
            self.real.write(line + "\n")
            self.real.flush()

    def flush(self) -> None:  # a partial line stays until its end (see the class)
        if not self._progress.live:
            self.real.flush()

    def finish(self) -> None:
        with self._progress.lock:
            if self._partial:
                self.real.write(self._partial)
                self._partial = ""
            self.real.flush()

    def __getattr__(self, name: str) -> Any:  # isatty, fileno, encoding...: the terminal's
        return getattr(self.real, name)


def _same_terminal(one: IO[str], other: IO[str]) -> bool:
    try:
        return one.isatty() and other.isatty() and os.path.samestat(os.fstat(one.fileno()), os.fstat(other.fileno()))
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False


@contextlib.contextmanager
def stdout_above(progress: Progress) -> Iterator[None]:
    """While the block runs, stdout's lines print above the live display when both share one terminal."""
    if not isinstance(progress, LiveProgress) or not _same_terminal(sys.stdout, progress.console.file):
        yield
        return
    proxy = _AboveLive(progress, sys.stdout)
    sys.stdout = cast(TextIO, proxy)
    try:
        yield
    finally:
        sys.stdout = proxy.real
        proxy.finish()


# -- listings: `vendor-audit checks` and `vendor-audit frameworks` ---------------------------------------------


@dataclass(frozen=True, slots=True)
class KnownCheck:
    spec: CheckSpec
    run_by: str  # "audit" (vendor-audit run, pytest --audit-profile) or "load" (vendor-audit load)
    per_vendor: bool


def known_checks() -> list[KnownCheck]:
    """Every check the engine knows: the audit's (each module of the checks package) and the load test's gates.

    The modules are imported by their package name, as the pytest plugin collects them.
    """
    import importlib

    from vendor_audit.checks import RUN_WIDE
    from vendor_audit.checks._plugin import CHECKS_DIR
    from vendor_audit.loadtests.gates import SPECS

    found: list[KnownCheck] = []
    for path in sorted(CHECKS_DIR.rglob("test_*.py")):
        relative = path.relative_to(CHECKS_DIR).with_suffix("")
        module = importlib.import_module("vendor_audit.checks." + ".".join(relative.parts))
        function = getattr(module, path.stem, None)
        for mark in getattr(function, "pytestmark", ()):
            if mark.name == "audit_check" and mark.args and isinstance(mark.args[0], CheckSpec):
                found.append(KnownCheck(mark.args[0], "audit", mark.args[0].id not in RUN_WIDE))
    found += [KnownCheck(spec, "load", True) for spec in SPECS]
    return found


@dataclass(frozen=True, slots=True)
class Listing:
    """A table for people and the same as JSON objects for scripts.

    `stack`: the columns to put one under the other when the terminal is too narrow for them side by side.
    """

    header: list[str]
    rows: list[list[str]]
    documents: list[dict[str, Any]]
    stack: tuple[int, ...] = ()


def check_listing(checks: Sequence[KnownCheck]) -> Listing:
    """The checks, the audit's then the load test's, most severe first."""
    ordered = sorted(checks, key=lambda c: (c.run_by, -c.spec.severity.rank, c.spec.id))
    header = ["ID", "SEVERITY", "RUN BY", "TITLE", "CONTROLS"]
    rows = [[c.spec.id, c.spec.severity.value, c.run_by, c.spec.title, " ".join(c.spec.controls)] for c in ordered]
    documents = [
        {
            "id": c.spec.id,
            "title": c.spec.title,
            "severity": c.spec.severity.value,
            "controls": list(c.spec.controls),
            "remediation": c.spec.remediation,
            "run_by": c.run_by,
            "per_vendor": c.per_vendor,
        }
        for c in ordered
    ]
    return Listing(header, rows, documents, stack=(0, 3, 4))


def framework_listing(checks: Sequence[KnownCheck]) -> Listing:
    """The control catalogs: their requirements, and how many the checks map to."""
    from vendor_audit.catalogs import catalogs

    def mapped(run_by: set[str]) -> set[str]:
        return {control for c in checks if c.run_by in run_by for control in c.spec.controls}

    by_audit, by_any = mapped({"audit"}), mapped({"audit", "load"})
    header = ["FRAMEWORK", "REQUIREMENTS", "CHECKED", "WITH LOAD TEST", "NAME"]
    rows: list[list[str]] = []
    documents: list[dict[str, Any]] = []
    for catalog in catalogs():
        ids = [f"{catalog.key}:{r.id}" for r in catalog.requirements]
        audit = sum(1 for i in ids if i in by_audit)
        load = sum(1 for i in ids if i in by_any)
        rows.append([catalog.key, str(len(ids)), str(audit), str(load), f"{catalog.name} {catalog.version}"])
        documents.append(
            {
                "framework": catalog.key,
                "name": catalog.name,
                "version": catalog.version,
                "requirements": len(ids),
                "checked_by_audit": audit,
                "checked_with_load_test": load,
                "not_covered": [r.id for r, i in zip(catalog.requirements, ids, strict=True) if i not in by_any],
            }
        )
    return Listing(header, rows, documents)


def render_listing(
    header: Sequence[str], rows: Sequence[Sequence[str]], *, terminal: bool, width: int, stack: Sequence[int] = ()
) -> str:
    """A table: fitted to `width` on a terminal, one line per row otherwise (for grep).

    On a terminal, words wrap whole and a one-word column (an id, a number) is never broken; when the columns do
    not fit side by side, those in `stack` go one under the other in the last column.
    """
    from rich.cells import cell_len

    rows = [[for_terminal(cell) for cell in row] for row in rows]
    if not terminal:
        return "\n".join(_aligned_lines(header, rows))

    def narrowest(index: int) -> int:  # a column's longest word, and room for a few words where it wraps
        cells = [header[index], *(row[index] for row in rows)]
        longest = max(cell_len(word) for cell in cells for word in cell.split() or [""])
        return longest if all(" " not in row[index] for row in rows) else max(longest, 24)

    columns = [[i] for i in range(len(header))]
    if sum(narrowest(i) for i in range(len(header))) + 2 * (len(header) - 1) > width and stack:
        columns = [[i] for i in range(len(header)) if i not in stack] + [list(stack)]
    stacked = len(columns) < len(header)  # a blank line between rows, which run to several lines each
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, collapse_padding=True, leading=int(stacked))
    for fields in columns:
        whole = len(fields) == 1 and all(" " not in row[fields[0]] for row in rows)
        table.add_column(" / ".join(header[i] for i in fields), overflow="fold", no_wrap=whole)
    for row in rows:
        table.add_row(*(Text("\n".join(row[i] for i in fields)) for fields in columns))
    out = io.StringIO()
    Console(file=out, width=width, color_system=None, markup=False, emoji=False, highlight=False).print(table)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()).strip("\n")


def _aligned_lines(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    from rich.cells import cell_len

    widths = [max(cell_len(cell) for cell in column) for column in zip(header, *rows, strict=True)]
    return [
        "  ".join(cell + " " * (width - cell_len(cell)) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in (list(header), *rows)
    ]


def print_listing(listing: Listing, *, as_json: bool) -> None:
    """On stdout: JSON, or the table fitted to the terminal (COLUMNS, else its width), or one line per row."""
    if as_json:
        print(json.dumps(listing.documents, indent=2, ensure_ascii=False))
        return
    width = Console(file=sys.stdout).width
    print(render_listing(listing.header, listing.rows, terminal=sys.stdout.isatty(), width=width, stack=listing.stack))
