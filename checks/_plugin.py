"""The pytest plugin (entry point `vendor_audit`): a thin adapter between pytest and the audit engine.

    pytest --audit-profile audit.toml            the audit's checks, beside the suite's own tests
    pytest --audit-sandbox leaky                 the same against the bundled sandbox
    vendor-audit run audit.toml                  the same suite, run in-process by the CLI

Options become the session's `AuditOptions`; fixtures ask the session for the data the checks read; hooks
hand each check's findings back to the session, which makes the verdict complete and publishes the run.
Inert unless an audit is asked for: other suites in the same environment see only its options.
"""

from __future__ import annotations

import importlib
import signal
import sys
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from vendor_audit.catalogs import catalogs
from vendor_audit.engine import AuditOptions, AuditSession, CannotRun, PayloadScan, ProbedEndpoint, one_line
from vendor_audit.exports import ExportReport
from vendor_audit.findings import AuditRun, CheckSpec, Finding, Severity, Status
from vendor_audit.kpi import KpiResult
from vendor_audit.model import VendorSnapshot
from vendor_audit.profile import ExportSpec, Profile
from vendor_audit.recorder import FINDING_PROPERTY, Audit
from vendor_audit.redact import Redactor, for_terminal
from vendor_audit.reports.junit import check_properties, check_status, finding_line, run_properties, status_counts
from vendor_audit.segmentation import Segmentation
from vendor_audit.tlsprobe import TLSReport

CHECKS_DIR = Path(__file__).resolve().parent
STATE = pytest.StashKey["Adapter"]()
AUDIT = pytest.StashKey[Audit]()
SCENARIOS = ("clean", "leaky")
_XDIST_REFUSED = (
    "vendor-audit: an audit is one run with one collection of vendor data; pytest-xdist (-n/--dist) would split it "
    "into several. Run the audit without -n (its checks share one collection and are quick)."
)


class Adapter:
    """What the plugin keeps for one pytest run: the session, its check items, and how the run ended."""

    def __init__(self, session: AuditSession | None, *, add_checks: bool) -> None:
        self.session = session
        self.add_checks = add_checks  # add the package's checks (an audit was asked for)
        self.items: list[pytest.Item] = []
        self.well_declared = False
        self.signal_name: str | None = None
        self.previous_handlers: dict[int, Any] = {}
        self.published = False
        self.unloaded: list[tuple[str, str]] = []  # check modules that could not be imported, and why
        self.suite_property: Callable[[str, object], None] | None = None  # pytest's record_testsuite_property


# -- options and set-up ------------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("audit", "vendor compliance audit (vendor-audit)")
    group.addoption(
        "--audit-profile", metavar="TOML", help="audit the vendors of this profile: adds the audit's checks to the run"
    )
    group.addoption(
        "--audit-sandbox",
        metavar="SCENARIO",
        choices=SCENARIOS,
        help="audit the bundled sandbox (clean or leaky) instead of a profile",
    )
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
    group.addoption(
        "--audit-output-formats",
        metavar="FORMATS",
        help="comma-separated reports to write, from json,junit,csv,html,oscal,sarif,ocsf (default: all); "
        "findings.json is always written: it is the run's record, which the history, diff and verify read",
    )


def options_from(config: pytest.Config, *, profile: str | None, scenario: str) -> AuditOptions:
    def path(name: str) -> Path | None:
        value = config.getoption(name)
        return Path(value) if value else None

    return AuditOptions(
        profile=Path(profile) if profile else None,
        scenario=scenario,
        fail_on=Severity(config.getoption("--audit-fail-on")),
        report_dir=Path(config.getoption("--audit-report-dir")),
        run_id=config.getoption("--audit-run-id"),
        sign_key=path("--audit-sign-key"),
        load_run=path("--audit-load-run"),
        compare_to=config.getoption("--audit-compare-to"),
        baseline=config.getoption("--audit-baseline"),
        output_formats=_output_formats(config),
    )


