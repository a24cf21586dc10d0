"""Reading a config file: TOML, master-data file, validation reporting every problem."""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from lotedge.config.base import SecretRef, model_of
from lotedge.config.device_urls import check_device_urls
from lotedge.config.model import ComplianceConfig, Config, cross_checks
from lotedge.config.problems import ConfigError, Problem
from lotedge.config.store import StoreConfig
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


def load_store_config(path: str | Path) -> tuple[StoreConfig, Path]:
    """The `[store]` section and the directory it is relative to, from an agent config or from
    a store-only file (one that holds nothing but `[store]`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [Problem("", f"cannot read file: {exc.strerror}")]) from None
    base_dir = path.resolve().parent
    data = _toml(text, str(path))
    if "identity" in data:
        config = parse_config(text, base_dir=base_dir, source=str(path))
        return config.store, base_dir
    try:
        store = StoreFile.model_validate(data).store
    except ValidationError as exc:
        raise ConfigError(str(path), _from_validation_error(exc, text)) from None
    _anchor_secret_files(store, base_dir)
    return store, base_dir


class StoreFile(Section):
    """A config file for the trace store alone."""

    store: StoreConfig = Field(default_factory=StoreConfig)
    locations: list[Location] = Field(default_factory=list, description="Sites and vendors.")
    compliance: ComplianceConfig = Field(default_factory=ComplianceConfig)


def load_store_locations(path: str | Path) -> tuple[list[Location], ComplianceConfig]:
    """The locations (`[[locations]]`) and the `[compliance]` rules of the trace store's config
    file (an agent config or a store-only file), for the recall spreadsheet and kde-check."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(path), [Problem("", f"cannot read file: {exc.strerror}")]) from None
    data = _toml(text, str(path))
    if "identity" in data:
        config = parse_config(text, base_dir=path.resolve().parent, source=str(path))
        return config.locations, config.compliance
    try:
        loaded = StoreFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(str(path), _from_validation_error(exc, text)) from None
    return loaded.locations, loaded.compliance


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
        raise ConfigError(source, problems) from None
    problems.extend(device_problems)
    problems.extend(cross_checks(config))
    if problems:
        raise ConfigError(source, [_with_line(p, text) for p in problems])
    _anchor_secret_files(config, base_dir)
    return config


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
    unknown = set(extra) - {"materials", "products"}
    if unknown:
        return [Problem(key, f"{path} may hold only materials and products, not {sorted(unknown)}")]
    for section in ("materials", "products"):
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
            message = error["msg"].removeprefix("Value error, ")
            if "input" in error and not isinstance(error["input"], dict | list):
                message += f" (got {error['input']!r})"
        problems.append(_with_line(Problem(path, message, hint), text))
    return problems


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


def _with_line(problem: Problem, text: str) -> Problem:
    """Best-effort line number: follow the key path through tables and arrays of tables, each
    part looked for only inside the table (or inline value) found for the part before it."""
    pos, end, found = 0, len(text), None
    for name, index in re.findall(r"([A-Za-z_][\w-]*)(?:\[(\d+)\])?", problem.path):
        region = text[pos:end]
        tables = list(re.finditer(rf"^[ \t]*\[\[[ \t]*{re.escape(name)}[ \t]*\]\]", region, re.M))
        if index and len(tables) > int(index):
            pos += tables[int(index)].start()
        else:
            match = re.search(rf"^[ \t]*(\[[ \t]*)?{re.escape(name)}[ \t]*(=|\])", region, re.M)
            if match is None:
                break
            pos += match.start()
        # What is inside this table (or this key's inline value) ends at the next header.
        line_end = text.find("\n", pos)
        header = _HEADER.search(text, line_end) if line_end >= 0 else None
        end = header.start() if header else len(text)
        found = pos
    if found is None:
        return problem
    line = text.count("\n", 0, found) + 1
    return Problem(problem.path, problem.message, problem.hint, line)
