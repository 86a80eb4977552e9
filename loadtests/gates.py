"""SLO gates: a load run's figures become findings in the audit's model, with controls and an exit code."""

from __future__ import annotations

from typing import Any

from vendor_audit.findings import CheckSpec, Finding, Severity, Status
from vendor_audit.loadtests.stats import Summary
from vendor_audit.profile import SLO

CAPACITY = ("soc2_2017:A1.1", "iso27001_2022:A.8.6")
VALID = CheckSpec(
    id="load_run_valid",
    title="The load generator kept its schedule, so the measured latencies are the vendor's",
    severity=Severity.MEDIUM,
    controls=CAPACITY,
    remediation="Run the load test on a quieter machine, lower --rate, or add --workers.",
)
LATENCY = CheckSpec(
    id="load_latency_within_slo",
    title="Each endpoint's p95 and p99 latency stay within the profile's SLO",
    severity=Severity.MEDIUM,
    controls=CAPACITY,
    remediation="Agree capacity with the vendor (plan, region, caching), or relax the SLO in audit.toml with the "
    "business's consent.",
)
ERRORS = CheckSpec(
    id="load_error_rate_within_slo",
    title="Each endpoint's error rate stays within the profile's SLO",
    severity=Severity.MEDIUM,
    controls=(*CAPACITY, "soc2_2017:PI1.3"),
    remediation="Find the failing requests in locust.html and load.json; fix the integration or raise it with the "
    "vendor.",
)
RATE = CheckSpec(
    id="load_rate_sustained",
    title="The integration sustains the profile's minimum request rate",
    severity=Severity.MEDIUM,
    controls=CAPACITY,
    remediation="A rate below the minimum at the vendor's limits means a bigger plan (requests_per_second) or "
    "fewer calls per agent action.",
)
CONFORMANCE = CheckSpec(
    id="load_rate_limit_conformance",
    title="Under load the client waits out Retry-After, keeps 429s rare and completes all work",
    severity=Severity.HIGH,
    controls=("iso27001_2022:A.5.22", "soc2_2017:CC9.2", "iso27001_2022:A.8.6"),
    remediation="Honour Retry-After and the vendor's usage headers in every client of the integration; pace "
    "below the vendor's budget.",
)
SPECS = (VALID, LATENCY, ERRORS, RATE, CONFORMANCE)
MAX_429_SHARE = 0.05


def _finding(
    spec: CheckSpec, status: Status, resource: str, message: str, evidence: dict[str, Any], vendor: str = "load"
) -> Finding:
    return Finding(
        check_id=spec.id,
        status=status,
        severity=spec.severity,
        vendor=vendor,
        resource=resource,
        message=message,
        controls=spec.controls,
        evidence=evidence,
        remediation=spec.remediation,
    )


