"""Event export validation: NDJSON, JSON arrays and CSV against a JSON Schema, streaming, per record.

Two engines, one verdict: jsonschema-rs (compiled, formats on) decides whether each record is valid,
at tens of thousands of records a second; python-jsonschema then explains only the invalid ones,
with its messages and JSON pointers. Draft 2020-12 with format checking on in both, `date-time`
checked on the Python side by our own RFC 3339 rule (jsonschema skips it silently without an
optional package), and a schema naming a format nobody checks is refused rather than half-applied.
NDJSON lines are parsed with orjson, falling back to json for what orjson refuses (integers beyond
64 bits) so both parsers must fail before a line counts as malformed.

Schemas and files are untrusted input too. Lines, CSV fields and JSON documents are bounded
(`boundedio.Limits`); schema `pattern`s run on the Rust `regex` engine on both sides, which matches in
linear time and so cannot backtrack without end (https://docs.rs/regex/latest/regex/#untrusted-input; Python's
`re`, which python-jsonschema uses, can: `(a+)+$`); a pattern it cannot take (lookaround, backreferences)
is refused with the schema. `$ref` resolves only inside the schema, never over the network or the disk.
Whatever is wrong with a schema is a `SchemaProblem` naming it, never a problem of the data.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin

import jsonschema
import jsonschema_rs
import referencing
import referencing.exceptions

from vendor_audit.boundedio import (
    InputError,
    Limits,
    csv_field_limit,
    csv_problem,
    open_binary,
    open_text,
    parse_json,
    read_document,
)
from vendor_audit.schemas import load_schema

__all__ = [
    "ExportReport",
    "ExportShapeError",
    "RecordError",
    "SchemaProblem",
    "iter_records",
    "known_schemas",
    "validate_export",
    "validator_for",
]

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
FORMATS = jsonschema.FormatChecker(formats=["email", "date", "uuid", "ipv4", "ipv6", "regex"])


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        raise ValueError("not an RFC 3339 date-time")
    dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))  # month 13, hour 25 raise here
    return True


@dataclass(frozen=True, slots=True)
class RecordError:
    location: str  # "line 17" (NDJSON, and CSV counting the header) or "item 3" (JSON array)
    pointer: str  # JSON pointer inside the record, "" for the whole record
    kind: str  # the schema keyword that failed (type, required, format, enum, ...) or "parse"
    message: str

    def as_json(self, path: str) -> dict[str, str]:
        return {
            "path": path,
            "location": self.location,
            "pointer": self.pointer,
            "kind": self.kind,
            "message": self.message,
        }


@dataclass
class ExportReport:
    path: Path
    schema: str
    records: int = 0
    invalid: int = 0
    errors: list[RecordError] = field(default_factory=list)  # the first `cap`
    counts: Counter[str] = field(default_factory=Counter)
    invalid_locations: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.invalid == 0


class SchemaProblem(ValueError):
    """The schema, not the data, is at fault: one line naming the schema, what is wrong and what to do."""


class ExportShapeError(InputError):
    """An export whose top level is not the shape its format declares (a JSON array of records)."""


SCHEMA_BYTES = 16 << 20  # a schema is read whole; real ones are kilobytes
DEFAULT_LIMITS = Limits()


def known_schemas() -> list[str]:
    """The names of the schemas shipped in vendor_audit.schemas."""
    files = resources.files("vendor_audit.schemas").iterdir()
    return sorted(f.name.removesuffix(".schema.json") for f in files if f.name.endswith(".schema.json"))


def resolve_schema(schema: str) -> Any:
    """A schema by name from schemas/ ("zendesk.ticket_event") or by path to a .json file, parsed."""
    if not schema.endswith(".json"):
        try:
            if not re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*", schema):
                raise FileNotFoundError(schema)
            return load_schema(schema)
        except (FileNotFoundError, IsADirectoryError):
            raise SchemaProblem(
                f"no such schema: {schema}; known: {', '.join(known_schemas())} (or give the path of a .json schema)"
            ) from None
    try:
        data = read_document(Path(schema), Limits(document_bytes=SCHEMA_BYTES, idle_seconds=5))
        return parse_json(data)
    except FileNotFoundError:
        raise SchemaProblem(
            f"schema {schema}: no such file; give a schema file, or a name: {', '.join(known_schemas())}"
        ) from None
    except OSError as exc:
        raise SchemaProblem(f"schema {schema}: cannot read it ({exc.strerror or exc.__class__.__name__})") from None
    except InputError as exc:
        raise SchemaProblem(f"schema {schema}: {exc}") from None
    except ValueError as exc:
        raise SchemaProblem(f"schema {schema}: not valid JSON ({exc}); a schema file holds one JSON Schema") from None


def _nodes(schema: Any) -> Iterator[tuple[dict[str, Any], str]]:
    """Every object in the schema with the base URI in force there; iterative, so depth costs no stack."""
    stack: list[tuple[Any, str]] = [(schema, "")]
    while stack:
        node, base = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("$id"), str):
                base = urljoin(base, node["$id"])
            yield node, base
            stack += [(value, base) for value in node.values()]
        elif isinstance(node, list):
            stack += [(value, base) for value in node]


def _refuse_remote_refs(schema: Any, name: str) -> None:
    """Every $ref must name the schema itself or a resource embedded in it (by $id): nothing is fetched."""
    nodes = list(_nodes(schema))
    local = {""} | {urldefrag(base).url for _, base in nodes}
    for node, base in nodes:
        for keyword in ("$ref", "$dynamicRef"):
            ref = node.get(keyword)
            if isinstance(ref, str) and urldefrag(urljoin(base, ref)).url not in local:
                shown = ref if len(ref) <= 100 else ref[:97] + "..."
                raise SchemaProblem(
                    f"schema {name}: {keyword} {shown!r} points outside the schema; references are resolved only "
                    "inside it, never fetched: copy what it names into the schema's $defs"
                )


def _refuse_retrieval(uri: str) -> Any:
    """Both engines' retriever: a reference the up-front check missed is still never fetched."""
    raise _attrs_class(referencing.exceptions.NoSuchResource)(ref=uri)