def _output_formats(config: pytest.Config) -> tuple[str, ...] | None:
    from vendor_audit.reports import parse_formats

    text = config.getoption("--audit-output-formats")
    try:
        return parse_formats(text) if text is not None else None
    except ValueError as exc:  # exit 2 as `vendor-audit run` does, not pytest's usage error (4)
        pytest.exit(f"vendor-audit: {exc}", returncode=2)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "audit_check(spec): a vendor-audit check and its metadata")
    # The CLI hands its session to pytest.main as a plugin object.
    given = next((p for p in config.pluginmanager.get_plugins() if isinstance(p, AuditSession)), None)
    profile, scenario = config.getoption("--audit-profile"), config.getoption("--audit-sandbox")
    if isinstance(given, AuditSession):
        adapter = Adapter(given, add_checks=True)
    elif profile or scenario:
        adapter = Adapter(
            AuditSession(options_from(config, profile=profile, scenario=scenario or "leaky")), add_checks=True
        )
    else:
        adapter = Adapter(None, add_checks=False)  # a session appears only if audit checks are collected
    config.stash[STATE] = adapter
    if adapter.session is None:
        return
    if _distributed(config):
        adapter.published = True  # nothing ran, nothing to publish
        pytest.exit(_XDIST_REFUSED, returncode=2)
    _trap_signals(adapter)


def _distributed(config: pytest.Config) -> bool:
    return bool(getattr(config.option, "numprocesses", None)) or getattr(config.option, "dist", "no") != "no"


def _trap_signals(adapter: Adapter) -> None:
    """SIGTERM (systemd stop, CI cancel, `timeout`) ends the run as Ctrl-C does: published, marked interrupted.

    Both handlers note which signal it was, so the run says so (and a collection error, which pytest also reports
    as an interruption, is not mistaken for one).
    """
    if sys.platform == "win32" or not _in_main_thread() or adapter.previous_handlers:
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        adapter.signal_name = adapter.signal_name or signal.Signals(signum).name
        if adapter.session is not None and adapter.session.publishing:
            return  # the run is being written: stopping now would lose it; it ends right after
        raise KeyboardInterrupt

    for signum in (signal.SIGINT, signal.SIGTERM):
        adapter.previous_handlers[signum] = signal.signal(signum, stop)


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def pytest_unconfigure(config: pytest.Config) -> None:
    adapter = config.stash.get(STATE, None)
    if adapter is None or adapter.session is None:
        return
    adapter.session.close()
    for signum, handler in adapter.previous_handlers.items():
        signal.signal(signum, handler)


# -- collection: the package's checks are added by import name, never by path ------------------------------


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # Collected by path, checks/ would import as a top-level `checks` package (and clash with a project's own).
    if collection_path.resolve() == CHECKS_DIR or CHECKS_DIR in collection_path.resolve().parents:
        return True
    return None


class _CheckModule(pytest.Module):
    """A module of the checks package, imported by its package name."""

    import_name = ""

    def _getobj(self) -> Any:
        return importlib.import_module(self.import_name)


def _package_checks(session: pytest.Session) -> list[pytest.Item]:
    items: list[pytest.Item] = []
    for path in sorted(CHECKS_DIR.rglob("test_*.py")):
        relative = path.relative_to(CHECKS_DIR).with_suffix("")
        module = _CheckModule.from_parent(
            session, path=path, nodeid="vendor_audit/checks/" + relative.as_posix() + ".py"
        )
        module.import_name = "vendor_audit.checks." + ".".join(relative.parts)
        items += session.genitems(module)  # as pytest's own collection: reported, counted, errors shown
    return items


def pytest_collectreport(report: pytest.CollectReport) -> None:
    """A check module that cannot be imported is a check that did not run: it stays in the report, as an error."""
    if report.failed and report.nodeid.startswith(_CHECKS_NODEID):
        _UNLOADED.append((report.nodeid, " ".join(str(report.longrepr).split())[-300:]))


_CHECKS_NODEID = "vendor_audit/checks/"
_UNLOADED: list[tuple[str, str]] = []  # (nodeid, why) gathered while the package's checks are collected


def _unloaded_spec(nodeid: str) -> CheckSpec:
    check_id = Path(nodeid).stem.removeprefix("test_")
    return CheckSpec(
        id=check_id if "_" in check_id else f"{check_id}_check",
        title=f"The check module {Path(nodeid).name} loads and runs",
        severity=Severity.HIGH,
        controls=("vendor_audit:check_module",),
        remediation="Fix the import error shown (a broken install or a plugin shadowing the module) and rerun.",
    )


