"""The `vendor-audit` command line."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from vendor_audit.errors import ProfileError
from vendor_audit.findings import AuditRun, RunState

if TYPE_CHECKING:  # the heavy imports wait for the command that needs them: `tls` and `--help` stay fast
    from vendor_audit import boundedio, sandbox
    from vendor_audit.engine import AuditSession
    from vendor_audit.kpi import KpiRow, Schedule

SCENARIOS = ("clean", "leaky")  # sandbox.SCENARIOS, without importing the sandbox to build the parser
# reports.REPORT_FORMATS, without importing the reports to build the parser (a test keeps the two equal).
OUTPUT_FORMATS = ("json", "junit", "csv", "html", "oscal", "sarif", "ocsf")
_OUTPUT_FORMATS_HELP = (
    f"comma-separated reports to write, from {','.join(OUTPUT_FORMATS)} (default: all): findings.json, junit.xml, "
    "findings.csv, report.html, assessment-results.json (OSCAL), results.sarif (GitHub code scanning), "
    "findings.ocsf.json (OCSF). findings.json is always written: it is the run's record, which the history, "
    "`diff` and `verify` read"
)

EXIT_OK, EXIT_FINDINGS, EXIT_CANNOT_RUN = 0, 1, 2

_DESCRIPTION = """\
Prove that an outsourced customer-service vendor's integration with Shopify, Zendesk or Gorgias is
safe: TLS, least-privilege credentials, MFA, no card numbers in payloads or exports, export schemas.

Start here:
  vendor-audit run                       audit the bundled sandbox (no set-up needed)
  vendor-audit sandbox --scenario leaky  serve the local stand-ins and write audit.toml for them
  vendor-audit check-profile audit.toml  validate a profile without contacting any vendor

Exit codes: 0 all checks pass or are waived, 1 findings at or above --fail-on, 2 the audit could not run.
"""

_EPILOG = """\
examples:
  vendor-audit run audit.toml --fail-on high     exit 1 only for high and critical findings
  vendor-audit run audit.toml -k tls             only the TLS checks (published as a partial run)
  vendor-audit run audit.toml --quiet            for cron: only what changed since the last run, no progress
  vendor-audit checks                            every check: id, severity, title, the controls it maps to
  vendor-audit checks --json | jq -r '.[].id'    the same, for scripts
  vendor-audit frameworks                        PCI DSS, SOC 2, ISO 27001: requirements, and how many are checked
  vendor-audit diff go-live                      what is new or fixed since the baseline named go-live
  vendor-audit verify RUN_DIR --public-key audit.pub

Long work (collection, scans, TLS probes, the load test) reports its progress on stderr: live on a terminal,
a line per phase every 10 s otherwise. NO_COLOR=1 keeps colour out; --quiet keeps progress out.
Each command says more: vendor-audit COMMAND --help.
"""

_CHECKS_EPILOG = """\
examples:
  vendor-audit checks                            a table, most severe first (the audit's, then the load test's)
  vendor-audit checks --json                     id, title, severity, controls, remediation, run_by, per_vendor
  vendor-audit checks | grep pci_dss_4.0:3.4.1   the checks that map to a requirement
  vendor-audit frameworks --json                 requirements per framework and the ones no check covers
"""


class _Version(argparse.Action):
    """--version, read from the installed package's metadata when asked (not for every command line parsed)."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> NoReturn:
        import platform
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("vendor-audit")
        except PackageNotFoundError:  # run from a source tree that was never installed
            from vendor_audit import __version__ as found
        print(f"vendor-audit {found} (Python {platform.python_version()})")
        parser.exit(0)


# vendor_audit.kpi.KINDS, without importing it to build the parser (a test keeps the two equal).
KPI_KINDS = (
    "zendesk.ticket_metric_event",
    "zendesk.ticket_metrics",
    "zendesk.satisfaction_rating",
    "zendesk.ticket_event",
    "gorgias.ticket",
    "gorgias.message",
    "gorgias.satisfaction_survey",
)

_KPI_DESCRIPTION = """\
Recompute the service levels a contract names from the helpdesks' own raw exports, not from the vendor's
scorecard. Per vendor, and per channel and priority where the exports say them:

  first_reply_time      count, p50, p90 minutes. Zendesk: reply_time instance 1 of the ticket metric events,
                        activate to fulfill less pauses; Gorgias: created_datetime to the first public agent
                        message no rule sent.
  full_resolution_time  Zendesk: resolution_time to its last fulfill (a reopened ticket: its final solve);
                        Gorgias: created_datetime to closed_datetime. Tickets not yet solved are left out.
  within_sla            share of tickets whose SLA target applied (apply_sla on reply_time instance 1) that got
                        their first reply by the target. Zendesk's breach events are the truth: a breach before
                        the reply, or with none, is a miss; tickets with neither target nor breach are left out.
  csat                  Zendesk: good / (good + bad) ratings (offered, unoffered left out); Gorgias: surveys
                        scored 4 or 5 of 5 over scored surveys.
  one_touch             solved tickets with exactly one agent reply (Zendesk ticket_metrics replies; Gorgias
                        agent messages).
  reopen_rate           solved tickets reopened (ticket_metrics reopens, ticket events solved -> open, or a
                        second resolution fulfill).

Percentiles interpolate linearly between closest ranks (numpy's default). Minutes are calendar minutes.
--since/--until keep tickets by creation date (UTC).

Inputs: a profile (.toml) uses its exports whose schema is one of the kinds below; files take --kind, or the
kind their name says: the name without extension is the kind with "_" for ".", singular or plural
(zendesk_ticket_metric_events.ndjson, gorgias_messages.json). Format from the suffix: .ndjson/.jsonl, .json
(an array, or an API page such as {"ticket_metric_events": [...]}), .csv.
Kinds: zendesk.ticket_metric_event, zendesk.ticket_metrics, zendesk.satisfaction_rating, zendesk.ticket_event,
gorgias.ticket, gorgias.message, gorgias.satisfaction_survey.

A table on stdout, or one JSON object per line with --json (metric, vendor, channel, priority, count,
p50_minutes, p90_minutes, sla_target_minutes, within_sla, value, period_start, period_end). Exit 2 when a file
could not be read whole (said on stderr; what was read is still printed), 0 otherwise.
"""


