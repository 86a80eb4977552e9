"""The audit engine: one session owns a run, from the profile to the published run directory.

    session = AuditSession(AuditOptions(profile=Path("audit.toml")))
    session.start()                              # the profile (or the bundled sandbox), its secrets
    session.declare(declared, in_scope)          # the checks this run owes a verdict on
    recorder = session.recorder(spec)            # a check records through it ...
    session.end_check(spec, recorder, cause)     # ... and the engine makes the verdict complete
    run = session.publish(outcome=pytest_status) # coverage, history, reports, signature

The CLI and the pytest plugin are thin consumers of this session; `vendor-audit load` publishes through it
too. The engine holds the one promise: the verdict is never green when the audit did not look. Every check
in scope ends, for every vendor it applies to, in a finding; an exception anywhere (collection, a scan, a
probe, a fixture, a check) becomes an `error` finding of one redacted line; an interrupted or narrowed run
is published and marked as such; any error, problem or interruption makes the exit code 2.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import json
import secrets
import shutil
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from vendor_audit._threads import in_daemon_threads
from vendor_audit.catalogs import catalogs
from vendor_audit.durations import Deadline
from vendor_audit.errors import ProfileError
from vendor_audit.findings import (
    AuditRun,
    CheckSpec,
    ExpiredWaiver,
    Finding,
    LoadAttachment,
    RunState,
    Severity,
    Status,
    VendorRef,
    exit_code,
)
from vendor_audit.model import CollectionError, CoverageLimit, Payload, VendorSnapshot
from vendor_audit.pan import Joiner, Match, scan_text
from vendor_audit.profile import ExportSpec, Profile, load_profile
from vendor_audit.progress import NO_PROGRESS, Progress, phase
from vendor_audit.recorder import Audit
from vendor_audit.redact import Redactor, redact_json
from vendor_audit.segmentation import Segmentation
from vendor_audit.tlsprobe import TLSReport

if TYPE_CHECKING:
    from vendor_audit.connectors import Collection
    from vendor_audit.exports import ExportReport
    from vendor_audit.kpi import KpiResult

__all__ = [
    "AuditOptions",
    "AuditSession",
    "CannotRun",
    "Hit",
    "PayloadScan",
    "ProbedEndpoint",
]

T = TypeVar("T")
TREND_RUNS = 30  # earlier runs of the profile report.html's trend chart shows


class CannotRun(Exception):
    """The audit cannot run at all (a bad profile, a missing secret); the message is one line for the user."""


@dataclass(frozen=True, kw_only=True)
class AuditOptions:
    """How one run is made; the CLI's flags and the plugin's --audit-* options both map onto it."""

    profile: Path | None = None  # None: start the bundled sandbox and audit it
    scenario: str = "leaky"  # the bundled sandbox's scenario
    fail_on: Severity = Severity.LOW
    report_dir: Path = Path("reports/runs")
    run_id: str | None = None
    sign_key: Path | None = None
    load_run: Path | None = None
    compare_to: str | None = None
    baseline: str | None = None
    environ: Mapping[str, str] | None = None
    history_profile_suffix: str = ""  # `vendor-audit load` keeps its own line of history beside the audits'
    deadline: float | None = None  # seconds the whole run may take (--deadline); None: the profile's run_seconds
    # reports.REPORT_FORMATS to write (--output-formats); None: all. findings.json is written whatever is chosen.
    output_formats: tuple[str, ...] | None = None


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
    limits: dict[str, list[CoverageLimit]] = field(default_factory=dict)  # what a vendor's API did not show


@dataclass(frozen=True, slots=True)
class ProbedEndpoint:
    vendor: str  # the vendor whose base URL it is, or "endpoint" for the profile's extra ones
    report: TLSReport

    @property
    def resource(self) -> str:
        return f"endpoint/{self.report.address}"


def one_line(exc: BaseException, redact: Callable[[str], str]) -> str:
    """An exception as one redacted line: its class and message, never a traceback.

    Redacted before it is cut, so the cut cannot leave a secret's head too short to be recognised.
    """
    try:
        text = str(exc)
    except Exception:  # an exception whose message cannot be rendered still names its class
        text = ""
    text = redact(" ".join(text.split()))[:300]
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


class AuditSession:
    """One audit run, owned from start to publish. Not thread-safe: the consumer's main thread drives it."""

    def __init__(self, options: AuditOptions, progress: Progress = NO_PROGRESS) -> None:
        self.options = options
        self.progress = progress  # where the long phases report: collection, scans, probes (vendor_audit.progress)
        now = dt.datetime.now(dt.UTC)
        self.run_id = options.run_id or now.strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)
        self.run_dir = options.report_dir / self.run_id
        self.started = now.isoformat(timespec="seconds")
        self.profile: Profile | None = None
        self.problems: list[str] = []
        self.redact = Redactor()  # the run's secrets join it once the profile is loaded
        self.sandbox: dict[str, str] | None = None
        self.interrupted: str | None = None  # why, when the run was interrupted
        self.narrowed: str | None = None  # how, when the run was narrowed to some checks
        self.result: AuditRun | None = None
        self.publishing = False
        self.drift: Any = None  # reports.history.Drift since the compared run
        self._stack = contextlib.ExitStack()
        self._declared: list[CheckSpec] = []
        self._in_scope: dict[str, tuple[CheckSpec, bool]] = {}  # id -> (spec, per_vendor)
        self._ended: dict[str, list[Finding]] = {}
        self._cache: dict[str, Any] = {}
        self._collection: Collection | None = None
        # What the run wrote in a sandbox, each with its undo's result (writes.json); `load` adds its own.
        self.writes: list[dict[str, Any]] = []
        self._collection_seconds: float | None = None
        self.check_seconds: dict[str, float] = {}  # the consumer adds what each check took (the plugin: pytest's)
        self._certificates: list[dict[str, Any]] = []

    # -- start -------------------------------------------------------------------------------------------------

    def start(self) -> Profile:
        """Load the profile (or start the bundled sandbox) and resolve every secret.

        Raises:
            CannotRun: the profile is not valid or a secret is missing; recorded as the run's problem.
        """
        try:
            if self.options.profile is not None:
                profile = load_profile(self.options.profile)
            else:
                profile = self._start_sandbox()
            found = [profile.secret(c, self.options.environ) for v in profile.vendors for c in v.credentials]
        except ProfileError as exc:
            self.problems.append(str(exc))
            raise CannotRun(str(exc)) from exc
        except OSError as exc:  # the sandbox could not bind or write its files
            problem = f"the bundled sandbox could not start: {exc.strerror or exc}"
            self.problems.append(problem)
            raise CannotRun(problem) from exc
        self.profile = profile
        self.redact = Redactor(found)
        return profile

    def _start_sandbox(self) -> Profile:
        from vendor_audit import sandbox  # only the default run needs the stand-ins

        workdir = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="vendor-audit-sandbox-")))
        running = self._stack.enter_context(sandbox.serve(scenario=self.options.scenario, workdir=workdir))
        self.sandbox = {"scenario": self.options.scenario, "manifest": str(running.manifest_path)}
        return load_profile(running.profile_path)

    def close(self) -> None:
        if self._collection is not None:
            with contextlib.suppress(Exception):
                self._collection.close()
        self._stack.close()

    # -- what the run owes a verdict on ------------------------------------------------------------------------

    def declare(
        self, declared: Sequence[CheckSpec], in_scope: Iterable[tuple[CheckSpec, bool]], narrowed: str | None = None
    ) -> None:
        """Every check known (for coverage), the ones this run must end (spec, per_vendor), and how it was narrowed."""
        self._declared = list(declared)
        self._in_scope = {spec.id: (spec, per_vendor) for spec, per_vendor in in_scope}
        self.narrowed = narrowed

    @property
    def vendor_names(self) -> list[str]:
        return [v.name for v in self.profile.vendors] if self.profile else []

    # -- the data checks read, collected once; a failure is kept and told to every check that needs it ------

    def _once(self, key: str, make: Callable[[], T]) -> T:
        if key not in self._cache:
            try:
                self._cache[key] = make()
            except (KeyboardInterrupt, SystemExit):
                raise
            except Exception as exc:  # every check that needs it reports this cause as an error
                self._cache[key] = exc
        value = self._cache[key]
        if isinstance(value, Exception):
            raise value
        return value  # type: ignore[no-any-return]

    def _require_profile(self) -> Profile:
        if self.profile is None:
            raise CannotRun("the audit did not start")
        return self.profile

    def snapshots(self) -> dict[str, VendorSnapshot]:
        return self._once("snapshots", self._collect)

    def _run_deadline(self) -> Deadline:
        """The run's deadline, counted from the first time the run needs data (collection, scans or probes)."""
        if "run_deadline" not in self._cache:
            seconds = self.options.deadline or self._require_profile().deadlines.run_seconds
            self._cache["run_deadline"] = Deadline.after(seconds, "the run deadline")
        deadline: Deadline = self._cache["run_deadline"]
        return deadline

    def _past_deadline(self, what: str) -> str:
        """Why `what` is unfinished, once the run deadline passed; said once among the run's problems too."""
        deadline = self._run_deadline()
        problem = (
            f"{deadline.what} passed: what was learned before it is published, the rest is an error "
            "(raise --deadline or [deadlines] run_seconds in the profile)"
        )
        if problem not in self.problems:
            self.problems.append(problem)
        return f"{what} had not ended when {deadline.what} passed"

    def _collect(self) -> dict[str, VendorSnapshot]:
        from vendor_audit import connectors

        # collect() never raises for one vendor's trouble: that vendor's snapshot says what stopped it, a
        # deadline included (each vendor's ends by the run's).
        deadline = self._run_deadline()
        collection = connectors.collect(
            self._require_profile(), environ=self.options.environ, deadline=deadline, progress=self.progress
        )
        self._collection = collection
        self._collection_seconds = round(collection.seconds, 3)
        if deadline.passed():
            self._past_deadline("the collection")
        return dict(collection.snapshots)

    def payload_scan(self) -> PayloadScan:
        return self._once("payload_scan", self._scan)

    def _scan(self) -> PayloadScan:
        profile = self._require_profile()
        snapshots = self.snapshots()
        scan = PayloadScan()
        hits: dict[str, list[Hit]] = {name: [] for name in snapshots}
        deadline = self._run_deadline()

        def scan_reported(name: str, snapshot: VendorSnapshot) -> int:
            with phase(self.progress, f"{name} payload scan"):  # the stream's pages and records tally here
                return scan_vendor(snapshot, hits[name])

        outcomes = in_daemon_threads(
            {name: functools.partial(scan_reported, name, snapshot) for name, snapshot in snapshots.items()},
            "scan",
            deadline=deadline.at + 1.0,  # a request cut at the run deadline reports it itself, just after
        )
        for name, outcome in outcomes.items():
            scan.hits += list(hits[name])  # what was found before a stream broke still counts
            scan.errors[name] = [e for e in snapshots[name].errors if e.what == "payloads"]
            scan.limits[name] = [c for c in snapshots[name].coverage_limits if c.what == "payloads"]
            if isinstance(outcome, TimeoutError):  # a stream still running past the deadline is left behind
                cause = self._past_deadline(f"{name}: the payload stream")
                scan.errors[name].append(CollectionError(name, "payloads", "deadline", cause))
            elif isinstance(outcome, BaseException):
                if not isinstance(outcome, Exception):
                    raise outcome
                cause = f"the payload stream stopped on {one_line(outcome, self.redact)}"
                scan.errors[name].append(CollectionError(name, "payloads", "internal", cause))
            else:
                scan.scanned[(name, "payloads")] += outcome
        exports = phase(self.progress, "export scan", total=len(profile.exports), unit="files")
        with exports if profile.exports else contextlib.nullcontext():
            for spec in profile.exports:
                label = spec.vendor or "exports"
                export_hits: list[Hit] = []
                if deadline.passed():
                    cause = self._past_deadline(f"the scan of {spec.path.name}")
                    scan.errors.setdefault(label, []).append(CollectionError(label, "payloads", "deadline", cause))
                    continue
                try:
                    count, error = scan_export(spec, label, export_hits)
                except Exception as exc:
                    count, error = 0, CollectionError(label, "payloads", "internal", one_line(exc, self.redact))
                scan.hits += export_hits
                self.progress.advance("export scan", files=1, records=count)
                if error is None:
                    scan.scanned[(label, f"exports/{spec.path.name}")] += count
                else:  # not "no card number in N records": the records after the error were never read
                    scan.errors.setdefault(label, []).append(error)
        return scan

    def tls_reports(self) -> list[ProbedEndpoint]:
        return self._once("tls_reports", self._probe)

    def _probe(self) -> list[ProbedEndpoint]:
        from urllib.parse import urlsplit

        from vendor_audit.tlsprobe import probe

        profile = self._require_profile()
        targets: dict[tuple[str, int], list[str]] = {}
        for vendor in profile.vendors:
            parts = urlsplit(vendor.base_url)
            targets.setdefault((parts.hostname or "", parts.port or 443), []).append(vendor.name)
        for url in profile.tls_endpoints:
            parts = urlsplit(url)
            targets.setdefault((parts.hostname or "", parts.port or 443), ["endpoint"])
        deadline = self._run_deadline()
        with phase(self.progress, "TLS probes", total=len(targets), unit="endpoints"):
            outcomes = in_daemon_threads(
                {
                    key: _counted(self.progress, "TLS probes", functools.partial(probe, *key, ca_file=profile.ca_file))
                    for key in targets
                },
                "tls",
                deadline=deadline.at,
            )
        probed = []
        for key, outcome in outcomes.items():
            if isinstance(outcome, TimeoutError):
                cause = self._past_deadline(f"the TLS probe of {key[0]}:{key[1]}")
                outcome = TLSReport(key[0], key[1], error=cause)
            if isinstance(outcome, BaseException):
                if not isinstance(outcome, Exception):
                    raise outcome
                outcome = TLSReport(key[0], key[1], error=f"the TLS probe stopped on {one_line(outcome, self.redact)}")
            probed += [ProbedEndpoint(vendor, outcome) for vendor in targets[key]]  # one verdict per vendor
        self._certificates = [
            {"vendor": p.vendor, "endpoint": p.report.address, **c.as_json()} for p in probed for c in p.report.chain
        ]
        return probed

    def flow_tls(self) -> dict[str, TLSReport]:
        """TLS reports of the https destinations of every vendor's data flows that the allow-list permits, by host:port.

        A destination off the allow-list fails as such and is not probed: the audit does not reach out to hosts
        the brand has not approved (and the tests reach 127.0.0.1 only).
        """
        return self._once("flow_tls", self._probe_flows)

    def _flow_targets(self) -> list[tuple[str, int]]:
        from fnmatch import fnmatchcase
        from urllib.parse import urlsplit

        allowed = self._require_profile().flows.allowed_destinations
        targets: list[tuple[str, int]] = []
        for snapshot in self.snapshots().values():
            for flow in snapshot.data_flows or ():
                parts = urlsplit(flow.destination or "")
                host = (parts.hostname or "").lower()
                if parts.scheme != "https" or not host or not any(fnmatchcase(host, glob) for glob in allowed):
                    continue
                try:
                    key = (host, parts.port or 443)
                except ValueError:  # a port that is no port: the check says so from the URL
                    continue
                if key not in targets:
                    targets.append(key)
        return targets

    def _probe_flows(self) -> dict[str, TLSReport]:
        from vendor_audit.tlsprobe import probe

        profile = self._require_profile()
        targets = self._flow_targets()
        deadline = self._run_deadline()
        probes = phase(self.progress, "data flow TLS probes", total=len(targets), unit="endpoints")
        with probes if targets else contextlib.nullcontext():
            outcomes = in_daemon_threads(
                {
                    key: _counted(
                        self.progress, "data flow TLS probes", functools.partial(probe, *key, ca_file=profile.ca_file)
                    )
                    for key in targets
                },
                "flow-tls",
                deadline=deadline.at,
            )
        reports: dict[str, TLSReport] = {}
        for key, outcome in outcomes.items():
            if isinstance(outcome, TimeoutError):
                outcome = TLSReport(key[0], key[1], error=self._past_deadline(f"the TLS probe of {key[0]}:{key[1]}"))
            if isinstance(outcome, BaseException):
                if not isinstance(outcome, Exception):
                    raise outcome
                outcome = TLSReport(key[0], key[1], error=f"the TLS probe stopped on {one_line(outcome, self.redact)}")
            reports[f"{key[0]}:{key[1]}"] = outcome
        return reports

    def _flow_inventory(self) -> list[dict[str, Any]]:
        """Every data flow the connectors found, for the report's inventory; empty when nothing was collected."""
        snapshots = self._cache.get("snapshots")
        if not isinstance(snapshots, dict):  # not collected, or the collection failed
            return []
        rows: list[dict[str, Any]] = []
        for name, snapshot in snapshots.items():
            for flow in snapshot.data_flows or ():
                rows.append(
                    {
                        "vendor": name,
                        "kind": flow.kind,
                        "id": flow.id,
                        "name": flow.name,
                        "destination": flow.destination or "",
                        "active": flow.active,
                        "topics": list(flow.topics),
                        "secret_headers": list(flow.secret_headers),
                        "source": flow.source,
                    }
                )
        return rows

    def kpi(self) -> KpiResult:
        """The KPIs recomputed once from the profile's raw exports (vendor_audit.kpi), for the service-level checks."""
        return self._once("kpi", self._compute_kpi)

    def _compute_kpi(self) -> KpiResult:
        from vendor_audit.kpi import compute, sources_from_exports

        sources = sources_from_exports(self._require_profile().exports)
        with phase(self.progress, "service levels from the exports") if sources else contextlib.nullcontext():
            return compute(sources)

    def _service_levels(self) -> list[dict[str, Any]]:
        """The recomputed KPI rows for the report, each first-reply row with what its charts need.

        Empty when no check asked for the KPIs (nothing is computed for the report alone) or they failed.
        """
        from vendor_audit.kpi import KpiResult
        from vendor_audit.service_levels import service_level_rows

        result = self._cache.get("kpi")
        if not isinstance(result, KpiResult):
            return []
        profile = self._require_profile()
        return service_level_rows(result, profile.sla.targets)

    def segmentation(self) -> list[Segmentation]:
        """Each sandbox/production pair of the profile, each account handed the other's credentials once."""
        return self._once("segmentation", self._probe_segmentation)

    def _probe_segmentation(self) -> list[Segmentation]:
        from vendor_audit import connectors

        profile = self._require_profile()
        return connectors.probe_segmentation(profile, environ=self.options.environ, deadline=self._run_deadline())

    def sandbox_refusals(self, vendors: Iterable[str]) -> list[str]:
        """One line for each of `vendors` whose agent workflow writes but whose account is not proven a sandbox.

        Sandbox mode only: the vendor's own proof is asked (connectors.prove_sandbox), before anything is written;
        in production mode nothing is written, so nothing is asked.
        """
        from vendor_audit import connectors
        from vendor_audit.vendors import lookup

        profile = self._require_profile()
        if profile.read_only:
            return []
        refused = []
        for vendor in (v for v in profile.vendors if v.name in set(vendors)):
            connector = connectors.open_connector(profile, vendor, environ=self.options.environ)
            try:
                writing = [s for s in lookup(vendor.type).workflow(connector, True) if s.writes]
                proof = connectors.prove_sandbox(connector) if writing else None
                if proof is not None and not proof.proven:
                    refused.append(self.redact(proof.refusal(f"the load test's writes ({writing[0].name})")))
            finally:
                for session in connector.sessions:
                    session.close()
        return refused

    def export_reports(self) -> list[tuple[ExportSpec, ExportReport | str]]:
        return self._once("export_reports", self._validate_exports)

    def _validate_exports(self) -> list[tuple[ExportSpec, ExportReport | str]]:
        from vendor_audit.exports import validate_export

        results: list[tuple[ExportSpec, ExportReport | str]] = []
        exports = self._require_profile().exports
        validation = phase(self.progress, "export validation", total=len(exports), unit="files")
        with validation if exports else contextlib.nullcontext():
            for spec in exports:
                try:
                    results.append((spec, validate_export(spec.path, spec.format, spec.schema)))
                except FileNotFoundError:
                    results.append((spec, f"export file {spec.path} does not exist"))
                except Exception as exc:
                    results.append((spec, f"cannot validate {spec.path}: {one_line(exc, self.redact)}"))
                done = results[-1][1]
                self.progress.advance(
                    "export validation", files=1, records=0 if isinstance(done, str) else done.records
                )
        return results

    # -- checks ------------------------------------------------------------------------------------------------

    def recorder(self, spec: CheckSpec, sink: list[tuple[str, object]] | None = None) -> Audit:
        waivers = self.profile.waivers if self.profile else ()
        return Audit(spec, sink, waivers, dt.date.today(), self.redact)

    def end_check(
        self, spec: CheckSpec, recorder: Audit | None, *, cause: str | None = None, skipped: str | None = None
    ) -> list[Finding]:
        """Make one check's verdict complete; returns its findings (those it recorded and those the engine added).

        `cause`: why the check (or a fixture it needed) stopped; `skipped`: why pytest skipped it.
        """
        audit = recorder or self.recorder(spec)
        per_vendor = self._in_scope.get(spec.id, (spec, True))[1]
        why = None
        if skipped is not None:  # a skip is no verdict: the check did not look
            why = f"The check was skipped ({self.redact(' '.join(skipped.split()))[:300]}), so it did not look."
        elif cause is not None:
            why = f"The check stopped, so it could not look: {self.redact(' '.join(cause.split()))[:400]}."
        seen = {f.vendor for f in audit.findings}
        exempt = set(self.vendor_names) if "-" in audit.not_applicable_to else audit.not_applicable_to
        missing = [v for v in self.vendor_names if v not in seen and v not in exempt] if per_vendor else []
        if why is not None:  # an error for each vendor it did not reach, or one for the run when it reached all
            for vendor in missing or ["-"]:
                audit.error(vendor=vendor, resource="-", message=why)
        elif not audit.findings:
            audit.error(vendor="-", resource="-", message="The check recorded no finding, so it did not look.")
        else:
            for vendor in missing:
                audit.error(
                    vendor=vendor,
                    resource="-",
                    message=f"The check recorded no finding for {vendor}, so it did not look there: "
                    f"{self._why_not(vendor)}.",
                )
        # A parametrized check ends once per parameter set: each adds its findings.
        self._ended.setdefault(spec.id, []).extend(audit.findings)
        return list(audit.findings)

    def _why_not(self, vendor: str) -> str:
        snapshots = self._cache.get("snapshots")
        if isinstance(snapshots, dict) and vendor in snapshots:
            errors = snapshots[vendor].errors
            if errors:
                return "; ".join(sorted({e.message for e in errors}))[:300]
        return "no data about it reached the check"

    def for_terminal(self, text: str) -> str:
        """`text` through the run's redactor as a terminal needs it; the run's secrets once start() knows them."""
        return self.redact.for_terminal(text)

    def interrupt(self, reason: str) -> None:
        self.interrupted = self.interrupted or reason

    # -- publish -----------------------------------------------------------------------------------------------

    def publish(
        self,
        *,
        outcome: int = 0,
        extra_findings: Sequence[Finding] = (),
        extra_checks: Sequence[CheckSpec] = (),
        load: LoadAttachment | None = None,
    ) -> AuditRun:
        """Write what the run learned: evidence, history, every report, the signature.

        Never raises for the run's own trouble (an unwritable history, a bad key): that becomes a problem of the
        run and exit 2.

        `outcome` is the consumer's own status (pytest's): a session that broke makes the run's exit code 2.
        """
        self.publishing = True  # from here a signal is noted, not raised: the run is being written
        findings = [f for found in self._ended.values() for f in found]
        for check_id, (spec, per_vendor) in self._in_scope.items():
            if check_id not in self._ended:  # never ran or never ended: say so, for every vendor it owed
                why = (
                    f"the run was interrupted ({self.interrupted}) before this check ended"
                    if self.interrupted
                    else "; ".join(self.problems) or "the check never ran"
                )
                audit = self.recorder(spec)
                for vendor in (self.vendor_names or ["-"]) if per_vendor else ["-"]:
                    audit.error(vendor=vendor, resource="-", message=f"Not checked: {why}.")
                findings += audit.findings
        specs = [spec for spec, _ in self._in_scope.values()]
        declared = list(self._declared)
        problems = list(self.problems)
        load_attachment = load
        if self.options.load_run is not None:
            try:
                more_specs, more_findings, load_attachment = _read_load_run(self.options.load_run, self.run_dir)
                known = {s.id for s in specs}
                specs += [s for s in more_specs if s.id not in known]
                declared += [s for s in more_specs if s.id not in {d.id for d in declared}]
                findings += more_findings
            except (OSError, ValueError, KeyError, TypeError) as exc:
                problems.append(f"--load-run {self.options.load_run}: not a load run directory ({exc})")
        known = {s.id for s in specs}
        specs += [s for s in extra_checks if s.id not in known]
        declared += [s for s in extra_checks if s.id not in {d.id for d in declared}]
        findings += extra_findings
        for spec in extra_checks:  # a gate that recorded nothing did not look either
            if not any(f.check_id == spec.id for f in findings):
                findings.append(
                    self.recorder(spec).error(
                        vendor="-", resource="-", message="The check recorded no finding, so it did not look."
                    )
                )
        signing_key = None
        if self.options.sign_key is not None:
            from vendor_audit.reports.bundle import private_fingerprint

            try:
                signing_key = private_fingerprint(self.options.sign_key)
            except (OSError, ValueError) as exc:
                problems.append(f"--sign-key {self.options.sign_key}: cannot use it to sign ({exc}); not signed")
        if self.interrupted:
            state, reason = RunState.INTERRUPTED, f"interrupted by {self.interrupted}"
        elif self.narrowed:
            state, reason = RunState.PARTIAL, self.narrowed
        else:
            state, reason = RunState.COMPLETE, ""
        could_not_run = (
            bool(problems) or state is RunState.INTERRUPTED or any(f.status is Status.ERROR for f in findings)
        )
        # The consumer's trouble (pytest interrupted, an internal or usage error) is the run's; its own tests are not.
        code = max(exit_code(findings, self.options.fail_on, could_not_run=could_not_run), _cannot_run(outcome))
        profile = self.profile
        today = dt.date.today()
        run = AuditRun(
            run_id=self.run_id,
            started=self.started,
            finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            profile_name=profile.name if profile else "",
            mode=profile.mode if profile else "",
            findings=tuple(findings),
            checks=tuple(specs),
            fail_on=self.options.fail_on,
            exit_code=code,
            problems=tuple(problems),
            state=state,
            state_reason=reason,
            vendors=tuple(VendorRef(v.name, v.type, v.base_url) for v in profile.vendors) if profile else (),
            sandbox=self.sandbox,
            collection_seconds=self._collection_seconds,
            check_seconds={k: round(v, 3) for k, v in self.check_seconds.items()},
            certificates=tuple(self._certificates),
            data_flows=tuple(self._flow_inventory()),
            service_levels=tuple(self._service_levels()),
            expired_waivers=tuple(
                ExpiredWaiver(w.check, w.resource, w.owner, w.expires.isoformat())
                for w in (profile.waivers if profile else ())
                if w.expires < today
            ),
            evidence_max_age_days=profile.evidence_max_age_days if profile else None,
            coverage=tuple(coverage(declared, specs, findings)),
            signing_key=signing_key,
            load=load_attachment,
        )
        run = self._write(run)
        self.result = run
        return run

    def _write(self, run: AuditRun) -> AuditRun:
        from vendor_audit.reports import redact_run, write_reports

        # Every string of the run passes the run's redactor once more before it is written anywhere (history,
        # reports, evidence): what reached the run without going through a recorder is caught here.
        redactor = self.redact
        run = redact_run(run, redactor)
        try:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            if self._collection is not None:
                evidence = redact_json(self._collection.recorder.as_json(), redactor)
                (self.run_dir / "evidence.json").write_text(json.dumps(evidence, indent=1) + "\n", encoding="utf-8")
                self.writes += self._collection.settle_writes()  # undone, where the vendor allows, before listed
            if self.writes:
                listed = redact_json(self.writes, redactor)
                (self.run_dir / "writes.json").write_text(json.dumps(listed, indent=1) + "\n", encoding="utf-8")
        except OSError as exc:
            return dataclasses.replace(
                run, problems=(*run.problems, f"{self.run_dir}: cannot write the run ({exc.strerror})"), exit_code=2
            )
        if self.profile is not None:  # a run that could not start is no base for the next comparison
            run = self._record_history(run)
        try:
            run = write_reports(run, self.run_dir, redactor, self.options.output_formats)
            if run.signing_key and self.options.sign_key is not None:
                from vendor_audit.reports.bundle import sign_run

                sign_run(self.run_dir, self.options.sign_key)
        except Exception as exc:  # a report that cannot be written: the run could not be published whole
            problem = f"{self.run_dir}: the reports could not all be written ({one_line(exc, redactor)})"
            run = dataclasses.replace(run, problems=(*run.problems, problem), exit_code=2)
            if self.profile is not None and run.findings:
                with contextlib.suppress(Exception):  # the history must not keep the run as a clean one
                    self._history().record(self._as_recorded(run), run.evidence_max_age_days)
            # Whatever can still be written, is, and says exit 2: no report is left telling the verdict of before.
            try:
                run = write_reports(run, self.run_dir, redactor, self.options.output_formats, best_effort=True)
            except Exception:
                with contextlib.suppress(Exception):
                    from vendor_audit.reports import render_findings_json

                    (self.run_dir / "findings.json").write_text(render_findings_json(run), encoding="utf-8")
        return run

    def _history(self) -> Any:
        from vendor_audit.reports.history import HISTORY_FILE, History

        return History(self.run_dir.parent / HISTORY_FILE)

    def _as_recorded(self, run: AuditRun) -> AuditRun:
        if self.options.history_profile_suffix:  # `load` keeps its own line of history beside the audits'
            return dataclasses.replace(run, profile_name=run.profile_name + self.options.history_profile_suffix)
        return run

    def _record_history(self, run: AuditRun) -> AuditRun:
        from vendor_audit.reports.history import HistoryError

        if not run.findings:
            return run
        history = self._history()
        recorded = self._as_recorded(run)
        baseline = self.options.baseline
        if baseline and run.state is RunState.INTERRUPTED:
            run = dataclasses.replace(
                run, problems=(*run.problems, f"not recorded as baseline {baseline}: the run was interrupted")
            )
            baseline = None
        try:
            history.record(recorded, run.evidence_max_age_days, baseline)
            drift = history.diff(self.options.compare_to, run.run_id)
            trend = history.trend(run.run_id, TREND_RUNS)
        except (HistoryError, sqlite3.Error, OSError) as exc:
            problem = f"history {history.path}: {exc}" if not isinstance(exc, HistoryError) else str(exc)
            return dataclasses.replace(run, problems=(*run.problems, problem), exit_code=2)
        self.drift = drift
        return dataclasses.replace(run, drift=drift.as_json() if drift else None, trend=tuple(trend))