def evaluate(
    summaries: dict[str, Summary], slo: SLO, validity: Any, conformance: dict[str, Any], scheduled: int, completed: int
) -> list[Finding]:
    """Findings for one load run. An invalid run makes every latency verdict an error: unknown is not pass."""
    findings = []
    if validity.valid:
        findings.append(
            _finding(
                VALID,
                Status.PASS,
                "generator",
                "The generator kept its schedule.",
                {"lag_p99_ms": validity.lag_p99_ms, "machine_cpu_p90": validity.machine_cpu_p90},
            )
        )
    else:
        findings.append(
            _finding(
                VALID,
                Status.ERROR,
                "generator",
                "Run INVALID: " + "; ".join(validity.reasons),
                {"reasons": validity.reasons},
            )
        )
    judged = Status.ERROR if not validity.valid else None
    for name, summary in summaries.items():
        if name == "total":
            continue
        vendor = name.split(" ", 1)[0]
        evidence = summary.as_json()
        if slo.p95_ms is None and slo.p99_ms is None:
            findings.append(
                _finding(LATENCY, Status.NOT_APPLICABLE, name, "The profile sets no latency SLO.", {}, vendor)
            )
        elif summary.errors >= summary.count:
            # Only errors were timed: how fast a vendor says no (or serves a login page) is not its latency.
            message = f"{name}: no successful answer in {summary.count} request(s), so no latency to judge."
            findings.append(_finding(LATENCY, Status.ERROR, name, message, evidence, vendor))
        else:
            over = []
            if slo.p95_ms is not None and summary.p95 > slo.p95_ms:
                over.append(f"p95 {summary.p95:.1f} ms > {slo.p95_ms} ms")
            if slo.p99_ms is not None and summary.p99 > slo.p99_ms:
                over.append(f"p99 {summary.p99:.1f} ms > {slo.p99_ms} ms")
            status = judged or (Status.FAIL if over else Status.PASS)
            message = (
                f"{name}: "
                + ("; ".join(over) if over else f"p95 {summary.p95:.1f} ms, p99 {summary.p99:.1f} ms within the SLO")
                + "."
            )
            findings.append(_finding(LATENCY, status, name, message, evidence, vendor))
        if slo.max_error_rate is not None:
            bad = summary.error_rate > slo.max_error_rate
            not_json = f", {summary.not_json} of them 2xx answers that were not JSON" if summary.not_json else ""
            findings.append(
                _finding(
                    ERRORS,
                    judged or (Status.FAIL if bad else Status.PASS),
                    name,
                    f"{name}: error rate {summary.error_rate:.2%} ({summary.errors} of {summary.count}{not_json})"
                    + (f" > {slo.max_error_rate:.2%}." if bad else " within the SLO."),
                    evidence,
                    vendor,
                )
            )
    # Every gate ends in a verdict, even on a run that measured nothing: a gate with no finding did not look.
    if not any(name != "total" for name in summaries):
        nothing = "No endpoint was measured, so there is nothing to judge."
        if slo.p95_ms is not None or slo.p99_ms is not None:
            findings.append(_finding(LATENCY, Status.ERROR, "-", nothing, {}))
        if slo.max_error_rate is not None:
            findings.append(_finding(ERRORS, Status.ERROR, "-", nothing, {}))
    if slo.p95_ms is None and slo.p99_ms is None and not any(f.check_id == LATENCY.id for f in findings):
        findings.append(_finding(LATENCY, Status.NOT_APPLICABLE, "-", "The profile sets no latency SLO.", {}))
    if slo.max_error_rate is None:
        findings.append(_finding(ERRORS, Status.NOT_APPLICABLE, "-", "The profile sets no error-rate SLO.", {}))
    total = summaries.get("total")
    if slo.min_rate is None:
        findings.append(_finding(RATE, Status.NOT_APPLICABLE, "total", "The profile sets no minimum rate.", {}))
    elif total is None:
        findings.append(_finding(RATE, Status.ERROR, "total", "No request was measured, so no rate to judge.", {}))
    else:
        low = total.rate < slo.min_rate
        findings.append(
            _finding(
                RATE,
                judged or (Status.FAIL if low else Status.PASS),
                "total",
                f"Sustained {total.rate:.2f} requests/s" + (f" < {slo.min_rate}." if low else f" >= {slo.min_rate}."),
                total.as_json(),
            )
        )
    problems = []
    if conformance["sent_before_retry_after"]:
        problems.append(f"{conformance['sent_before_retry_after']} request(s) sent before Retry-After elapsed")
    if conformance["share_429"] > MAX_429_SHARE:
        problems.append(f"429s are {conformance['share_429']:.1%} of requests (> {MAX_429_SHARE:.0%})")
    if completed < scheduled:
        problems.append(f"{scheduled - completed} of {scheduled} scheduled requests did not complete")
    share = f"{conformance['share_429']:.1%}"
    fine = f"No request before Retry-After; 429s {share}; all {completed} requests done"
    message = ("; ".join(problems) if problems else fine) + "."
    evidence = conformance | {"scheduled": scheduled, "completed": completed}
    findings.append(_finding(CONFORMANCE, Status.FAIL if problems else Status.PASS, "rate limits", message, evidence))
    return findings
