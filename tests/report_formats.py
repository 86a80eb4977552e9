"""Every report of a run directory checked against its published format.

findings.json: schemas/findings.v1; junit.xml: junit-10.xsd (as pytest's own tests use it); CSV: the fixed
columns, every row a finding of findings.v1; assessment-results.json: NIST's OSCAL 1.2.3 JSON schema;
results.sarif: OASIS's SARIF 2.1.0 JSON schema and what GitHub code scanning needs besides; findings.ocsf.json:
the OCSF 1.5.0 definitions (ocsf/ocsf-schema) and Prowler's py-ocsf-models. The third-party schemas are kept in
tests/schemas (see its README for where they come from).
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
def sarif_validator() -> Any:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())
    return jsonschema_rs.Draft4Validator(schema, validate_formats=True)


def sarif_errors(document: Any) -> list[str]:
    """The schema's complaints, then what the schema cannot say: SARIF's own rules and GitHub's required subset.

    GitHub's list: https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning
    """
    errors = [f"{list(e.instance_path)}: {e.message[:300]}" for e in sarif_validator().iter_errors(document)]
    if errors:
        return errors
    for run in document["runs"]:
        rules = run["tool"]["driver"].get("rules", [])
        for rule in rules:
            for key in ("shortDescription", "fullDescription", "help"):
                if not rule.get(key, {}).get("text"):
                    errors.append(f"rule {rule['id']}: {key}.text is required by GitHub")
            score = rule.get("properties", {}).get("security-severity")
            if score is not None and not 0.0 < float(score) <= 10.0:
                errors.append(f"rule {rule['id']}: security-severity {score!r} is outside (0, 10]")
        seen: set[str] = set()
        for number, result in enumerate(run.get("results", [])):
            where = f"result {number} ({result.get('ruleId')})"
            if rules[result["ruleIndex"]]["id"] != result["ruleId"]:
                errors.append(f"{where}: ruleIndex names another rule")
            if result.get("level", "none") != "none" and result.get("kind", "fail") != "fail":  # SARIF 3.27.9
                errors.append(f"{where}: level {result['level']} on kind {result['kind']}")
            if not result["message"].get("text"):
                errors.append(f"{where}: no message text")
            physical = (result.get("locations") or [{}])[0].get("physicalLocation", {})
            if not physical.get("artifactLocation", {}).get("uri") or "startLine" not in physical.get("region", {}):
                errors.append(f"{where}: GitHub displays only results with a file location and a start line")
            fingerprint = result.get("partialFingerprints", {}).get("primaryLocationLineHash")
            if not fingerprint or fingerprint in seen:
                errors.append(f"{where}: primaryLocationLineHash missing or shared: {fingerprint!r}")
            seen.add(fingerprint or "")
    return errors


OCSF_SCHEMA = SCHEMAS / "ocsf-1.5.0"
_OCSF_COMPUTED = {"class_uid", "category_uid", "type_uid"}  # enums the OCSF server derives; checked by their rule
# What OCSF 1.5.0 defines and py-ocsf-models 0.10 (its ComplianceFinding, Compliance) does not model: the one thing
# the model drops from our events. Its sibling status_id is modelled; the caption is needed for "Other" (99).
PY_OCSF_MODELS_GAPS = {("compliance", "status")}


@cache
def _ocsf_json(relative: str) -> Any:
    return json.loads((OCSF_SCHEMA / relative).read_text())


@cache
def ocsf_definition(name: str) -> dict[str, dict[str, Any]]:
    """An OCSF class or object's attributes, its `extends` chain merged and each completed from the dictionary."""
    path = next(OCSF_SCHEMA.glob(f"events/**/{name}.json"), None) or OCSF_SCHEMA / "objects" / f"{name}.json"
    raw = json.loads(path.read_text())
    merged = dict(ocsf_definition(raw["extends"])) if raw.get("extends") else {}
    for attribute, spec in raw.get("attributes", {}).items():
        if not attribute.startswith("$"):  # $include: a profile's attributes, used only with that profile
            merged[attribute] = {**merged.get(attribute, {}), **spec}
    dictionary = _ocsf_json("dictionary.json")["attributes"]
    complete = {}
    for attribute, spec in merged.items():
        known = dictionary.get(attribute, {})
        complete[attribute] = {**known, **spec, "enum": {**known.get("enum", {}), **spec.get("enum", {})}}
    return complete


def _ocsf_base_type(type_name: str) -> str:
    types = _ocsf_json("dictionary.json")["types"]["attributes"]
    while type_name in types and "type" in types[type_name]:
        type_name = types[type_name]["type"]
    return type_name


def _ocsf_value_errors(value: Any, spec: dict[str, Any], where: str) -> list[str]:
    kind = spec.get("type", "")
    if not kind.endswith("_t") and kind != "object":
        if not isinstance(value, dict):
            return [f"{where}: a {kind} object expected"]
        return ocsf_object_errors(value, kind, where)
    base = _ocsf_base_type(kind)
    expected: Any = {
        "integer_t": int,
        "long_t": int,
        "float_t": (int, float),
        "boolean_t": bool,
        "string_t": str,
        "object": dict,
    }.get(base, object)
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        return [f"{where}: {value!r} is not {base}"]
    return []


