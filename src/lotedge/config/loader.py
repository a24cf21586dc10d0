"""Reading a config file: TOML, master-data file, validation reporting every problem."""

from __future__ import annotations

import copy
import csv
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from lotedge.config.base import SecretRef, model_of
from lotedge.config.device_urls import check_device_urls
from lotedge.config.model import (
    ComplianceConfig,
    Config,
    check_customer_locations,
    cross_checks,
)
from lotedge.config.problems import ConfigError, Problem
from lotedge.config.shipping import check_customers
from lotedge.config.store import StoreConfig
from lotedge.masterdata.customers import Customer
from lotedge.masterdata.locations import Location
from lotedge.masterdata.section import Section
from lotedge.masterdata.suggestions import suggest

_CSV_LIST_FIELDS = {"gtins"}


def load_config(path: str | Path) -> Config:
    """Load and validate a config file; raises ConfigError listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [Problem("", f"cannot read file: {exc.strerror}")]) from None
    return parse_config(text, base_dir=path.resolve().parent, source=str(path))


@dataclass(frozen=True)
class StoreSettings:
    """What the trace store reads from its config file."""

    store: StoreConfig
    base_dir: Path
    """The config file's directory: relative paths in `store` resolve against it."""
    customers: tuple[Customer, ...] = ()
    """The customers shipments go to (`[[customers]]`, or the master-data file's)."""
    locations: tuple[Location, ...] = ()
    """Our sites, vendors' and customers' places (`[[locations]]`, or the master-data file's)."""
    compliance: ComplianceConfig = field(default_factory=ComplianceConfig)
    """The regulators' rules the records are checked against (`[compliance]`)."""