def _counted(progress: Progress, name: str, task: Callable[[], T]) -> Callable[[], T]:
    """`task`, counted as one of the phase's endpoints when it ends (it runs in its own thread)."""

    def run() -> T:
        try:
            return task()
        finally:
            progress.advance(name, endpoints=1)

    return run


def _cannot_run(outcome: int) -> int:
    """2 when pytest's status says the session itself broke (interrupted, internal or usage error), else 0.

    A user's own failing test (1) fails the pytest session, not the audit's record.
    """
    return 0 if outcome in (0, 1, 5) else 2


def scan_vendor(snapshot: VendorSnapshot, hits: list[Hit]) -> int:
    """Scan one vendor's payload stream into `hits`; returns how many payloads were read.

    The messages of one conversation (payloads under one parent resource) are read as the scanner reads
    a list of messages in a record: each field's text on its own, and a number split over consecutive
    messages joined (vendor_audit.pan.Joiner).
    """
    count = 0
    thread = ""
    joiners: dict[str, Joiner] = {}
    seen: dict[str, Payload] = {}

    def flush() -> None:
        for joiner in joiners.values():
            hits.extend(Hit(seen[w].vendor, seen[w].resource, seen[w].field, m) for w, m in joiner.flush())
        joiners.clear()
        seen.clear()

    for payload in snapshot.iter_payloads():
        count += 1
        hits += [
            Hit(payload.vendor, payload.resource, payload.field, m) for m in scan_text(payload.text, payload.field)
        ]
        parent = payload.resource.rsplit("/", 2)[0]
        if parent != thread:
            flush()
        thread = parent
        where = f"{payload.resource}#{payload.field}"
        seen[where] = payload
        for first, match in joiners.setdefault(payload.field, Joiner()).feed(payload.text, where, payload.field):
            hits.append(Hit(seen[first].vendor, seen[first].resource, seen[first].field, match))
    flush()
    return count


