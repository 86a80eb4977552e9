"""Every report of a run directory checked against its published format.

findings.json: schemas/findings.v1; junit.xml: junit-10.xsd (as pytest's own tests use it); CSV: the fixed
columns, every row a finding of findings.v1; assessment-results.json: NIST's OSCAL 1.2.3 JSON schema.
Both third-party schemas are kept in tests/schemas (see its README for where they come from).
"""

from __future__ import annotations

import csv
import json
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import xmlschema

from vendor_audit.reports.tabular import CSV_COLUMNS
from vendor_audit.schemas import load_schema

SCHEMAS = Path(__file__).parent / "schemas"
VOID = {"meta", "br", "img", "hr", "input", "link", "col", "wbr", "source"}


@cache
def oscal_validator() -> Any:
    schema = json.loads((SCHEMAS / "oscal_assessment-results_schema.json").read_text())
    # jsonschema-rs: the OSCAL patterns use \p{L}, which Python's re cannot compile
    return jsonschema_rs.validator_for(schema, validate_formats=True)


@cache
def junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "junit-10.xsd"))


def all_uuids(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["uuid"]] if isinstance(node.get("uuid"), str) else []
        return own + [u for value in node.values() for u in all_uuids(value)]
    if isinstance(node, list):
        return [u for value in node for u in all_uuids(value)]
    return []


def oscal_errors(document: Any) -> list[str]:
    return [f"{list(e.instance_path)}: {e.message[:300]}" for e in oscal_validator().iter_errors(document)]


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids |= {v for k, v in attrs if k == "id" and v}
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
        else:
            self.stack.pop()


def html_structure(text: str) -> _Balance:
    parser = _Balance()
    parser.feed(text)
    parser.close()
    return parser


def assert_valid_reports(run_dir: Path) -> dict[str, Any]:
    findings = json.loads((run_dir / "findings.json").read_text())
    jsonschema.Draft202012Validator(load_schema("findings.v1"), format_checker=jsonschema.FormatChecker()).validate(
        findings
    )
    junit_schema().validate(str(run_dir / "junit.xml"))
    oscal = json.loads((run_dir / "assessment-results.json").read_text())
    assert oscal_errors(oscal) == []
    uuids = all_uuids(oscal)  # OSCAL identifiers must be unique in a document (the JSON schema cannot say so)
    assert len(uuids) == len(set(uuids))
    schema = load_schema("findings.v1")
    finding_schema = {**schema["$defs"]["finding"], "$defs": schema["$defs"]}
    with (run_dir / "findings.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows == [] or tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == len(findings["findings"])
    for row in rows:
        waiver = (
            {"reason": row["waiver_reason"], "owner": row["waiver_owner"], "expires": row["waiver_expires"]}
            if row["waiver_owner"]
            else None
        )
        as_finding = {
            "uid": row["finding_uid"],
            **{k: row[k] for k in ("check_id", "status", "severity", "vendor", "resource", "message", "remediation")},
            "controls": row["controls"].split(";") if row["controls"] else [],
            "evidence": json.loads(row["evidence"]) if row["evidence"] else {},
            "waiver": waiver,
        }
        jsonschema.validate(as_finding, finding_schema, format_checker=jsonschema.FormatChecker())
    assert [r["finding_uid"] for r in rows] == [f["uid"] for f in findings["findings"]]
    assert len({f["uid"] for f in findings["findings"]}) == len(findings["findings"])  # one id per finding
    page = html_structure((run_dir / "report.html").read_text())
    assert page.problems == [], page.problems[:5]
    assert page.stack == []
    assert {"summary", "findings", "waived", "coverage", "not-tested", "certificates"} <= page.ids
    return {"findings": findings, "oscal": oscal, "csv": rows}