def _attrs_class(cls: type) -> Any:
    """`referencing` builds its classes with attrs through its own wrapper, whose fields mypy cannot see."""
    return cls


_LOCAL_ONLY: referencing.Registry[Any] = _attrs_class(referencing.Registry)(retrieve=_refuse_retrieval)


@cache
def _checked_schema(schema_name: str) -> Any:
    """The parsed schema, once it is known to be a valid, self-contained JSON Schema whose formats are checked."""
    schema = resolve_schema(schema_name)
    if not isinstance(schema, dict | bool):
        kind = {list: "an array", str: "a string", int: "a number", float: "a number"}.get(type(schema), "null")
        raise SchemaProblem(f"schema {schema_name}: a JSON Schema is an object (or true or false); found {kind}")
    _refuse_remote_refs(schema, schema_name)
    try:
        jsonschema.Draft202012Validator.check_schema(schema, format_checker=jsonschema.FormatChecker(["regex"]))
    except jsonschema.SchemaError as exc:
        where = _pointer(exc.absolute_path) or "the top level"
        shown = exc.message if len(exc.message) <= 160 else exc.message[:157] + "..."
        raise SchemaProblem(f"schema {schema_name} is not a valid JSON Schema: at {where}, {shown}") from None
    except RecursionError:
        raise SchemaProblem(f"schema {schema_name}: nested too deeply to check; flatten it with $defs") from None
    unchecked = {
        f for node, _ in _nodes(schema) if isinstance(f := node.get("format"), str) and f not in FORMATS.checkers
    }
    if unchecked:
        raise SchemaProblem(f"schema {schema_name} uses format(s) {sorted(unchecked)} that nothing checks")
    return schema


@cache
def fast_validator_for(schema_name: str) -> Any:
    """The compiled validator that decides validity (jsonschema-rs, formats on, linear-time regex, no fetching)."""
    schema = _checked_schema(schema_name)
    try:
        return jsonschema_rs.validator_for(
            schema,
            validate_formats=True,
            pattern_options=jsonschema_rs.RegexOptions(),
            retriever=_refuse_retrieval,
        )
    except Exception as exc:  # jsonschema_rs.ValidationError or ReferencingError, several lines each
        said = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        hint = "; patterns may not use lookaround or backreferences" if "regex" in said else ""
        raise SchemaProblem(f"schema {schema_name}: {said[:200]}{hint}") from None


@functools.lru_cache(maxsize=4096)
def _pattern_matcher(pattern: str) -> Any:
    return jsonschema_rs.validator_for({"pattern": pattern}, pattern_options=jsonschema_rs.RegexOptions())