def scan_export(spec: ExportSpec, label: str, hits: list[Hit]) -> tuple[int, CollectionError | None]:
    """Scan one export file into `hits` by the reader `vendor-audit scan` uses; returns how many records it has."""
    from vendor_audit.boundedio import InputError, Limits, open_binary
    from vendor_audit.exports import iter_records
    from vendor_audit.scanfiles import scan_file

    resource = f"exports/{spec.path.name}"
    try:
        count = 0
        if spec.format != "ndjson":  # first: a JSON export that is not an array of records is not scanned as one
            count = sum(1 for _ in iter_records(spec.path, spec.format))
        for where, match in scan_file(spec.path, spec.format, Limits()):
            location = f"line {where['line']}" if "line" in where else "file"
            hits.append(Hit(label, resource, f"{location} {where.get('pointer', '')}".strip(), match))
        if spec.format == "ndjson":  # records counted at C speed: the scan above did not parse them all
            with open_binary(spec.path, Limits()) as handle:
                count = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))
    except OSError as exc:
        return 0, CollectionError(label, "payloads", "export", f"cannot read {spec.path}: {exc.strerror}")
    except InputError as exc:  # too long a line, too deep, not an array of records: nothing was scanned past it
        return 0, CollectionError(label, "payloads", "export", f"cannot scan {spec.path}: {exc}")
    return count, None