class _OneLineErrors(argparse.ArgumentParser):
    """A subcommand whose usage errors are one line: its usage runs to many lines and buries the one that matters."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_CANNOT_RUN, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _number(text: str, *, low: float, high: float, low_ok: bool, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a number; give {what}") from None
    # NaN compares false with everything, so it is refused by the same test as infinity: the pacer would spin.
    if not (low <= value <= high if low_ok else low < value <= high):
        raise argparse.ArgumentTypeError(f"{text[:40]!r}: give {what}")
    return value


def _rate(text: str) -> float:
    return _number(
        text, low=0, high=MAX_LOAD_RATE, low_ok=False, what=f"requests per second, > 0 and <= {MAX_LOAD_RATE:,}"
    )


def _duration(text: str) -> float:
    return _number(text, low=0, high=MAX_LOAD_SECONDS, low_ok=False, what=f"seconds, > 0 and <= {MAX_LOAD_SECONDS:,}")


def _warmup(text: str) -> float:
    return _number(text, low=0, high=MAX_LOAD_SECONDS, low_ok=True, what=f"seconds, >= 0 and <= {MAX_LOAD_SECONDS:,}")


def _whole(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text[:40]!r}: give a whole number from {low} to {high:,}")
        return value

    return parse


# One generator process drives ~3k requests/s (reference/loadtesting.md 7.1): far beyond these, a run is a typo.
MAX_LOAD_RATE = 100_000
MAX_LOAD_SECONDS = 7 * 86_400
MAX_LOAD_WORKERS = 64
MAX_IN_FLIGHT = 100_000


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vendor-audit",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version, help="print the version of vendor-audit (and of Python)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="audit a vendor integration (default: the bundled sandbox)",
        description="Audit the vendors a profile names. Without PROFILE, start the bundled sandbox "
        "(leaky scenario), audit it and stop it.",
    )
    run.add_argument("profile", nargs="?", metavar="PROFILE", help="audit profile (TOML); default: the local sandbox")
    run.add_argument(
        "--fail-on",
        default="low",
        choices=["info", "low", "medium", "high", "critical"],
        help="lowest severity of a failing finding that makes the exit code 1 (default: %(default)s)",
    )
    run.add_argument(
        "--report-dir",
        type=Path,
        default=Path("reports/runs"),
        metavar="DIR",
        help="runs land in DIR/<run-id>/ (report.html, assessment-results.json, findings.json, junit.xml, "
        "findings.csv, results.sarif, findings.ocsf.json, evidence.json); the history in DIR/history.sqlite "
        "(default: %(default)s)",
    )
    run.add_argument("--output-formats", metavar="FORMATS", help=_OUTPUT_FORMATS_HELP)
    run.add_argument("-k", dest="select", metavar="EXPR", help="run only the checks whose id matches (pytest -k)")
    run.add_argument("--run-id", metavar="ID", help="name of the run's folder (default: UTC time and 4 random hex)")
    run.add_argument(
        "--sign-key",
        type=Path,
        metavar="KEY",
        help="sign the run directory with this Ed25519 private key (vendor-audit keys create)",
    )
    run.add_argument(
        "--compare-to",
        metavar="BASE",
        help="print drift against this run id or baseline name (default: the previous run of the same profile)",
    )
    run.add_argument("--baseline", metavar="NAME", help="record this run as baseline NAME, e.g. go-live")
    run.add_argument(
        "--deadline",
        type=_seconds,
        metavar="SECONDS",
        help="the whole run ends by then (collection, scans, TLS probes): what was learned is published, the "
        "rest is an error, exit 2 (default: the profile's [deadlines] run_seconds, else 3600)",
    )
    run.add_argument(
        "--load-run",
        type=Path,
        metavar="DIR",
        help="attach a `vendor-audit load` run: its SLO gates join the findings, its chart the HTML report",
    )
    run.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="for cron: print only what changed since the compared run (nothing when nothing changed); "
        "problems go to stderr; the exit code is unchanged",
    )

    diff = commands.add_parser(
        "diff",
        help="what is new, fixed and still open between two recorded runs",
        description="Compare two runs from the history (REPORT_DIR/history.sqlite). BASE and RUN are run ids (a "
        "unique prefix will do) or baseline names; default RUN is the latest run and BASE the run of the same "
        "profile before it. A problem counts as fixed only when the later run looked and found it gone. "
        "Exit 0 nothing new, 1 new problems, 2 no such run.",
    )
    diff.add_argument("base", nargs="?", metavar="BASE")
    diff.add_argument("run", nargs="?", metavar="RUN")
    diff.add_argument("--report-dir", type=Path, default=Path("reports/runs"), metavar="DIR")
    diff.add_argument("--json", action="store_true", help="one JSON document")
    diff.add_argument("--list", action="store_true", help="list the recorded runs and baselines instead")

    baseline = commands.add_parser(
        "baseline", help="name a recorded run (default: the latest) as a baseline, e.g. go-live, for diff"
    )
    baseline.add_argument("name", metavar="NAME")
    baseline.add_argument("run", nargs="?", metavar="RUN")
    baseline.add_argument("--report-dir", type=Path, default=Path("reports/runs"), metavar="DIR")

    keys = commands.add_parser("keys", help="manage the Ed25519 key that signs evidence bundles")
    keys_commands = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    create = keys_commands.add_parser(
        "create",
        help="make a key pair: private key mode 0600, never printed; NAME.allowed_signers for ssh-keygen -Y verify",
    )
    create.add_argument("--dir", type=Path, default=Path("."), metavar="DIR", help="where (default: here)")
    create.add_argument("--name", default="vendor-audit", help="file names NAME.key, NAME.pub and NAME.allowed_signers")
    signers = keys_commands.add_parser(
        "allowed-signers",
        help="print the OpenSSH allowed_signers line of a public key (for ssh-keygen -Y verify -f FILE)",
        description="Print the line a reviewer puts in the allowed_signers file given to `ssh-keygen -Y verify -f`: "
        "the key, limited to the vendor-audit namespace, under the name PRINCIPAL (`-I PRINCIPAL`).",
    )
    signers.add_argument("public_key", type=Path, metavar="PUBLIC_KEY", help="the signer's NAME.pub (PEM)")
    signers.add_argument(
        "--principal", default="vendor-audit", help="the name ssh-keygen -I gives (default: %(default)s)"
    )

    sign = commands.add_parser(
        "sign",
        help="sign a run directory: SHA-256 manifest of every file, Ed25519; SSH signatures, SHA256SUMS, in-toto",
    )
    sign.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    sign.add_argument("--key", type=Path, required=True, metavar="KEY", help="Ed25519 private key (PEM)")

    verify = commands.add_parser(
        "verify",
        help="verify a signed run directory: changed, added or missing files, and the signature",
        description="Recompute every file's SHA-256, compare with the signed manifest and check the Ed25519 "
        "signature against a public key you trust: --public-key FILE, or the file $VENDOR_AUDIT_PUBLIC_KEY names "
        "(the key a bundle carries is never trusted: whoever changed it could re-sign it). Where the bundle has them, "
        "its SSH signatures, SHA256SUMS and in-toto attestation are checked too. "
        "Exit 0 intact, 1 tampered or signed by another key, 2 not a bundle or no trusted key.",
    )
    verify.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    verify.add_argument(
        "--public-key", type=Path, metavar="FILE", help="the signer's NAME.pub (default: $VENDOR_AUDIT_PUBLIC_KEY)"
    )

    scan = commands.add_parser(
        "scan",
        help="find card numbers, track data and CVVs in files (NDJSON, JSON, CSV, text)",
        description="Scan files with the audit's PAN scanner and print one JSON object per finding (path, line or "
        "JSON pointer, kind, brand, masked PAN). The format is the suffix's (.ndjson/.jsonl, .json, .csv, anything "
        "else as text); UTF-16 and UTF-32 files are read by their BOM. Candidates are weighed on evidence (brand "
        "length, grouping, card words, field names; vendor_audit/pan/evidence.py), numbers split over fields, "
        "columns, rows, messages and lines are joined. A directory is walked for regular files (pipes and devices "
        "in it are skipped; name one to read it). Exit 1 when anything is found, 2 when a file cannot be read whole.",
    )
    scan.__class__ = _OneLineErrors
    scan.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    scan.add_argument(
        "--jobs",
        type=_whole(1, 64),
        default=None,
        metavar="N",
        help="worker processes for an NDJSON file past 8 MiB (default: one per CPU; 1 scans in this process)",
    )
    _add_limits(scan)

    load = commands.add_parser(
        "load",
        help="go-live load test: agent workflows at a fixed arrival rate, SLO gates, rate-limit conformance",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=textwrap.dedent(
            """\
            Replay agent workflows (open the queue, read a ticket and its conversation, look up the customer's
            orders, add an internal note in sandbox mode) through the audit's own connectors, on an open
            arrival-rate schedule: request i is due at i / RATE and its latency counts from then, so a stalling
            vendor cannot hide (coordinated omission). Runs locust headless; --workers N starts locust's master
            and N workers on this machine, which share each vendor account's budget.

            Writes under --report-dir/<run-id>/: load.json (per-endpoint p50/p95/p99/max of corrected and
            service latency, rate, errors, 429s, conformance, validity), latency.svg, locust.html, findings.json.
            A 2xx answer that is not JSON (a login page, a proxy's HTML) counts as an error. The profile's [slo]
            becomes findings; exit 0 all gates pass, 1 an SLO is missed, 2 the run is invalid (it measured
            nothing, reached no vendor, or the generator could not keep its schedule), was interrupted
            (SIGTERM, SIGINT: locust is stopped and what it measured is published) or could not start.
            Without PROFILE: the bundled sandbox (clean scenario, the vendors' real rate limits).
            """
        ),
    )
    load.__class__ = _OneLineErrors  # argparse has no per-subcommand parser class; the others keep their usage
    load.add_argument("profile", nargs="?", metavar="PROFILE")
    load.add_argument("--rate", type=_rate, default=5.0, metavar="R", help="requests per second (default: %(default)s)")
    load.add_argument("--duration", type=_duration, default=30.0, metavar="D", help="seconds (default: %(default)s)")
    load.add_argument(
        "--warmup",
        type=_warmup,
        default=None,
        metavar="W",
        help="seconds left out of the statistics (default: 10%% of the duration, at most 10)",
    )
    load.add_argument(
        "--workers",
        type=_whole(0, MAX_LOAD_WORKERS),
        default=0,
        metavar="N",
        help=f"locust workers; 0 runs one process (at most {MAX_LOAD_WORKERS})",
    )
    load.add_argument("--vendor", metavar="NAME", help="only this vendor of the profile")
    load.add_argument(
        "--max-in-flight",
        type=_whole(1, MAX_IN_FLIGHT),
        default=1000,
        metavar="N",
        help="requests in flight per process before sends are dropped (default: %(default)s)",
    )
    load.add_argument("--report-dir", type=Path, default=Path("reports/runs"), metavar="DIR")
    load.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr (the results still print)")
    load.add_argument("--output-formats", metavar="FORMATS", help=_OUTPUT_FORMATS_HELP)
    load.add_argument(
        "--fail-on",
        default="low",
        choices=["info", "low", "medium", "high", "critical"],
        help="lowest severity of a missed gate that makes the exit code 1 (default: %(default)s)",
    )

    tls = commands.add_parser(
        "tls",
        help="probe TLS endpoints: protocols, weak suites, certificate chain, HSTS",
        description="Probe each TARGET (host:port, or an https:// URL) with raw ClientHellos for SSLv3 to TLS 1.3 "
        "and weak suite categories, one real handshake for the chain, trust against the system store plus "
        "--ca-file, key and signature strength, expiry and HSTS. Prints verdicts (fail, warn, inconclusive); "
        "exit 1 when an endpoint fails PCI DSS 4.2.1, 2 when one cannot be reached or decided.",
    )
    tls.add_argument("targets", nargs="+", metavar="TARGET")
    tls.add_argument("--ca-file", type=Path, metavar="PEM", help="extra trusted CA bundle")
    tls.add_argument("--json", action="store_true", help="one JSON document instead of text")
    tls.add_argument(
        "--warning-days",
        type=int,
        default=30,
        metavar="N",
        help="warn when the certificate expires within N days (default: %(default)s)",
    )

    validate = commands.add_parser(
        "validate",
        help="validate event exports (NDJSON, JSON array, CSV) against a JSON Schema",
        description="Validate every record of each FILE against SCHEMA (a name from schemas/, such as "
        "zendesk.ticket_event, or a path to a .json schema; Draft 2020-12, formats checked). Prints one JSON "
        "object per invalid record (path, line or item, JSON pointer, kind, message), then one summary object per "
        "file with counts per kind of error. Exit 1 when anything is invalid, 2 when a file cannot be read.",
    )
    validate.add_argument("schema", metavar="SCHEMA")
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE")
    validate.add_argument("--format", choices=["ndjson", "json", "csv"], help="default: from each file's suffix")
    validate.add_argument(
        "--max-errors",
        type=int,
        default=1000,
        metavar="N",
        help="invalid records listed per file; the rest are counted (default: %(default)s)",
    )
    _add_limits(validate)

    kpi = commands.add_parser(
        "kpi",
        help="recompute service levels (first reply, resolution, SLA, CSAT, one-touch, reopens) from raw exports",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=_KPI_DESCRIPTION,
    )
    kpi.__class__ = _OneLineErrors
    kpi.add_argument(
        "inputs", nargs="+", metavar="PROFILE | FILE", help="an audit profile (.toml: its [[exports]]) or export files"
    )
    kpi.add_argument("--json", action="store_true", help="one JSON object per metric, vendor, channel and priority")
    kpi.add_argument("--since", type=_date, metavar="DATE", help="tickets created on or after DATE (UTC, YYYY-MM-DD)")
    kpi.add_argument("--until", type=_date, metavar="DATE", help="tickets created on or before DATE (UTC)")
    kpi.add_argument(
        "--kind", choices=KPI_KINDS, metavar="KIND", help="the kind of every FILE (default: from its name)"
    )
    kpi.add_argument(
        "--business-hours",
        type=_business_hours,
        metavar="HOURS",
        help='the support schedule, e.g. "mon-fri 09:00-17:00 America/New_York": reply and resolution times are '
        "then given in business minutes too (rows with clock = business), as Zendesk counts business-hours SLAs",
    )
    _add_limits(kpi)

    serve = commands.add_parser(
        "sandbox",
        help="serve local HTTPS stand-ins of the Shopify, Zendesk and Gorgias APIs",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=textwrap.dedent(
            """\
            Serve the Shopify Admin, Zendesk Support and Gorgias APIs on 127.0.0.1 over real TLS, each on its
            own port, until Ctrl-C. The run directory receives the CA bundle (ca.pem), the list of planted
            violations (manifest.json), the credentials (sandbox.env, mode 0600), the vendors' event exports
            (exports/) and a ready profile (audit.toml) for `vendor-audit run`.

            scenarios: clean  every check should pass
                       leaky  PANs in tickets, chats, orders, notes and exports; over-scoped credentials;
                              staff without 2FA; an endpoint that accepts TLS 1.0/1.1; a certificate that
                              expires in 5 days; a weak certificate; broken export records
            """
        ),
    )
    serve.add_argument("--scenario", choices=SCENARIOS, default="leaky", help="default: %(default)s")
    serve.add_argument(
        "--size", type=int, default=200, metavar="N", help="tickets per helpdesk and orders (default: %(default)s)"
    )
    serve.add_argument(
        "--seed", type=int, default=7, help="data seed; the same seed serves the same data (default: %(default)s)"
    )
    serve.add_argument("--run-dir", type=Path, default=Path(".sandbox"), metavar="DIR", help="default: %(default)s")

    check = commands.add_parser("check-profile", help="validate an audit profile and its secrets' env vars")
    check.add_argument("profile", metavar="PROFILE")

    listing = commands.add_parser(
        "checks",
        help="list every check: id, severity, title, the controls it maps to",
        description="List every check the engine knows: the audit's (vendor-audit run, pytest --audit-profile) and "
        "the load test's SLO gates (vendor-audit load), with severity, title and the framework controls each maps "
        "to. A table that fits the terminal, one line per check in a pipe.",
        epilog=_CHECKS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    listing.add_argument("--json", action="store_true", help="one JSON array, for scripts")
    listing.add_argument(
        "--frameworks", action="store_true", help="list the frameworks instead (vendor-audit frameworks)"
    )
    frameworks = commands.add_parser(
        "frameworks",
        help="list the control frameworks: requirements, and how many the checks cover",
        description="List the control catalogs the checks map to (checks/frameworks/*.json): each framework's "
        "requirements, how many the audit's checks cover, and how many with the load test's gates too. The rest "
        "need other evidence (report.html's coverage matrix lists them).",
        epilog=_CHECKS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    frameworks.add_argument("--json", action="store_true", help="one JSON array, with the requirements not covered")
    return parser


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, found {text[:40]!r}") from None


def _seconds(text: str) -> float:
    """A finite, positive number of seconds (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, found {text!r}") from None
    if not (0 < value <= 7 * 86400):  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"expected seconds from more than 0 up to 604800 (7 days), found {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "sandbox":
            return _cmd_sandbox(args)
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "check-profile":
            return _cmd_check_profile(args)
        if args.command == "scan":
            return _cmd_scan(args)
        if args.command == "validate":
            return _cmd_validate(args)
        if args.command == "kpi":
            return _cmd_kpi(args)
        if args.command == "tls":
            return _cmd_tls(args)
        if args.command in {"keys", "sign", "verify"}:
            return _cmd_bundle(args)
        if args.command in {"diff", "baseline"}:
            return _cmd_history(args)
        if args.command in {"checks", "frameworks"}:
            return _cmd_listing(args)
        if args.command == "load":
            from vendor_audit.loadrun import run_load

            args.output_formats = _output_formats(args.output_formats)
            return run_load(args)
        parser.print_help()
        return EXIT_CANNOT_RUN
    except ProfileError as exc:
        _say(f"vendor-audit: {exc}")
        return EXIT_CANNOT_RUN
    except KeyboardInterrupt:  # the contract is 0/1/2: an interrupted command could not do its job
        print("vendor-audit: interrupted", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except ValueError as exc:
        _say(f"vendor-audit: {exc}")
        return EXIT_CANNOT_RUN
    except OSError as exc:  # a file named on the command line that cannot be read or written
        _say(f"vendor-audit: {exc.filename or 'a file'}: {exc.strerror or exc}")
        return EXIT_CANNOT_RUN


def _say(text: str, *, err: bool = True, redact: object = None) -> None:
    """Print one message through the redactor (the run's, when there is one).

    An error may quote vendor text, a file name or a value: a terminal gets no card number, no secret of the run
    and no raw control character.
    """
    from vendor_audit.redact import Redactor, for_terminal

    print(for_terminal(text, redact if isinstance(redact, Redactor) else None), file=sys.stderr if err else sys.stdout)


def _describe(running: sandbox.RunningSandbox) -> str:
    counts = Counter(v["kind"] for v in running.manifest["violations"])
    lines = [f"vendor-audit sandbox: scenario {running.config.scenario}, {running.config.size} tickets per helpdesk"]
    for name, url in running.urls.items():
        policy = running.policies[name]
        versions = f"{_short(policy.min_version)}-{_short(policy.max_version)}"
        lines.append(f"  {name:<8} {url}   (TLS {versions})")
    lines += [
        f"  run dir  {running.run_dir}",
        "    ca.pem         CA bundle to trust",
        f"    audit.toml     profile:  vendor-audit run {running.profile_path}",
        "    sandbox.env    credentials (mode 0600), read through the profile's env_file",
        f"    manifest.json  {sum(counts.values())} planted violations: "
        + (", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "none"),
        f"  try: curl --cacert {running.ca_path} {running.url(running.vendors[0])}/  (real TLS, the vendor's errors)",
    ]
    return "\n".join(lines)


def _short(version: str) -> str:
    return {"TLSv1": "1.0"}.get(version, version.removeprefix("TLSv"))


def _cmd_sandbox(args: argparse.Namespace) -> int:
    from vendor_audit import sandbox

    config = sandbox.SandboxConfig(scenario=args.scenario, size=args.size, seed=args.seed)
    started = time.monotonic()

    def ready(running: sandbox.RunningSandbox) -> None:
        print(_describe(running))
        print(f"  ready in {time.monotonic() - started:.2f}s; Ctrl-C stops it", flush=True)

    try:
        sandbox.serve_forever(config, args.run_dir, ready=ready)
    except KeyboardInterrupt:
        print("\nvendor-audit sandbox: stopped", file=sys.stderr)
    return EXIT_OK


def _cmd_listing(args: argparse.Namespace) -> int:
    from vendor_audit import console

    known = console.known_checks()
    frameworks = args.command == "frameworks" or getattr(args, "frameworks", False)
    console.print_listing(
        console.framework_listing(known) if frameworks else console.check_listing(known), as_json=args.json
    )
    return EXIT_OK


def _cmd_check_profile(args: argparse.Namespace) -> int:
    from vendor_audit.profile import load_profile

    profile = load_profile(args.profile)
    for vendor in profile.vendors:
        for credential in vendor.credentials:
            profile.secret(credential)  # raises with the env var's name when it is missing
    print(f"{profile.path}: valid ({len(profile.vendors)} vendor(s), mode {profile.mode})")
    return EXIT_OK


def _output_formats(text: str | None) -> tuple[str, ...] | None:
    """--output-formats as reports.REPORT_FORMATS names (None: all); ValueError, one line naming the valid ones."""
    if text is None:
        return None
    from vendor_audit.reports import parse_formats

    return parse_formats(text)


def _cmd_run(args: argparse.Namespace) -> int:
    """The audit: one engine session, its checks run by pytest in-process; the result comes back in memory."""
    import pytest

    from vendor_audit import console
    from vendor_audit.engine import AuditOptions, AuditSession
    from vendor_audit.findings import Severity
    from vendor_audit.profile import load_profile

    output_formats = _output_formats(args.output_formats)  # a typo is refused before anything starts
    if args.profile:
        load_profile(args.profile)  # a bad profile is refused here, before pytest starts
    elif not args.quiet:
        print("No profile given: auditing the bundled sandbox (leaky scenario).", flush=True)
    if args.sign_key:
        from vendor_audit.reports.bundle import private_fingerprint

        private_fingerprint(args.sign_key)  # an unusable key is refused before the audit, not after it
    if args.load_run and not (args.load_run / "load.json").is_file():
        raise ValueError(f"--load-run {args.load_run}: no load.json there; give a `vendor-audit load` run directory")
    session = AuditSession(
        AuditOptions(
            profile=Path(args.profile) if args.profile else None,
            fail_on=Severity(args.fail_on),
            report_dir=args.report_dir,
            run_id=args.run_id,
            sign_key=args.sign_key,
            load_run=args.load_run,
            compare_to=args.compare_to,
            baseline=args.baseline,
            deadline=args.deadline,
            output_formats=output_formats,
        )
    )
    session.run_dir.mkdir(parents=True, exist_ok=True)
    # pytest collects nothing of its own here (an empty run directory, no config file): the plugin adds the
    # audit's checks by package name. Nothing is written beside the user's files but the run directory.
    arguments = [str(session.run_dir), "--rootdir", os.getcwd(), "-c", os.devnull]
    # Only the audit's own plugin: whatever else is installed (xdist, randomly, benchmark ...) must not shape the
    # audit, and each would cost start-up; with autoload, pytest also rewrites the asserts of every module of
    # vendor-audit (about 1.5 s a run where bytecode is not cached).
    arguments += ["-p", "vendor_audit.checks._plugin", "-p", "no:cacheprovider"]
    if args.quiet:  # cron: not a line from pytest; _print_changes says what changed
        arguments += ["-p", "no:terminal"]
    else:
        arguments += ["--no-header", "--tb=no", "-rN", "-o", "console_output_style=count"]
    if args.select:
        arguments += ["-k", args.select]
    # PYTEST_ADDOPTS could load plugins or flags (--continue-on-collection-errors, -p ...) the audit did not ask for.
    addopts = os.environ.pop("PYTEST_ADDOPTS", None)
    autoload = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        # Progress per phase on stderr (vendor_audit.console), every label through the run's redactor.
        with console.progress_on_stderr(quiet=args.quiet, redact=session.for_terminal) as progress:
            session.progress = progress
            with console.stdout_above(progress):
                outcome = int(pytest.main(arguments, plugins=[session]))  # the session is the adapter's plugin object
    finally:
        if addopts is not None:
            os.environ["PYTEST_ADDOPTS"] = addopts
        if autoload is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = autoload
    run = session.result
    if run is None:  # pytest stopped before the engine could publish (a usage error)
        print(f"vendor-audit: the audit did not run (pytest exit status {outcome})", file=sys.stderr)
        return EXIT_CANNOT_RUN
    if args.quiet:
        _print_changes(run, session)
    return min(max(run.exit_code, 0), EXIT_CANNOT_RUN)


def _print_changes(run: AuditRun, session: AuditSession) -> None:
    """--quiet: the drift when something changed, and why the audit could not run, if it could not."""
    from vendor_audit.reports import state_notice
    from vendor_audit.reports.history import render_drift

    for problem in run.problems:
        _say(f"vendor-audit: could not run: {problem}", redact=session.redact)
    if run.state is RunState.INTERRUPTED:  # a narrowed run was asked for; an interrupted one was not
        _say(f"vendor-audit: {state_notice(run)}", redact=session.redact)
    drift = session.drift
    if run.findings and (drift is None or drift.changed):
        _say(f"vendor-audit {run.run_id} ({run.profile_name}): exit {run.exit_code}", err=False, redact=session.redact)
        _say("\n".join(render_drift(drift)), err=False, redact=session.redact)
        _say(f"report: {session.run_dir / 'report.html'}", err=False, redact=session.redact)


def _cmd_history(args: argparse.Namespace) -> int:
    import sqlite3

    from vendor_audit.reports.history import HISTORY_FILE, History, HistoryError, render_drift

    history = History(args.report_dir / HISTORY_FILE)
    if not history.path.exists():
        print(
            f"vendor-audit {args.command}: no history at {history.path}; run `vendor-audit run` first", file=sys.stderr
        )
        return EXIT_CANNOT_RUN
    try:
        if args.command == "baseline":
            run_id = history.mark_baseline(args.name, args.run)
            print(f"baseline {args.name} = run {run_id}")
            return EXIT_OK
        if args.list:
            for entry in history.runs():
                name = f"  baseline {entry['baseline']}" if entry["baseline"] else ""
                state = f"  ({entry['state']})" if entry.get("state", "complete") != "complete" else ""
                print(f"{entry['run_id']}  {entry['finished']}  exit {entry['exit_code']}  {entry['profile']}", end="")
                print(f"{name}{state}")
            return EXIT_OK
        drift = history.diff(args.base, args.run)
    except (HistoryError, sqlite3.Error) as exc:  # an unknown name, or a damaged history file
        _say(f"vendor-audit {args.command}: {exc}")
        return EXIT_CANNOT_RUN
    if args.json:
        from vendor_audit.redact import mask_pans, redact_json

        # A history written before every string was redacted may still hold what the redactor now removes.
        print(json.dumps(redact_json(drift.as_json(), mask_pans) if drift else None, indent=2))
    else:
        _say("\n".join(render_drift(drift, limit=10_000)), err=False)  # history written before redaction, too
        if drift is not None and drift.still_open:
            print(f"  still open: {len(drift.still_open)} (vendor-audit diff --json lists them)")
    return EXIT_FINDINGS if drift is not None and drift.new else EXIT_OK


def _cmd_bundle(args: argparse.Namespace) -> int:
    from vendor_audit.reports import bundle

    if args.command == "keys" and args.keys_command == "allowed-signers":
        try:
            print(bundle.allowed_signers_line(bundle.load_public(args.public_key), args.principal), end="")
        except (bundle.NotABundle, ValueError) as exc:
            print(f"vendor-audit keys: {bundle.shown(str(exc))}", file=sys.stderr)
            return EXIT_CANNOT_RUN
        return EXIT_OK
    if args.command == "keys":
        try:
            pair = bundle.create_keys(args.dir, args.name)
        except FileExistsError as exc:  # either file of the pair, or --dir itself being a file
            print(
                f"vendor-audit keys: {bundle.shown(str(exc.filename))} exists; not overwriting it "
                "(choose another --name or --dir)",
                file=sys.stderr,
            )
            return EXIT_CANNOT_RUN
        except OSError as exc:  # a name too long, a directory not writable
            where = bundle.shown(str(exc.filename or args.dir))
            print(f"vendor-audit keys: {where}: {exc.strerror or exc.__class__.__name__}", file=sys.stderr)
            return EXIT_CANNOT_RUN
        print(f"private key: {bundle.shown(str(pair.private_path))} (mode 0600: keep it secret)")
        print(f"public key:  {bundle.shown(str(pair.public_path))} (give it to reviewers)")
        print(
            f"allowed signers: {bundle.shown(str(pair.allowed_signers_path))} (the same key, for ssh-keygen -Y verify)"
        )
        print(f"fingerprint: {pair.fingerprint}")
        return EXIT_OK
    if args.command == "sign":
        print(f"signed {args.run_dir} with key {bundle.sign_run(args.run_dir, args.key)}")
        return EXIT_OK
    try:
        key = bundle.trusted_key(args.public_key)
        result = bundle.verify_run(args.run_dir, key)
    except bundle.NotABundle as exc:
        print(f"vendor-audit verify: {bundle.shown(str(exc))}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    where, trusted = bundle.shown(str(args.run_dir)), bundle.shown(str(key))
    print(f"{where}: checked against trusted key {result.fingerprint} ({trusted})")
    if result.envelopes:
        print(f"  also checked: {', '.join(result.envelopes)}")
    for problem in result.problems:
        print(f"  {problem}")
    print("intact" if result.ok else f"NOT intact: {len(result.problems)} problem(s)")
    return EXIT_OK if result.ok else EXIT_FINDINGS


def _add_limits(command: argparse.ArgumentParser) -> None:
    """The bounds of `scan` and `validate`: files come from vendors, and /dev/zero has no last line."""
    from vendor_audit.boundedio import Limits

    default = Limits()
    command.add_argument(
        "--max-record-bytes",
        type=_byte_count,
        default=default.record_bytes,
        metavar="N",
        help="longest line (NDJSON, CSV, text) or CSV field read; a longer one ends the file with exit 2 "
        "(default: %(default)s, 16 MiB)",
    )
    command.add_argument(
        "--max-document-bytes",
        type=_byte_count,
        default=default.document_bytes,
        metavar="N",
        help="largest JSON document read whole (default: %(default)s, 256 MiB)",
    )
    command.add_argument(
        "--idle-seconds",
        type=_seconds,
        default=default.idle_seconds,
        metavar="SECONDS",
        help="how long a pipe or device named on the command line may send nothing (default: %(default)s)",
    )


def _byte_count(text: str) -> int:
    """A whole number of bytes from 1 to 1 TiB (argparse type)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of bytes, found {text[:40]!r}") from None
    if not 1 <= value <= 1 << 40:
        raise argparse.ArgumentTypeError(f"expected bytes from 1 to {1 << 40} (1 TiB), found {text[:40]!r}")
    return value


def _limits(args: argparse.Namespace) -> boundedio.Limits:
    from vendor_audit.boundedio import Limits

    return Limits(args.max_record_bytes, args.max_document_bytes, args.idle_seconds)


def _cmd_scan(args: argparse.Namespace) -> int:
    from vendor_audit.boundedio import InputError
    from vendor_audit.redact import for_terminal, redact_json
    from vendor_audit.scanfiles import scan_path

    limits = _limits(args)
    found = False
    unreadable = False
    for named in args.paths:
        for path in _scan_targets(named):
            try:
                for finding in scan_path(path, limits, args.jobs):
                    found = True
                    print(json.dumps(redact_json(finding, for_terminal), ensure_ascii=False), flush=True)
            except OSError as exc:
                unreadable = True
                _say(f"vendor-audit scan: cannot read {path}: {exc.strerror or exc}")
            except InputError as exc:
                unreadable = True
                _say(f"vendor-audit scan: {path}: {exc}")
    return EXIT_CANNOT_RUN if unreadable else EXIT_FINDINGS if found else EXIT_OK


def _scan_targets(named: Path) -> Iterator[Path]:
    """A path named on the command line is read whatever it is (bounded); a directory gives its regular files.

    A FIFO met in a walk would block it, and a device has no end: skipped, as `find -type f` would.
    """
    from vendor_audit.boundedio import regular_files

    if not named.is_dir():
        yield named
        return
    for path, regular in regular_files(named):
        if regular:
            yield path
        else:
            _say(f"vendor-audit scan: skipped {path}: not a regular file (name it on the command line to read it)")


def _target(text: str) -> tuple[str, int]:
    from urllib.parse import urlsplit

    parts = urlsplit(text if "://" in text else f"//{text}")
    if not parts.hostname or (parts.scheme and parts.scheme != "https"):
        raise ValueError(f"{text!r} is not host:port or an https:// URL")
    return parts.hostname, parts.port or 443


def _cmd_tls(args: argparse.Namespace) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from vendor_audit.tlsprobe import probe, report_json, verdicts

    targets = [_target(t) for t in args.targets]
    with ThreadPoolExecutor(max_workers=4) as pool:
        reports = list(pool.map(lambda t: probe(t[0], t[1], ca_file=args.ca_file), targets))
    results = [(r, verdicts(r, args.warning_days)) for r in reports]
    if args.json:
        print(json.dumps([report_json(r, args.warning_days) for r in reports], indent=2))
    else:
        for report, found in results:
            accepted = [n for n, p in report.protocols.items() if p.outcome == "accepted"]
            status = "FAIL" if any(v.level == "fail" for v in found) else "ok"
            _say(f"{report.address}: {status}  protocols: {', '.join(accepted) or 'none'}", err=False)
            if report.chain:  # the subject is the endpoint's to choose, control characters included
                leaf = report.chain[0]
                _say(
                    f"  certificate: {leaf.subject}, {leaf.key}, {leaf.signature_hash}, until {leaf.not_after}",
                    err=False,
                )
            for verdict in found:
                _say(f"  {verdict.level:<12} {verdict.code:<20} {verdict.message}", err=False)
    if any(v.level == "fail" for _, found in results for v in found):
        return EXIT_FINDINGS
    if any(v.level == "inconclusive" for _, found in results for v in found):
        return EXIT_CANNOT_RUN
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    from vendor_audit.exports import SchemaProblem, validate_export, validator_for

    try:
        validator_for(args.schema)  # the schema's problem is said once, as the schema's, before any file is read
    except SchemaProblem as exc:
        _say(f"vendor-audit validate: {exc}")
        return EXIT_CANNOT_RUN
    limits = _limits(args)
    suffixes = {".ndjson": "ndjson", ".jsonl": "ndjson", ".json": "json", ".csv": "csv"}
    invalid = False
    unreadable = False
    for path in args.files:
        fmt = args.format or suffixes.get(path.suffix.lower())
        if fmt is None:
            print(f"vendor-audit validate: {path}: unknown format; pass --format ndjson|json|csv", file=sys.stderr)
            unreadable = True
            continue
        try:
            report = validate_export(path, fmt, args.schema, cap=args.max_errors, limits=limits)
        except FileNotFoundError:
            print(f"vendor-audit validate: {path}: no such file", file=sys.stderr)
            unreadable = True
            continue
        except OSError as exc:
            _say(f"vendor-audit validate: {path}: cannot read it ({exc.strerror or exc})")
            unreadable = True
            continue
        except ValueError as exc:  # boundedio.InputError (size, nesting, shape, an idle pipe) and the like
            _say(f"vendor-audit validate: {path}: {exc}")
            unreadable = True
            continue
        for error in report.errors:
            print(json.dumps(error.as_json(str(path)), ensure_ascii=False))
        summary = {
            "path": str(path),
            "schema": args.schema,
            "records": report.records,
            "invalid": report.invalid,
            "errors_by_kind": dict(report.counts),
            "listed": len(report.errors),
        }
        print(json.dumps({"summary": summary}))
        invalid = invalid or not report.valid
    return EXIT_CANNOT_RUN if unreadable else EXIT_FINDINGS if invalid else EXIT_OK


_SUFFIX_FORMATS = {".ndjson": "ndjson", ".jsonl": "ndjson", ".json": "json", ".csv": "csv"}


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^\s*([a-z]{3})(?:-([a-z]{3}))?\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})\s+(\S+)\s*$", re.I)


def _business_hours(text: str) -> Schedule:
    """Parse "mon-fri 09:00-17:00 America/New_York" as a kpi.Schedule: one daily span over a range of weekdays."""
    from vendor_audit.kpi import Schedule

    found = _HOURS.match(text)
    days_named = [d.lower() for d in (found[1], found[2] or found[1])] if found else []
    if not found or not all(d in _DAYS for d in days_named):
        raise argparse.ArgumentTypeError(
            f'{text[:60]!r}: give days, hours and a time zone, e.g. "mon-fri 09:00-17:00 Europe/Lisbon"'
        )
    first, last = (_DAYS.index(d) for d in days_named)
    start, end = int(found[3]) * 60 + int(found[4]), int(found[5]) * 60 + int(found[6])
    days = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
    try:
        return Schedule(found[7], tuple((day, start, end) for day in days))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _cmd_kpi(args: argparse.Namespace) -> int:
    from vendor_audit.kpi import KpiSource, compute, guess_kind, sources_from_exports
    from vendor_audit.profile import load_profile

    inputs: list[Path] = [Path(each) for each in args.inputs]
    if len(inputs) == 1 and inputs[0].suffix.lower() == ".toml":
        sources = sources_from_exports(load_profile(inputs[0]).exports)
        if not sources:
            _say(f"vendor-audit kpi: {inputs[0]} names no export of a KPI kind ({', '.join(KPI_KINDS)})")
            return EXIT_CANNOT_RUN
    else:
        sources = []
        for path in inputs:
            kind = args.kind or guess_kind(path)
            fmt = _SUFFIX_FORMATS.get(path.suffix.lower())
            if kind is None or fmt is None:
                what = "its kind: pass --kind" if kind is None else "its format: name it .ndjson, .json or .csv"
                _say(f"vendor-audit kpi: {path}: cannot tell {what} (see vendor-audit kpi --help)")
                return EXIT_CANNOT_RUN
            sources.append(KpiSource(kind.split(".", 1)[0], kind, path, fmt))
    result = compute(sources, since=args.since, until=args.until, limits=_limits(args))
    clocks = [("calendar", result.rows)]
    if args.business_hours is not None:
        business = compute(
            sources, since=args.since, until=args.until, schedule=args.business_hours, limits=_limits(args)
        )
        clocks.append(("business", [row for row in business.rows if row.p50_minutes is not None]))
    if args.json:
        for clock, rows in clocks:
            for row in rows:
                _say(json.dumps(row.as_json() | {"clock": clock}, ensure_ascii=False), err=False)
    else:
        for clock, rows in clocks:
            if len(clocks) > 1:
                _say(f"{clock} minutes:", err=False)
            _say("\n".join(_kpi_table(rows)), err=False)
        for (vendor, metric), count in sorted(result.pending.items()):
            _say(f"  {vendor}: {count} ticket(s) still running, left out of {metric}", err=False)
    for problem in result.problems:
        _say(f"vendor-audit kpi: {problem}")
    return EXIT_CANNOT_RUN if result.problems else EXIT_OK


def _kpi_table(rows: Sequence[KpiRow]) -> list[str]:
    def cell(value: float | None, share: bool = False) -> str:
        if value is None:
            return "-"
        return f"{value:.1%}" if share else f"{value:.1f}"

    header = ("metric", "vendor", "channel", "priority", "count", "p50 min", "p90 min", "target", "within", "value")
    lines = [header]
    for row in rows:
        lines.append(
            (
                row.metric,
                row.vendor,
                row.channel or "all",
                row.priority or "all",
                str(row.count),
                cell(row.p50_minutes),
                cell(row.p90_minutes),
                cell(row.sla_target_minutes),
                cell(row.within_sla, share=True),
                cell(row.value, share=True),
            )
        )
    if len(lines) == 1:
        return ["no KPI could be computed from these exports"]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = ["  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip() for line in lines]
    seen: set[str] = set()
    for row in rows:  # a vendor's first rows are over all its channels and priorities: its whole period
        if row.vendor not in seen:
            seen.add(row.vendor)
            out.append(f"{row.vendor}: tickets created {row.period_start or '?'} to {row.period_end or '?'}")
    return out


def entrypoint() -> None:
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # `vendor-audit ... | head`: the reader left, as with any Unix tool
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_OK
    except Exception as exc:
        if os.environ.get("VENDOR_AUDIT_DEBUG"):
            raise
        print(
            f"vendor-audit: internal error ({exc.__class__.__name__}); "
            "please report it, with the output of VENDOR_AUDIT_DEBUG=1 vendor-audit ...",
            file=sys.stderr,
        )
        code = EXIT_CANNOT_RUN
    sys.exit(code)


if __name__ == "__main__":
    entrypoint()