def _spec(item: pytest.Item) -> CheckSpec | None:
    marker = item.get_closest_marker("audit_check")
    return marker.args[0] if marker and marker.args and isinstance(marker.args[0], CheckSpec) else None


def _per_vendor(spec: CheckSpec) -> bool:
    from vendor_audit.checks import RUN_WIDE

    return spec.id not in RUN_WIDE


@pytest.hookimpl(tryfirst=True)  # before -k and -m deselect: coverage tells "not tested in this run" from "no check"
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    adapter = config.stash[STATE]
    problems: list[str] = []
    if adapter.add_checks:
        _UNLOADED.clear()
        try:
            items[:0] = _package_checks(session)
            adapter.unloaded = list(_UNLOADED)
        except Exception as exc:  # a check module that does not import: the audit cannot vouch for anything
            problems.append(f"the audit's checks could not be loaded: {exc.__class__.__name__}: {exc}")
    known = {f"{c.key}:{r.id}" for c in catalogs() for r in c.requirements}
    audit_items = []
    for item in items:
        spec = _spec(item)
        if spec is None:
            continue
        audit_items.append(item)
        name = getattr(item, "originalname", item.name)
        if name != f"test_{spec.id}" or Path(str(item.path)).stem != f"test_{spec.id}":
            problems.append(f"{item.nodeid}: check id {spec.id!r} must match the function and file name test_{spec.id}")
        problems += [f"{item.nodeid}: unknown control {c!r}" for c in spec.controls if c not in known]
        if "audit" not in getattr(item, "fixturenames", ()):
            problems.append(f"{item.nodeid}: a check records findings through the `audit` fixture")
    if problems:
        adapter.published = True
        pytest.exit("vendor-audit: the checks are not well declared:\n  " + "\n  ".join(problems), returncode=2)
    if audit_items and adapter.session is None:  # a suite of its own checks, no profile: the bundled sandbox
        if _distributed(config):
            adapter.published = True
            pytest.exit(_XDIST_REFUSED, returncode=2)
        adapter.session = AuditSession(options_from(config, profile=None, scenario="leaky"))
        _trap_signals(adapter)
    adapter.items = audit_items
    adapter.well_declared = True


def pytest_collection_finish(session: pytest.Session) -> None:
    adapter = session.config.stash[STATE]
    engine = adapter.session
    if engine is None or not adapter.well_declared or session.config.option.collectonly:
        return
    declared = [s for s in (_spec(i) for i in adapter.items) if s is not None]
    selected = [item for item in session.items if _spec(item) is not None]
    adapter.items = selected
    in_scope = [(s, _per_vendor(s)) for s in (_spec(i) for i in selected) if s is not None]
    lost = [(_unloaded_spec(nodeid), why) for nodeid, why in adapter.unloaded]
    in_scope += [(spec, False) for spec, _ in lost]
    engine.declare(declared, in_scope, narrowed=_narrowing(session.config, len(in_scope) - len(lost), len(declared)))
    for spec, why in lost:
        engine.end_check(spec, None, cause=f"its module could not be loaded: {why}")
    if not selected and adapter.add_checks:  # an audit was asked for, and the selection left none of its checks
        adapter.published = True
        pytest.exit(
            "vendor-audit: no audit check is left after -k/-m/--deselect: the audit did not look; select at least "
            "one check (vendor-audit run -k lists them as they run) or drop --audit-profile/--audit-sandbox",
            returncode=2,
        )
    if not selected:
        return
    try:
        engine.start()
    except CannotRun as exc:
        _publish(session, 2)
        pytest.exit(for_terminal(f"vendor-audit: {exc}", _redactor(engine)), returncode=2)


def _narrowing(config: pytest.Config, ran: int, declared: int) -> str | None:
    if ran >= declared:
        return None
    how = [
        f"{flag} {value!r}" for flag, value in (("-k", config.option.keyword), ("-m", config.option.markexpr)) if value
    ]
    return f"narrowed to {ran} of {declared} checks" + (f" ({', '.join(how)})" if how else "")