def _read_load_run(load_dir: Path, run_dir: Path) -> tuple[list[CheckSpec], list[Finding], LoadAttachment]:
    """A load run's gates join the audit's findings; its numbers and chart are copied in as evidence."""
    document = json.loads((load_dir / "load.json").read_text(encoding="utf-8"))
    report = json.loads((load_dir / "findings.json").read_text(encoding="utf-8"))
    target = run_dir / "load"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("load.json", "latency.svg", "findings.json"):
        if (load_dir / name).exists():
            shutil.copyfile(load_dir / name, target / name)
    chart = (load_dir / "latency.svg").read_text(encoding="utf-8") if (load_dir / "latency.svg").exists() else ""
    specs = [
        CheckSpec(raw["id"], raw["title"], Severity(raw["severity"]), tuple(raw["controls"]), raw["remediation"])
        for raw in report["checks"]
    ]
    findings = [Finding.from_json(raw) for raw in report["findings"]]
    return specs, findings, LoadAttachment(run_id=report["run_id"], document=document, chart_svg=chart)


_WORST = ("fail", "error", "manual", "waived", "pass", "not_applicable")


def coverage(
    declared: Sequence[CheckSpec], ran: Sequence[CheckSpec], findings: Sequence[Finding]
) -> list[dict[str, Any]]:
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
    for catalog in catalogs():
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