def _search(pattern: str, text: str) -> bool:
    """re.search's meaning (unanchored), on the linear-time engine."""
    return bool(_pattern_matcher(pattern).is_valid(text))


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[jsonschema.ValidationError]:
    if validator.is_type(instance, "string") and not _search(pattern, instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if _search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator: Any, allowed: Any, instance: Any, schema: Any) -> Iterator[Any]:
    """python-jsonschema's additionalProperties (jsonschema/_keywords.py), its patterns on the linear engine."""
    if not validator.is_type(instance, "object"):
        return
    properties, patterns = schema.get("properties", {}), schema.get("patternProperties", {})
    extras = {k for k in instance if k not in properties and not any(_search(p, k) for p in patterns)}
    if validator.is_type(allowed, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], allowed, path=extra)
    elif not allowed and extras:
        joined = ", ".join(repr(each) for each in sorted(extras, key=str))
        if patterns:
            verb = "does" if len(extras) == 1 else "do"
            regexes = ", ".join(repr(each) for each in sorted(patterns))
            yield jsonschema.ValidationError(f"{joined} {verb} not match any of the regexes: {regexes}")
        else:
            verb = "was" if len(extras) == 1 else "were"
            yield jsonschema.ValidationError(f"Additional properties are not allowed ({joined} {verb} unexpected)")


# python-jsonschema with every keyword that matches patterns moved off `re`. unevaluatedProperties also
# matches patternProperties (jsonschema/_utils.py), so a schema with both is explained by jsonschema-rs.
_extend: Callable[..., Any] = jsonschema.validators.extend  # untyped in types-jsonschema
_Explainer = _extend(
    jsonschema.Draft202012Validator,
    {"pattern": _pattern, "patternProperties": _pattern_properties, "additionalProperties": _additional_properties},
)


def _explained_by_python(schema: Any) -> bool:
    keywords = {key for node, _ in _nodes(schema) for key in node}
    return not {"unevaluatedProperties", "patternProperties"} <= keywords


@cache
def validator_for(schema_name: str) -> jsonschema.protocols.Validator:
    """The validator that explains invalid records (python-jsonschema, linear-time patterns, local $ref only).

    Raises:
        SchemaProblem: the schema cannot be read, is not a valid self-contained JSON Schema, uses a format
            nothing checks, or a pattern the linear-time engine refuses.
    """
    schema = _checked_schema(schema_name)
    fast_validator_for(schema_name)  # a pattern the linear engine refuses is the schema's problem, said up front
    validator: jsonschema.protocols.Validator = _Explainer(schema, format_checker=FORMATS, registry=_LOCAL_ONLY)
    return validator


def _coerce(row: dict[str | None, str | None], properties: dict[str, Any]) -> dict[str, Any]:
    """CSV cells typed by the schema: integers, numbers, booleans, empty cells as null or missing."""
    record: dict[str, Any] = {}
    for key, cell in row.items():
        if key is None:  # cells beyond the header (csv.DictReader's restkey)
            continue
        declared = properties.get(key, {}).get("type", "string")
        types = declared if isinstance(declared, list) else [declared]
        if cell is None or cell == "":
            if "null" in types:
                record[key] = None
            continue  # an empty cell of a non-nullable field is a missing field
        value: Any = cell
        if "integer" in types and re.fullmatch(r"-?\d+", cell):
            value = int(cell)
        elif "number" in types and re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", cell):
            value = float(cell)
        elif "boolean" in types and cell.lower() in {"true", "false"}:
            value = cell.lower() == "true"
        record[key] = value
    return record


def iter_records(
    path: Path, fmt: str, schema: dict[str, Any] | None = None, limits: Limits = DEFAULT_LIMITS
) -> Iterator[tuple[str, Any]]:
    """(location, record) for each record; a record that cannot be parsed comes as a ValueError.

    Raises:
        InputError: a line or CSV field over `limits.record_bytes`, a JSON document over
            `limits.document_bytes`, a record nested deeper than the parsers follow, a pipe that sends
            nothing, or (ExportShapeError) a JSON export whose top level is not an array of records.
    """
    if fmt == "ndjson":
        with open_binary(path, limits) as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    yield f"line {number}", parse_json(line)
                except InputError as exc:
                    raise InputError(f"line {number}: {exc}") from None
                except ValueError as exc:
                    msg, column = getattr(exc, "msg", None), getattr(exc, "colno", None)
                    said = f"{msg} (column {column})" if msg is not None else str(exc)
                    yield f"line {number}", ValueError(f"not valid JSON: {said}")
    elif fmt == "csv":
        properties = (schema or {}).get("properties", {}) if isinstance(schema, dict) else {}
        with open_text(path, limits, newline="") as handle, csv_field_limit(limits.record_bytes):
            reader = csv.DictReader(handle)
            try:
                for row in reader:
                    yield f"line {reader.line_num}", _coerce(dict(row), properties)
            except csv.Error as exc:
                raise InputError(csv_problem(exc, reader.line_num, limits)) from None
    elif fmt == "json":
        try:
            data = parse_json(read_document(path, limits))
        except InputError:
            raise
        except ValueError as exc:
            yield "file", ValueError(f"not valid JSON: {exc}")
            return
        for index, item in enumerate(json_records(data)):
            yield f"item {index}", item
    else:
        raise ValueError(f"unknown export format {fmt!r}; use ndjson, json or csv")