# -- fixtures: data is collected once per session and only read by checks ----------------------------------


def _engine(request: pytest.FixtureRequest) -> AuditSession:
    adapter = request.config.stash[STATE]
    if adapter.session is None or adapter.session.profile is None:
        pytest.skip("no audit in this run (give --audit-profile or --audit-sandbox)")
    return adapter.session


@pytest.fixture(scope="session")
def profile(request: pytest.FixtureRequest) -> Profile:
    found = _engine(request).profile
    assert found is not None  # noqa: S101 - _engine skipped otherwise
    return found


@pytest.fixture(scope="session")
def snapshots(request: pytest.FixtureRequest) -> dict[str, VendorSnapshot]:
    return _engine(request).snapshots()


@pytest.fixture(scope="session")
def payload_scan(request: pytest.FixtureRequest) -> PayloadScan:
    """Every payload of every vendor and every export record, scanned once for PANs and SAD."""
    return _engine(request).payload_scan()


@pytest.fixture(scope="session")
def tls_reports(request: pytest.FixtureRequest) -> list[ProbedEndpoint]:
    return _engine(request).tls_reports()


@pytest.fixture(scope="session")
def flow_tls(request: pytest.FixtureRequest) -> dict[str, TLSReport]:
    """TLS reports of the allow-listed https destinations of the vendors' data flows, by "host:port"."""
    return _engine(request).flow_tls()


@pytest.fixture(scope="session")
def kpi(request: pytest.FixtureRequest) -> KpiResult:
    """The KPIs recomputed once from the profile's raw exports (tickets' SLA clocks, ratings, surveys)."""
    return _engine(request).kpi()


@pytest.fixture(scope="session")
def export_reports(request: pytest.FixtureRequest) -> list[tuple[ExportSpec, ExportReport | str]]:
    return _engine(request).export_reports()


@pytest.fixture(scope="session")
def segmentation(request: pytest.FixtureRequest) -> list[Segmentation]:
    """Each sandbox/production pair the profile names, each account handed the other's credentials."""
    return _engine(request).segmentation()


@pytest.fixture(scope="session", autouse=True)
def _vendor_audit_suite_properties(request: pytest.FixtureRequest) -> None:
    """Keeps pytest's writer of <testsuite> properties (a no-op without --junitxml) for the run's facts.

    They are known only once the run is published, after the last check; autouse so that it is at hand even
    when every check stops in its own fixtures. Looked up by name: `-p no:junitxml` removes the fixture.
    """
    adapter = request.config.stash[STATE]
    if adapter.session is not None and request.config.pluginmanager.has_plugin("junitxml"):
        adapter.suite_property = request.getfixturevalue("record_testsuite_property")


@pytest.fixture
def audit(request: pytest.FixtureRequest) -> Audit:
    spec = _spec(request.node)
    if spec is None:
        raise pytest.UsageError("the `audit` fixture belongs to checks declared with @check")
    recorder = _engine(request).recorder(spec)  # the case's properties are added once it ends: _ended
    request.node.stash[AUDIT] = recorder
    return recorder


# -- outcome of each check, and of the run -----------------------------------------------------------------


