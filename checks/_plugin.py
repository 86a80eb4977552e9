"""The pytest plugin (entry point `vendor_audit`): options, fixtures, check validation, findings, exit code.

Inert unless audit checks are collected: other test suites in the same environment see only its
options. `pytest checks/ --audit-profile audit.toml` and `vendor-audit run audit.toml` are one suite.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import sqlite3
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from vendor_audit import checks
from vendor_audit.findings import AuditRun, CheckSpec, Finding, Severity, Status, exit_code
from vendor_audit.model import CollectionError, VendorSnapshot
from vendor_audit.pan import FragmentJoiner, Match, scan_ndjson, scan_record, scan_text
from vendor_audit.profile import ExportSpec, Profile, ProfileError, load_profile
from vendor_audit.tlsprobe import TLSReport

CHECKS_DIR = Path(checks.__file__).resolve().parent
STATE = pytest.StashKey["AuditState"]()
AUDIT = pytest.StashKey[checks.Audit]()


@dataclass
class AuditState:
    profile: Profile | None = None
    sandbox_stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    run_id: str = ""
    run_dir: Path | None = None
    started: str = ""
    items: list[pytest.Item] = field(default_factory=list)  # the checks this run executes
    declared: list[CheckSpec] = field(default_factory=list)  # every check collected, before -k deselection
    well_declared: bool = False
    problems: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    collection: Any = None
    result: AuditRun | None = None
    drift: Any = None  # reports.history.Drift since the compared run, None for the first


# -- options and markers ---------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("audit", "vendor compliance audit (vendor-audit)")
    group.addoption("--audit-profile", metavar="TOML", help="audit profile (default: the bundled sandbox, leaky)")
    group.addoption(
        "--audit-fail-on",
        default="low",
        choices=[s.value for s in Severity],
        help="lowest severity of a failing finding that fails the run (default: %(default)s)",
    )
    group.addoption(
        "--audit-report-dir",
        default="reports/runs",
        metavar="DIR",
        help="where runs land, one folder per run id (default: %(default)s)",
    )
    group.addoption("--audit-run-id", metavar="ID", help="name of this run's folder (default: UTC time + random)")
    group.addoption(
        "--audit-sign-key", metavar="KEY", help="sign the run directory with this Ed25519 private key (PEM)"
    )
    group.addoption(
        "--audit-load-run", metavar="DIR", help="attach a `vendor-audit load` run directory: its gates and charts"
    )
    group.addoption(
        "--audit-compare-to",
        metavar="BASE",
        help="report drift against this run id or baseline name (default: the previous run of the profile)",
    )
    group.addoption("--audit-baseline", metavar="NAME", help="record this run as the baseline NAME (e.g. go-live)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "audit_check(spec): a vendor-audit check and its metadata")
    config.stash[STATE] = AuditState()


def _spec(item: pytest.Item) -> CheckSpec | None:
    marker = item.get_closest_marker("audit_check")
    return marker.args[0] if marker and marker.args and isinstance(marker.args[0], CheckSpec) else None


def _under_checks(item: pytest.Item) -> bool:
    return CHECKS_DIR in Path(str(item.path)).resolve().parents


@pytest.hookimpl(tryfirst=True)  # before -k and -m deselect: coverage tells "not tested in this run" from "no check"
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    known = {f"{c.key}:{r.id}" for c in checks.catalogs() for r in c.requirements}
    problems = []
    audit_items = []
    for item in items:
        spec = _spec(item)
        if spec is None:
            if _under_checks(item):
                problems.append(f"{item.nodeid}: no @check metadata (id, title, severity, controls, remediation)")
            continue
        audit_items.append(item)
        name = getattr(item, "originalname", item.name)
        if name != f"test_{spec.id}" or Path(str(item.path)).stem != f"test_{spec.id}":
            problems.append(f"{item.nodeid}: check id {spec.id!r} must match the function and file name test_{spec.id}")
        problems += [f"{item.nodeid}: unknown control {c!r}" for c in spec.controls if c not in known]
        if "audit" not in getattr(item, "fixturenames", ()):
            problems.append(f"{item.nodeid}: a check records findings through the `audit` fixture")
    if problems:
        pytest.exit("vendor-audit: the checks are not well declared:\n  " + "\n  ".join(problems), returncode=2)
    state = config.stash[STATE]
    state.declared = [s for s in (_spec(i) for i in audit_items) if s is not None]
    state.well_declared = True


def pytest_collection_finish(session: pytest.Session) -> None:
    state = session.config.stash[STATE]
    if not state.well_declared:  # pytest calls this even after the exit above
        return
    state.items = [item for item in session.items if _spec(item) is not None]
    if not state.items:
        return
    config = session.config
    state.started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    state.run_id = config.getoption("--audit-run-id") or (
        dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)
    )
    state.run_dir = Path(config.getoption("--audit-report-dir")) / state.run_id
    path = config.getoption("--audit-profile")
    try:
        if path:
            state.profile = load_profile(path)
        else:
            state.profile = _start_default_sandbox(state)
        for vendor in state.profile.vendors:
            for credential in vendor.credentials:
                state.profile.secret(credential)
    except ProfileError as exc:
        state.problems.append(str(exc))
        _write_run(session)
        pytest.exit(f"vendor-audit: {exc}", returncode=2)


def _start_default_sandbox(state: AuditState) -> Profile:
    from vendor_audit import sandbox  # deferred: only the default run needs the stand-ins

    workdir = Path(state.sandbox_stack.enter_context(tempfile.TemporaryDirectory(prefix="vendor-audit-sandbox-")))
    running = state.sandbox_stack.enter_context(sandbox.serve(scenario="leaky", workdir=workdir))
    state.extra["sandbox"] = {"scenario": "leaky", "manifest": str(running.manifest_path)}
    return load_profile(running.profile_path)


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None:
        return
    if state.collection is not None:
        state.collection.close()
    state.sandbox_stack.close()


# -- fixtures: data is collected once per session and only read by checks --------------------------


@pytest.fixture(scope="session")
def profile(request: pytest.FixtureRequest) -> Profile:
    loaded = request.config.stash[STATE].profile
    if loaded is None:
        pytest.skip("no audit profile (vendor-audit checks were not collected)")
    return loaded


@pytest.fixture(scope="session")
def snapshots(request: pytest.FixtureRequest, profile: Profile) -> dict[str, VendorSnapshot]:
    from vendor_audit import connectors  # deferred: plain pytest runs never pay for it

    state = request.config.stash[STATE]
    state.collection = connectors.collect(profile)
    state.extra["collection_seconds"] = round(state.collection.seconds, 3)
    return dict(state.collection.snapshots)


def _vendor_fixture(kind: str) -> Any:
    @pytest.fixture(scope="session", name=kind)
    def one_vendor(snapshots: dict[str, VendorSnapshot]) -> VendorSnapshot:
        found = [s for s in snapshots.values() if s.type == kind]
        if not found:
            pytest.skip(f"the profile has no {kind} vendor")
        return found[0]

    one_vendor.__doc__ = f"The snapshot of the profile's {kind} vendor, for the rare vendor-specific check."
    return one_vendor


shopify = _vendor_fixture("shopify")
zendesk = _vendor_fixture("zendesk")
gorgias = _vendor_fixture("gorgias")


@dataclass(frozen=True, slots=True)
class Hit:
    vendor: str
    resource: str
    location: str  # field, or "line N /pointer" in an export
    match: Match


@dataclass
class PayloadScan:
    hits: list[Hit] = field(default_factory=list)
    scanned: Counter[tuple[str, str]] = field(default_factory=Counter)  # (vendor, "payloads" or exports/<file>)
    errors: dict[str, list[CollectionError]] = field(default_factory=dict)


def _scan_vendor(snapshot: VendorSnapshot) -> tuple[list[Hit], int]:
    hits: list[Hit] = []
    count = 0
    # A number typed over consecutive messages of one conversation is joined (cards.md section 6).
    joiner, thread, previous = FragmentJoiner(), "", None
    for payload in snapshot.iter_payloads():
        count += 1
        hits += [Hit(payload.vendor, payload.resource, payload.field, m) for m in scan_text(payload.text)]
        parent = payload.resource.rsplit("/", 2)[0]
        if parent != thread and previous is not None:
            hits += [Hit(previous.vendor, previous.resource, previous.field, m) for m in joiner.flush()]
        thread = parent
        joined = joiner.feed(payload.text, payload.resource)  # a chain the previous message ended
        if previous is not None:
            hits += [Hit(previous.vendor, previous.resource, previous.field, m) for m in joined]
        previous = payload
    if previous is not None:
        hits += [Hit(previous.vendor, previous.resource, previous.field, m) for m in joiner.flush()]
    return hits, count


def _scan_export(spec: ExportSpec, label: str) -> tuple[list[Hit], int, CollectionError | None]:
    from vendor_audit.exports import iter_records

    hits: list[Hit] = []
    count = 0
    resource = f"exports/{spec.path.name}"
    try:
        if spec.format == "ndjson":  # the chunked scanner: C-speed screening, memory of one chunk
            with spec.path.open("rb") as handle:
                for number, pointer, match in scan_ndjson(handle):
                    hits.append(Hit(label, resource, f"line {number} {pointer}", match))
            with spec.path.open("rb") as handle:
                count = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))
            return hits, count, None
        for location, record in iter_records(spec.path, spec.format):
            count += 1
            if isinstance(record, ValueError):
                continue  # unparsable records are the schema check's business
            for pointer, match in scan_record(record):
                hits.append(Hit(label, resource, f"{location} {pointer}", match))
    except OSError as exc:
        return hits, count, CollectionError(label, "payloads", "export", f"cannot read {spec.path}: {exc.strerror}")
    return hits, count, None


@pytest.fixture(scope="session")
def payload_scan(snapshots: dict[str, VendorSnapshot], profile: Profile) -> PayloadScan:
    """Every payload of every vendor and every export record, scanned once for PANs and SAD."""
    scan = PayloadScan()
    with ThreadPoolExecutor(max_workers=max(1, len(snapshots)), thread_name_prefix="scan") as pool:
        futures = {name: pool.submit(_scan_vendor, snapshot) for name, snapshot in snapshots.items()}
        for name, future in futures.items():
            hits, count = future.result()
            scan.hits += hits
            scan.scanned[(name, "payloads")] += count
            scan.errors[name] = [e for e in snapshots[name].errors if e.what == "payloads"]
    for spec in profile.exports:
        label = spec.vendor or "exports"
        hits, count, error = _scan_export(spec, label)
        scan.hits += hits
        scan.scanned[(label, f"exports/{spec.path.name}")] += count
        if error is not None:
            scan.errors.setdefault(label, []).append(error)
    return scan


@dataclass(frozen=True, slots=True)
class ProbedEndpoint:
    vendor: str  # the vendor whose base URL it is, or "endpoint" for the profile's extra ones
    report: TLSReport

    @property
    def resource(self) -> str:
        return f"endpoint/{self.report.address}"


@pytest.fixture(scope="session")
def tls_reports(request: pytest.FixtureRequest, profile: Profile) -> list[ProbedEndpoint]:
    from urllib.parse import urlsplit

    from vendor_audit.tlsprobe import probe

    targets: dict[tuple[str, int], str] = {}
    for vendor in profile.vendors:
        parts = urlsplit(vendor.base_url)
        targets.setdefault((parts.hostname or "", parts.port or 443), vendor.name)
    for url in profile.tls_endpoints:
        parts = urlsplit(url)
        targets.setdefault((parts.hostname or "", parts.port or 443), "endpoint")
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="tls") as pool:
        futures = {key: pool.submit(probe, key[0], key[1], ca_file=profile.ca_file) for key in targets}
        probed = [ProbedEndpoint(targets[key], future.result()) for key, future in futures.items()]
    request.config.stash[STATE].extra["certificates"] = [
        {"vendor": p.vendor, "endpoint": p.report.address, **c.as_json()} for p in probed for c in p.report.chain
    ]
    return probed


@pytest.fixture(scope="session")
def export_reports(profile: Profile) -> list[tuple[ExportSpec, Any]]:
    from vendor_audit.exports import validate_export

    results: list[tuple[ExportSpec, Any]] = []
    for spec in profile.exports:
        try:
            results.append((spec, validate_export(spec.path, spec.format, spec.schema)))
        except FileNotFoundError:
            results.append((spec, f"export file {spec.path} does not exist"))
        except (OSError, ValueError) as exc:
            results.append((spec, f"cannot validate {spec.path}: {exc}"))
    return results


@pytest.fixture
def audit(request: pytest.FixtureRequest, profile: Profile) -> checks.Audit:
    spec = _spec(request.node)
    if spec is None:
        raise pytest.UsageError("the `audit` fixture belongs to checks declared with @check")
    recorder = checks.Audit(spec, request.node.user_properties, profile.waivers, dt.date.today())
    request.node.stash[AUDIT] = recorder
    return recorder


# -- outcome of each check, and of the run ---------------------------------------------------------


def _fail_on(config: pytest.Config) -> Severity:
    return Severity(config.getoption("--audit-fail-on"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    spec = _spec(item)
    if spec is None:
        return (yield)
    try:
        result = yield
    except pytest.skip.Exception:
        raise
    except Exception as exc:
        recorder = item.stash.get(AUDIT, None)
        if recorder is not None:
            recorder.error(
                vendor="-", resource="-", message=f"the check stopped on {exc.__class__.__name__}: it could not look"
            )
        raise
    recorder = item.stash[AUDIT]
    if not recorder.findings:
        recorder.error(vendor="-", resource="-", message="the check recorded no finding")
    fail_on = _fail_on(item.config)
    bad = [
        f
        for f in recorder.findings
        if f.status is Status.ERROR or (f.status is Status.FAIL and f.severity.rank >= fail_on.rank)
    ]
    if bad:
        lines = [f"{f.status.value.upper()} {f.severity.value} {f.vendor} {f.resource}: {f.message}" for f in bad[:20]]
        if len(bad) > 20:
            lines.append(f"... and {len(bad) - 20} more")
        pytest.fail("\n".join(lines), pytrace=False)
    return result


def findings_of(items: list[pytest.Item]) -> list[Finding]:
    found = []
    for item in items:
        for name, value in item.user_properties:
            if name == checks.FINDING_PROPERTY and isinstance(value, dict):
                found.append(Finding.from_json(value))
    return found


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(STATE, None)
    if state is None or not state.items or state.profile is None or session.config.option.collectonly:
        return
    run = _write_run(session)
    session.exitstatus = run.exit_code


def _write_run(session: pytest.Session) -> AuditRun:
    from vendor_audit.reports import write_reports

    state = session.config.stash[STATE]
    config = session.config
    findings = findings_of(state.items)
    specs = [s for s in (_spec(i) for i in state.items) if s is not None]
    profile = state.profile
    if profile is not None:
        today = dt.date.today()
        state.extra["expired_waivers"] = [
            {"check": w.check, "resource": w.resource, "owner": w.owner, "expires": w.expires.isoformat()}
            for w in profile.waivers
            if w.expires < today
        ]
        state.extra["vendors"] = [{"name": v.name, "type": v.type, "base_url": v.base_url} for v in profile.vendors]
        state.extra["evidence_max_age_days"] = profile.evidence_max_age_days
    load_dir = config.getoption("--audit-load-run")
    if load_dir and state.run_dir is not None:
        try:
            findings += _attach_load_run(Path(load_dir), state.run_dir, state, specs)
        except (OSError, ValueError, KeyError) as exc:
            state.problems.append(f"--audit-load-run {load_dir}: not a load run directory ({exc})")
    key = config.getoption("--audit-sign-key")
    if key:
        from vendor_audit.reports.bundle import private_fingerprint

        try:
            state.extra["signing_key"] = private_fingerprint(Path(key))
        except (OSError, ValueError) as exc:
            state.problems.append(f"--audit-sign-key {key}: cannot use it to sign ({exc}); the run is not signed")
            key = None
    errors = any(f.status is Status.ERROR for f in findings)
    state.extra["coverage"] = _coverage(state.declared, specs, findings)
    run = AuditRun(
        run_id=state.run_id,
        started=state.started,
        finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        profile_name=profile.name if profile else "",
        mode=profile.mode if profile else "",
        findings=tuple(findings),
        checks=tuple(specs),
        fail_on=_fail_on(config),
        exit_code=exit_code(findings, _fail_on(config), could_not_run=bool(state.problems) or errors),
        problems=tuple(state.problems),
        extra=dict(state.extra),
    )
    if state.run_dir is not None:
        state.run_dir.mkdir(parents=True, exist_ok=True)
        if state.collection is not None:
            evidence = state.collection.recorder.as_json()
            (state.run_dir / "evidence.json").write_text(json.dumps(evidence, indent=1) + "\n", encoding="utf-8")
        run = _record_history(config, state, run)
        run = write_reports(run, state.run_dir)
        if key:
            from vendor_audit.reports.bundle import sign_run

            sign_run(state.run_dir, Path(key))
    state.result = run
    return run


def _record_history(config: pytest.Config, state: AuditState, run: AuditRun) -> AuditRun:
    """Record the run in the history beside the run directories and attach the drift since the compared run."""
    import dataclasses

    from vendor_audit.reports.history import HISTORY_FILE, History, HistoryError

    if not run.findings or state.run_dir is None:
        return run  # a run that looked at nothing must not become the base of the next comparison
    history = History(state.run_dir.parent / HISTORY_FILE)
    try:
        history.record(run, run.extra.get("evidence_max_age_days"), config.getoption("--audit-baseline"))
        drift = history.diff(config.getoption("--audit-compare-to"), run.run_id)
    except (HistoryError, sqlite3.Error, OSError) as exc:
        problem = f"history {history.path}: {exc}" if not isinstance(exc, HistoryError) else str(exc)
        state.problems.append(problem)
        return dataclasses.replace(run, problems=(*run.problems, problem), exit_code=2)
    state.drift = drift
    return dataclasses.replace(run, extra={**run.extra, "drift": drift.as_json() if drift else None})


def _attach_load_run(load_dir: Path, run_dir: Path, state: AuditState, specs: list[CheckSpec]) -> list[Finding]:
    """A load run's gates join the audit's findings; its numbers and chart are copied in as evidence."""
    import shutil

    document = json.loads((load_dir / "load.json").read_text(encoding="utf-8"))
    report = json.loads((load_dir / "findings.json").read_text(encoding="utf-8"))
    target = run_dir / "load"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("load.json", "latency.svg", "findings.json"):
        if (load_dir / name).exists():
            shutil.copyfile(load_dir / name, target / name)
    chart = (load_dir / "latency.svg").read_text(encoding="utf-8") if (load_dir / "latency.svg").exists() else ""
    state.extra["load"] = {"run_id": report["run_id"], "document": document, "chart_svg": chart}
    known = {s.id for s in specs}
    for raw in report["checks"]:
        if raw["id"] not in known:
            spec = CheckSpec(
                raw["id"], raw["title"], Severity(raw["severity"]), tuple(raw["controls"]), raw["remediation"]
            )
            specs.append(spec)
            state.declared.append(spec)
    return [Finding.from_json(raw) for raw in report["findings"]]


_WORST = ("fail", "error", "manual", "waived", "pass", "not_applicable")


def _coverage(declared: list[CheckSpec], ran: list[CheckSpec], findings: list[Finding]) -> list[dict[str, Any]]:
    """Per framework, every requirement: what this run showed, "not_tested" or "not_covered".

    "not_tested": a check maps to it but did not run or recorded nothing; "not_covered": no check maps to it,
    other evidence is needed.
    """
    statuses: dict[str, set[str]] = {}
    for finding in findings:
        for control in finding.controls:
            statuses.setdefault(control, set()).add(finding.status.value)
    mapped: dict[str, list[str]] = {}
    for spec in [*declared, *(s for s in ran if s not in declared)]:
        for control in spec.controls:
            if spec.id not in mapped.setdefault(control, []):
                mapped[control].append(spec.id)
    out = []
    for catalog in checks.catalogs():
        matrix = []
        for requirement in catalog.requirements:
            control = f"{catalog.key}:{requirement.id}"
            seen = statuses.get(control, set())
            if seen:
                status = next(s for s in _WORST if s in seen)
            else:
                status = "not_tested" if control in mapped else "not_covered"
            matrix.append(
                {"id": requirement.id, "title": requirement.title, "status": status, "checks": mapped.get(control, [])}
            )
        out.append(
            {
                "framework": catalog.key,
                "name": f"{catalog.name} {catalog.version}",
                "requirements": len(matrix),
                "covered": [row["id"] for row in matrix if row["checks"]],
                "not_covered": [row["id"] for row in matrix if not row["checks"]],
                "matrix": matrix,
            }
        )
    return out


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is None or state.result is None:
        return
    from vendor_audit.reports import render_table

    write = terminalreporter.write_line
    terminalreporter.section("vendor-audit findings")
    width = int(os.environ.get("COLUMNS", "0")) or (
        getattr(getattr(terminalreporter, "_tw", None), "fullwidth", 0) if sys.stdout.isatty() else 200
    )
    for line in render_table(state.result, width=max(width, 100)).splitlines():
        write(line)
    if state.result.findings and state.run_dir is not None:
        from vendor_audit.reports.history import render_drift

        for line in render_drift(state.drift):
            write(line)
    if state.run_dir is not None:
        others = "findings.json, junit.xml, findings.csv, assessment-results.json"
        write(f"reports: {state.run_dir}/report.html (also {others})")
        if state.result.extra.get("signing_key"):
            write(f"signed: key {state.result.extra['signing_key']}; check with vendor-audit verify {state.run_dir}")