def json_records(data: Any) -> list[Any]:
    """The records of a JSON export: a top-level array, or the array under "data".

    "data" is the list envelope of the Gorgias API, which its exports keep.

    Raises:
        ExportShapeError: anything else (one object, a string, a number, null): "0 records" would read as
            "nothing wrong" for a file that was never an export.
    """
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        return list(data["data"])
    kind = {dict: "an object", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    found = kind.get(type(data), "null")
    if isinstance(data, dict):
        found += ' without a "data" array'
    raise ExportShapeError(
        f"the top level is {found}, not an array of records; a json export is a JSON array of records (or an "
        'object whose "data" is one): export it so, or declare another format'
    )


def _pointer(path: Any) -> str:
    return "".join(f"/{str(p).replace('~', '~0').replace('/', '~1')}" for p in path)


def validate_export(
    path: Path, fmt: str, schema_name: str, *, cap: int = 50, limits: Limits = DEFAULT_LIMITS
) -> ExportReport:
    """Validate every record; keep the first `cap` errors and count them all by kind.

    Raises:
        SchemaProblem: the schema is at fault (checked before the file is opened).
        InputError: the file cannot be read within `limits`, or is not shaped as its format declares.
        OSError: the file cannot be opened.
    """
    validator = validator_for(schema_name)
    fast = fast_validator_for(schema_name)
    schema = _checked_schema(schema_name)
    explains = _explained_by_python(schema)
    report = ExportReport(path, schema_name)
    for location, record in iter_records(path, fmt, schema, limits):
        report.records += 1
        if isinstance(record, ValueError):
            errors = [RecordError(location, "", "parse", str(record))]
        elif fast.is_valid(record):
            continue
        else:
            try:
                errors = (
                    [
                        RecordError(location, _pointer(e.absolute_path), str(e.validator), _message(e))
                        for e in map(_deepest, validator.iter_errors(record))
                    ]
                    if explains
                    else []
                )
            except RecursionError:  # a recursive schema over a deep record: the compiled engine explains it
                errors = []
            errors = (
                errors
                or [  # the engines disagree (a format edge): the compiled engine's verdict and words stand
                    RecordError(location, "".join(f"/{p}" for p in e.instance_path), _rs_kind(e), str(e.message)[:300])
                    for e in fast.iter_errors(record)
                ]
            )
        if errors:
            report.invalid += 1
            report.invalid_locations.append(location)
            for error in errors:
                report.counts[error.kind] += 1
                if len(report.errors) < cap:
                    report.errors.append(error)
    return report


def _rs_kind(error: Any) -> str:
    """jsonschema-rs's error kind as the schema keyword it names: Pattern -> pattern, AdditionalProperties -> ..."""
    name = type(getattr(error, "kind", None)).__name__
    return name[0].lower() + name[1:] if name and name != "NoneType" else "schema"


def _deepest(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """The error to show: for anyOf/oneOf, the branch best_match finds most relevant.

    "'2026-02-30T10:00:00Z' is not a valid date-time" says more than "not valid under any of the given schemas".
    """
    return jsonschema.exceptions.best_match([error]) or error


def _message(error: jsonschema.ValidationError) -> str:
    where = _pointer(error.absolute_path) or "the record"
    if error.validator == "required":
        return f"{where}: {error.message}"
    shown = repr(error.instance)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    if error.validator == "format":
        return f"{where}: {shown} is not a valid {error.validator_value}"
    if error.validator == "pattern":
        return f"{where}: {shown} does not have the expected shape"
    if error.validator == "type":
        return f"{where}: expected {error.validator_value}, found {shown}"
    if error.validator == "enum":
        return f"{where}: {shown} is not one of {error.validator_value}"
    return f"{where}: {error.message}"