def _fail_if_bad(findings: list[Any], fail_on: Severity) -> None:
    bad = [
        f for f in findings if f.status is Status.ERROR or (f.status is Status.FAIL and f.severity.rank >= fail_on.rank)
    ]
    if bad:
        lines = [f"{f.status.value.upper()} {f.severity.value} {f.vendor} {f.resource}: {f.message}" for f in bad[:20]]
        if len(bad) > 20:
            lines.append(f"... and {len(bad) - 20} more")
        pytest.fail("\n".join(lines), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    spec = _spec(item)
    engine = item.config.stash[STATE].session
    if spec is None or engine is None:
        return (yield)
    cause = None
    try:
        result = yield
    except pytest.skip.Exception as skipped:
        _ended(item, spec, engine.end_check(spec, item.stash.get(AUDIT, None), skipped=str(skipped.msg)))
        raise
    except (KeyboardInterrupt, pytest.exit.Exception):
        raise
    except BaseException as exc:  # the check stopped: an error finding of one line, never a traceback
        # Failed below, outside this block, so no chained traceback shows the raw exception.
        cause = _cause(exc, engine.redact)
        result = None
    findings = engine.end_check(spec, item.stash.get(AUDIT, None), cause=cause)
    _fail_if_bad(_ended(item, spec, findings), engine.options.fail_on)
    return result


def _ended(item: pytest.Item, spec: CheckSpec, findings: list[Finding]) -> list[Finding]:
    """A check's findings as properties of its test case, where the JUnit flavour allows them; returns the findings.

    pytest's default junit_family, xunit2, allows properties only on the test suite
    (https://docs.pytest.org/en/stable/how-to/output.html#record-property): there the run's facts go to the suite
    when it is published (`_suite_properties`), and the failure message carries the failing findings. Every value is
    a plain string (pytest writes `str()` of whatever it is given).
    """
    config = item.config
    engine = config.stash[STATE].session
    # getattr: -p no:junitxml removes the option
    if engine is None or (getattr(config.option, "xmlpath", None) and config.getini("junit_family") == "xunit2"):
        return findings
    redact = engine.redact
    item.user_properties += [
        ("vendor_audit_status", check_status(findings)),
        ("vendor_audit_severity", spec.severity.value),
        ("vendor_audit_controls", ", ".join(spec.controls)),
        ("vendor_audit_findings", status_counts(findings)),
        *((FINDING_PROPERTY, redact(finding_line(f))) for f in findings),
    ]
    return findings


def _cause(exc: BaseException, redact: Callable[[str], str]) -> str:
    """Why a check stopped, in one redacted line (redacted before it is cut: no secret's head is left over)."""
    if isinstance(exc, CannotRun):
        return redact(str(exc))
    return one_line(exc, redact)


def _redactor(engine: AuditSession | None) -> Redactor | None:
    found = engine.redact if engine is not None else None
    return found if isinstance(found, Redactor) else None


# The fixtures that hand vendor data (page bodies, matches with their clear digits, the credentials' profile)
# to a test: a test using one, check or not, has its report redacted.
_DATA_FIXTURES = frozenset(
    {
        "profile",
        "snapshots",
        "payload_scan",
        "tls_reports",
        "flow_tls",
        "export_reports",
        "kpi",
        "segmentation",
        "audit",
    }
)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    spec = _spec(item)
    engine = item.config.stash[STATE].session
    if engine is None:
        return report
    if spec is not None:  # the case's time in the run's own junit.xml: what pytest's --junitxml counts
        engine.check_seconds[spec.id] = engine.check_seconds.get(spec.id, 0.0) + report.duration
    if spec is None and not _DATA_FIXTURES & set(getattr(item, "fixturenames", ())):
        return report
    report = _makereport(item, call, report, spec, engine)
    _redact_report(report, _redactor(engine) or Redactor())
    return report


def _redact_report(report: pytest.TestReport, redact: Redactor) -> None:
    """The report as every consumer sees it (terminal, --junitxml, -r summaries), redacted.

    longrepr is rendered to text first, so locals (--showlocals), match objects, page bodies, assertion rewriting
    and captured output carry no clear PAN, no secret of the run and no raw control character.
    """
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, line, reason), kept as pytest reads it
        where, line, said = longrepr
        report.longrepr = (redact.for_terminal(str(where)), line, redact.for_terminal(str(said)))
    elif longrepr is not None:
        report.longrepr = redact.for_terminal(report.longreprtext)
    report.sections = [(redact.for_terminal(title), redact.for_terminal(text)) for title, text in report.sections]
    reason = getattr(report, "wasxfail", None)
    if isinstance(reason, str):
        setattr(report, "wasxfail", redact.for_terminal(reason))  # noqa: B010 - set by pytest's skipping plugin