def load_store_config(path: str | Path) -> StoreSettings:
    """The `[store]` section, the customers, locations, compliance rules and the directory they
    are relative to, from an agent config or from a store-only file (`[store]`, `[[customers]]`,
    `[[locations]]`, `[compliance]` and `master_data_file` only; of the master-data file it takes
    the customers and locations). Without a `database_url`, the trace
    database is `trace.db` in an agent config's state directory (never beside the config file,
    which may be in a source tree), or beside a store-only file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [Problem("", f"cannot read file: {exc.strerror}")]) from None
    base_dir = path.resolve().parent
    data = _toml(text, str(path))
    if "identity" in data:
        config = parse_config(text, base_dir=base_dir, source=str(path))
        store = config.store
        if "database_url" not in store.model_fields_set:
            in_state = f"sqlite:///{config.state_dir / 'trace.db'}"
            store = store.model_copy(update={"database_url": in_state})
        return StoreSettings(
            store, base_dir, tuple(config.customers), tuple(config.locations), config.compliance
        )
    problems = []
    master_file = data.get("master_data_file")
    if isinstance(master_file, str):
        master: dict[str, Any] = {}  # of which a store takes the customers and locations
        problems.extend(_merge_master_data(master, base_dir / master_file))
        for section in ("customers", "locations"):
            data[section] = [*data.get(section, []), *master.get(section, [])]
    try:
        loaded = StoreFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(str(path), problems + _from_validation_error(exc, text)) from None
    problems.extend(check_customers(loaded.customers))
    problems.extend(_unique_location_codes(loaded.locations))
    problems.extend(check_customer_locations(loaded.customers, loaded.locations))
    if problems:
        raise ConfigError(str(path), [_with_line(p, text) for p in problems])
    _anchor_secret_files(loaded.store, base_dir)
    return StoreSettings(
        loaded.store,
        base_dir,
        tuple(loaded.customers),
        tuple(loaded.locations),
        loaded.compliance,
    )


def _unique_location_codes(locations: list[Location]) -> list[Problem]:
    """Location codes each name one location."""
    codes = [loc.code for loc in locations]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if not dupes:
        return []
    return [Problem("locations", f"location code used more than once: {', '.join(dupes)}")]


class StoreFile(Section):
    """A config file for the trace store alone."""

    store: StoreConfig = Field(default_factory=StoreConfig)
    master_data_file: str | None = Field(
        default=None,
        description="Optional TOML master-data file; its customers and locations are read.",
    )
    customers: list[Customer] = Field(default_factory=list, description="Customers.")
    locations: list[Location] = Field(
        default_factory=list, description="Sites, vendors and customers' places (docs/recall.md)."
    )
    compliance: ComplianceConfig = Field(default_factory=ComplianceConfig)


def _toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, [Problem("", f"not valid TOML: {exc}")]) from None


def parse_config(text: str, *, base_dir: Path, source: str = "<config>") -> Config:
    """Validate TOML text as a config; relative paths resolve against `base_dir`."""
    data = _toml(text, source)
    problems: list[Problem] = []
    master_file = data.get("master_data_file")
    if isinstance(master_file, str):
        problems.extend(_merge_master_data(data, base_dir / master_file))
    # Device URLs are checked on the raw data, so a bad URL and a bad value elsewhere show
    # together, whichever is fixed first.
    device_problems = check_device_urls(data)
    try:
        config = Config.model_validate({**data, "base_dir": base_dir})
    except ValidationError as exc:
        problems.extend(_from_validation_error(exc, text))
        problems.extend(_with_line(p, text) for p in device_problems)
        problems.extend(_with_line(p, text) for p in _cross_checks_without(exc, data, base_dir))
        raise ConfigError(source, problems) from None
    problems.extend(device_problems)
    problems.extend(cross_checks(config))
    if problems:
        raise ConfigError(source, [_with_line(p, text) for p in problems])
    _anchor_secret_files(config, base_dir)
    return config


def _cross_checks_without(
    exc: ValidationError, data: dict[str, Any], base_dir: Path
) -> list[Problem]:
    """The checks across sections (lot templates, BOMs ...) of a config with type errors: run on
    the config without the wrong values (their defaults instead), so that one run lists every
    problem. Nothing when a required key is missing: there is no config to check then."""
    errors = exc.errors()
    if any(error["type"] == "missing" for error in errors):
        return []
    lenient = copy.deepcopy(data)
    for error in errors:
        _remove(lenient, error["loc"])
    try:
        config = Config.model_validate({**lenient, "base_dir": base_dir})
    except ValidationError:
        return []
    wrong = [_format_loc(error["loc"]) for error in errors]
    return [
        problem
        for problem in cross_checks(config)
        if not any(problem.path.startswith(path) for path in wrong)
    ]


def _remove(data: Any, loc: tuple[int | str, ...]) -> None:
    """Remove the value at `loc` (a pydantic error location) from nested TOML data."""
    *parents, last = loc
    for part in parents:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return
    if isinstance(data, dict):
        data.pop(last, None)


def _anchor_secret_files(model: BaseModel, base_dir: Path) -> None:
    """Secret files named relative to the config file are read from its directory."""
    for _key, secret in secret_refs(model):
        if secret.file is not None and not Path(secret.file).expanduser().is_absolute():
            secret.file = str(base_dir / secret.file)


def secret_refs(model: BaseModel, path: str = "") -> Iterator[tuple[str, SecretRef]]:
    """Every secret reference in a config, with its key path."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        key = f"{path}.{name}" if path else name
        if isinstance(value, SecretRef):
            yield key, value
        elif isinstance(value, BaseModel):
            yield from secret_refs(value, key)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from secret_refs(item, f"{key}[{i}]")


def _merge_master_data(data: dict[str, Any], path: Path) -> list[Problem]:
    """Append materials/products from a TOML or CSV file to the config data."""
    key = "master_data_file"
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        return [Problem(key, f"cannot read {path}: {exc.strerror}", "path is relative to config")]
    if path.suffix.lower() == ".csv":
        rows = [_csv_material(row) for row in csv.DictReader(raw.splitlines())]
        data["materials"] = [*data.get("materials", []), *rows]
        return []
    try:
        extra = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        return [Problem(key, f"{path} is not valid TOML: {exc}")]
    sections = ("materials", "products", "customers", "locations")
    unknown = set(extra) - set(sections)
    if unknown:
        return [Problem(key, f"{path} may hold only {', '.join(sections)}, not {sorted(unknown)}")]
    for section in sections:
        data[section] = [*data.get(section, []), *extra.get(section, [])]
    return []