def ocsf_object_errors(node: dict[str, Any], name: str, where: str) -> list[str]:
    definition = ocsf_definition(name)
    required = [a for a, spec in definition.items() if spec.get("requirement") == "required"]
    errors = [f"{where}.{a}: required by {name}" for a in required if a not in node]
    for attribute, value in node.items():
        spec = definition.get(attribute)
        if spec is None:
            errors.append(f"{where}.{attribute}: not an attribute of {name}")
            continue
        values = value if spec.get("is_array") else [value]
        if spec.get("is_array") and not isinstance(value, list):
            errors.append(f"{where}.{attribute}: an array expected")
            continue
        for item in values:
            errors += _ocsf_value_errors(item, spec, f"{where}.{attribute}")
        enum = spec.get("enum")
        if enum and attribute not in _OCSF_COMPUTED:
            if str(value) not in enum:
                errors.append(f"{where}.{attribute}: {value!r} is not one of {sorted(enum)}")
            elif spec.get("sibling") and value != 99 and node.get(spec["sibling"]) != enum[str(value)]["caption"]:
                errors.append(f"{where}.{spec['sibling']}: not the caption of {attribute} {value}")
    return errors


def ocsf_errors(event: dict[str, Any]) -> list[str]:
    """An OCSF 1.5.0 Compliance Finding event against the schema's definitions (ocsf/ocsf-schema at tag 1.5.0)."""
    errors = ocsf_object_errors(event, "compliance_finding", "event")
    category = _ocsf_json("categories.json")["attributes"]["findings"]["uid"]
    class_uid = category * 1000 + _ocsf_json("events/findings/compliance_finding.json")["uid"]
    if (event.get("category_uid"), event.get("class_uid")) != (category, class_uid):
        errors.append(f"event: category_uid/class_uid must be {category}/{class_uid}")
    if event.get("type_uid") != class_uid * 100 + event.get("activity_id", -1):
        errors.append("event: type_uid must be class_uid * 100 + activity_id")
    if event.get("metadata", {}).get("version") != "1.5.0":
        errors.append("event: metadata.version is not 1.5.0")
    return errors


def ocsf_model_losses(event: dict[str, Any]) -> list[str]:
    """What Prowler's py-ocsf-models does not keep of the event: its ComplianceFinding drops unknown fields silently."""
    # py-ocsf-models ships no py.typed marker
    from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding  # type: ignore[import-untyped]

    kept = ComplianceFinding.model_validate(event).model_dump(mode="json", exclude_unset=True)
    expected = json.loads(json.dumps(event))
    for parent, attribute in PY_OCSF_MODELS_GAPS:
        expected.get(parent, {}).pop(attribute, None)
    return _differences(expected, kept, "event")


def _differences(expected: Any, kept: Any, where: str) -> list[str]:
    if isinstance(expected, dict) and isinstance(kept, dict):
        out = [f"{where}.{k}: dropped" for k in expected if k not in kept]
        out += [f"{where}.{k}: added" for k in kept if k not in expected]
        return out + [d for k in expected if k in kept for d in _differences(expected[k], kept[k], f"{where}.{k}")]
    if isinstance(expected, list) and isinstance(kept, list) and len(expected) == len(kept):
        pairs = enumerate(zip(expected, kept, strict=True))
        return [d for i, (a, b) in pairs for d in _differences(a, b, f"{where}[{i}]")]
    return [] if expected == kept else [f"{where}: {expected!r} became {kept!r}"]


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
    checked: dict[str, Any] = {"findings": findings, "oscal": oscal, "csv": rows}
    checked |= assert_valid_machine_formats(run_dir, findings)
    return checked


def assert_valid_machine_formats(run_dir: Path, findings: dict[str, Any]) -> dict[str, Any]:
    """results.sarif and findings.ocsf.json, when the run wrote them, against their formats and findings.json."""
    checked: dict[str, Any] = {}
    by_uid = {f["uid"]: f for f in findings["findings"]}
    if (run_dir / "results.sarif").exists():
        sarif = json.loads((run_dir / "results.sarif").read_text())
        assert sarif_errors(sarif) == []
        (run,) = sarif["runs"]
        shown = [r["partialFingerprints"]["primaryLocationLineHash"] for r in run["results"]]
        wanted = [f["uid"] for f in findings["findings"] if f["status"] in ("fail", "waived", "error", "manual")]
        assert sorted(shown) == sorted(wanted)  # every finding that needs someone, and only those
        looked = findings["exit_code"] != 2 and findings["state"] == "complete"
        assert run["invocations"][0]["executionSuccessful"] is looked
        checked["sarif"] = sarif
    if (run_dir / "findings.ocsf.json").exists():
        events = json.loads((run_dir / "findings.ocsf.json").read_text())
        run_level = [e for e in events if e["metadata"]["event_code"] == "audit_looked_everywhere"]
        per_finding = [e for e in events if e not in run_level]
        assert [e["finding_info"]["uid"] for e in per_finding] == list(by_uid)  # one event per finding, in order
        # and one per problem of the whole run or a partial/interrupted state, in error: never all Pass
        assert len(run_level) == len(findings["problems"]) + (findings["state"] != "complete")
        assert all(e["compliance"]["status"] == "Unknown" for e in run_level)
        for event in events:
            assert ocsf_errors(event) == [], event["finding_info"]["uid"]
            assert ocsf_model_losses(event) == [], event["finding_info"]["uid"]
        checked["ocsf"] = events
    return checked