def _makereport(
    item: pytest.Item,
    call: pytest.CallInfo[None],
    report: pytest.TestReport,
    spec: CheckSpec | None,
    engine: AuditSession,
) -> pytest.TestReport:
    if spec is None or call.when != "setup" or call.excinfo is None:
        return report
    if call.excinfo.errisinstance((KeyboardInterrupt, pytest.exit.Exception)):
        return report
    if report.skipped:
        reason = str(call.excinfo.value.msg) if hasattr(call.excinfo.value, "msg") else "skipped"
        _ended(item, spec, engine.end_check(spec, item.stash.get(AUDIT, None), skipped=reason))
        return report
    # A fixture the check needed stopped (the vendor data, a scan, a probe): the check could not look.
    findings = engine.end_check(spec, item.stash.get(AUDIT, None), cause=_cause(call.excinfo.value, engine.redact))
    _ended(item, spec, findings)  # the teardown report carries them to --junitxml
    report.longrepr = "\n".join(
        f"ERROR {f.vendor} {f.resource}: {f.message}" for f in findings if f.status is Status.ERROR
    )
    return report


@pytest.hookimpl(tryfirst=True)  # before pytest's --junitxml writes its file, so the run's properties are in it
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    adapter = session.config.stash.get(STATE, None)
    if adapter is None or adapter.session is None or adapter.published or session.config.option.collectonly:
        return
    if not adapter.items:
        return
    if adapter.signal_name:
        adapter.session.interrupt(adapter.signal_name)
    elif session.shouldstop or session.shouldfail or exitstatus == pytest.ExitCode.INTERRUPTED:
        # pytest ended the session before every check ran (-x, --maxfail, pytest.exit, collection errors): the
        # run did not look everywhere, whatever stopped it.
        why = session.shouldstop or session.shouldfail or "errors during collection, shown above"
        adapter.session.interrupt(f"pytest ({why})")
    code = 2  # what stands if publishing itself breaks: the session never ends green
    try:
        run = _publish(session, int(exitstatus))
        code = run.exit_code
        _suite_properties(adapter, run)
    finally:
        session.exitstatus = max(int(exitstatus), code)  # never lower than pytest's own outcome


def _suite_properties(adapter: Adapter, run: AuditRun) -> None:
    """The published run's facts as <testsuite> properties of pytest's --junitxml, each a string a CI can show."""
    if adapter.suite_property is None or adapter.session is None:
        return
    redact = adapter.session.redact
    facts = [(f"vendor_audit.{name}", value) for name, value in run_properties(run) if value]
    facts.append(("vendor_audit.run_dir", str(adapter.session.run_dir)))
    if run.signing_key:
        facts.append(("vendor_audit.signing_key", run.signing_key))
    facts += [(f"vendor_audit.problem.{n}", problem) for n, problem in enumerate(run.problems, 1)]
    for name, value in (*facts, *check_properties(run)):
        adapter.suite_property(name, redact(value))


def _publish(session: pytest.Session, outcome: int) -> Any:
    adapter = session.config.stash[STATE]
    assert adapter.session is not None  # noqa: S101 - callers check
    adapter.published = True
    return adapter.session.publish(outcome=outcome)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    adapter = config.stash.get(STATE, None)
    engine = adapter.session if adapter is not None else None
    if engine is None or engine.result is None:
        return
    from vendor_audit.reports import REPORT_FILES, render_table

    run = engine.result
    redactor = _redactor(engine)

    def write(line: str) -> None:  # vendor text reaches the terminal only through the run's redactor
        terminalreporter.write_line(for_terminal(line, redactor))

    terminalreporter.section("vendor-audit findings")
    # A terminal gets the table fitted to its width (COLUMNS, else its size); a pipe or a file gets one line per
    # finding, whole.
    terminal = bool(getattr(terminalreporter, "isatty", False))
    width = getattr(getattr(terminalreporter, "_tw", None), "fullwidth", 0) or 80
    for line in render_table(run, width=width, terminal=terminal, redact=redactor).splitlines():
        write(line)
    if run.findings:
        from vendor_audit.reports.history import render_drift

        for line in render_drift(engine.drift):
            write(line)
    written = [name for name in REPORT_FILES if (engine.run_dir / name).is_file()]  # --audit-output-formats
    first = "report.html" if "report.html" in written else "findings.json"
    others = ", ".join(name for name in written if name != first)
    write(f"reports: {engine.run_dir}/{first}" + (f" (also {others})" if others else ""))
    if run.signing_key:
        write(f"signed: key {run.signing_key}; check with vendor-audit verify {engine.run_dir} --public-key KEY.pub")