def _csv_material(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row as a material table: empty cells are absent, list cells split on ';'."""
    material: dict[str, Any] = {}
    for column, cell in row.items():
        if column is None or cell is None or not cell.strip():
            continue
        value = cell.strip()
        material[column.strip()] = (
            [v.strip() for v in value.split(";") if v.strip()]
            if column.strip() in _CSV_LIST_FIELDS
            else value
        )
    return material


def _from_validation_error(exc: ValidationError, text: str) -> list[Problem]:
    problems = []
    for error in exc.errors():
        loc = error["loc"]
        path = _format_loc(loc)
        hint = ""
        if error["type"] == "extra_forbidden":
            message = "unknown key"
            hint = suggest(str(loc[-1]), _allowed_keys(loc[:-1]), "remove it or check the docs")
        elif error["type"] == "missing":
            message = "required key is missing"
        else:
            message = _in_our_words(error)
            if error["type"] == "string_pattern_mismatch":
                hint = _description(loc)
            if "input" in error and not isinstance(error["input"], dict | list):
                message += f" (got {error['input']!r})"
        problems.append(_with_line(Problem(path, message, hint), text))
    return problems


#: pydantic's messages for a wrong value, as this project says them ({...}: the error's context).
_OUR_WORDS = {
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text (in quotes)",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "literal_error": "must be {expected}",
    "enum": "must be {expected}",
    "string_pattern_mismatch": "is not of the form this key takes",
    "string_too_long": "is too long (at most {max_length} characters)",
    "string_too_short": "is too short (at least {min_length} characters)",
    "list_type": "must be a list [...]",
    "dict_type": "must be a table",
}


def _in_our_words(error: Any) -> str:
    """The error's message in our words where we have them, else pydantic's (our own
    validators' messages are ours already)."""
    words = _OUR_WORDS.get(error["type"])
    if words is None:
        return str(error["msg"]).removeprefix("Value error, ")
    return words.format(**error.get("ctx", {}))


def _description(loc: tuple[int | str, ...]) -> str:
    """The description of the field at `loc`: what a value of it looks like."""
    *parents, name = [part for part in loc if not isinstance(part, int)]
    model: type[BaseModel] = Config
    for part in parents:
        field = model.model_fields.get(str(part))
        inner = model_of(field.annotation) if field else None
        if inner is None:
            return ""
        model = inner
    field = model.model_fields.get(str(name))
    return (field.description or "") if field else ""


def _format_loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    """Field names of the model at `loc`, for 'did you mean' hints."""
    model: type[BaseModel] = Config
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return []
        inner = model_of(field.annotation)
        if inner is None:
            return []
        model = inner
    return list(model.model_fields)


_HEADER = re.compile(r"^[ \t]*\[", re.M)


def _table_end(text: str, pos: int) -> int:
    """Where what is inside the table (or key's inline value) at `pos` ends: the next header."""
    line_end = text.find("\n", pos)
    header = _HEADER.search(text, line_end) if line_end >= 0 else None
    return header.start() if header else len(text)


def _with_line(problem: Problem, text: str) -> Problem:
    """Best-effort line number: follow the key path through tables and arrays of tables, each
    part looked for only inside the table (or inline value) found for the part before it."""
    parts = re.findall(r"([A-Za-z_][\w-]*)(?:\[(\d+)\])?", problem.path)
    pos, end, found = 0, len(text), None
    # A dotted table header ([store.mqtt]) for the longest plain prefix of the path.
    for k in range(len(parts), 1, -1):
        if any(index for _, index in parts[:k]):
            continue
        dotted = r"[ \t]*\.[ \t]*".join(re.escape(name) for name, _ in parts[:k])
        header = re.search(rf"^[ \t]*\[[ \t]*{dotted}[ \t]*\]", text, re.M)
        if header is not None:
            pos = found = header.start()
            end = _table_end(text, pos)
            parts = parts[k:]
            break
    for name, index in parts:
        region = text[pos:end]
        tables = list(re.finditer(rf"^[ \t]*\[\[[ \t]*{re.escape(name)}[ \t]*\]\]", region, re.M))
        if index and len(tables) > int(index):
            pos += tables[int(index)].start()
        else:
            match = re.search(rf"^[ \t]*(\[[ \t]*)?{re.escape(name)}[ \t]*(=|\])", region, re.M)
            if match is None:
                break
            pos += match.start()
        end = _table_end(text, pos)
        found = pos
    if found is None:
        return problem
    line = text.count("\n", 0, found) + 1
    return Problem(problem.path, problem.message, problem.hint, line)
