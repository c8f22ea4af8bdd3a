"""JSON Schemas of the data files, generated from the pydantic models, for editors' YAML tooling.

VS Code (with the YAML extension) and other editors using yaml-language-server read the first
line of each data file, `# yaml-language-server: $schema=../../schema/….schema.json`, and
then complete field names and underline wrong values while one types. The schemas are written
into the repository (`make schema`) so that works without running anything; a test fails when
they no longer match the models.

The models stay the judge: the schema is a helpful approximation (it cannot know, say, that a
signed agreement needs both dates), `agreement-gen check` the real validation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from agreement_gen.data.load import DISTRICTS_DIR, YEAR_FILE
from agreement_gen.data.models import District, DistrictYear, FiscalYear
from agreement_gen.output import atomic_write

SCHEMA_DIR = "schema"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
MODELINE = "# yaml-language-server: $schema="

# file kind → (schema file name, model)
SCHEMAS: dict[str, tuple[str, type[BaseModel]]] = {
    "district": ("district.schema.json", District),
    "district-year": ("district-year.schema.json", DistrictYear),
    "year": ("year.schema.json", FiscalYear),
}


class _EditorSchema(GenerateJsonSchema):
    """pydantic's schema, adjusted to what the YAML loader and models accept."""

    def decimal_schema(self, schema: core_schema.DecimalSchema) -> JsonSchemaValue:
        # An amount is a plain YAML number; the models refuse text such as "1.288.930".
        return {"type": "number"}

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        result = super().dict_schema(schema)
        keys = schema.get("keys_schema", {})
        if keys.get("type") == "int":  # YAML `1:` arrives as the key "1" in JSON terms
            result["propertyNames"] = {"pattern": "^[0-9]+$"}
        return result


def _standard(value: Any) -> Any:
    """Without pydantic's own keywords (`decimal_places`), which JSON Schema does not define."""
    if isinstance(value, dict):
        return {k: _standard(v) for k, v in value.items() if k != "decimal_places"}
    if isinstance(value, list):
        return [_standard(v) for v in value]
    return value


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(schema_generator=_EditorSchema)
    return {"$schema": DIALECT, **_standard(schema)}


def schema_text(model: type[BaseModel]) -> str:
    return json.dumps(schema_of(model), indent=2, ensure_ascii=False) + "\n"


def write_schemas(root: Path) -> list[Path]:
    """Write every schema into ROOT/schema/; returns the files that changed."""
    folder = root / SCHEMA_DIR
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, model in SCHEMAS.values():
        path = folder / name
        text = schema_text(model)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            atomic_write(path, text)
            changed.append(path)
    return changed


def kind_of(data_file: Path, counties: Path) -> str | None:
    """Which schema a data file follows, from where it lies in counties/."""
    relative = data_file.relative_to(counties)
    if len(relative.parts) != 2 or data_file.suffix != ".yaml":
        return None
    folder, name = relative.parts
    if folder == DISTRICTS_DIR:
        return "district"
    if folder.isdigit():
        return "year" if name == YEAR_FILE else "district-year"
    return None


def modeline(data_file: Path, counties: Path, root: Path) -> str | None:
    """The first line a data file should have, with the schema's path relative to the file."""
    kind = kind_of(data_file, counties)
    if kind is None:
        return None
    schema = root / SCHEMA_DIR / SCHEMAS[kind][0]
    depth = len(data_file.resolve().parent.relative_to(root.resolve()).parts)
    relative = "/".join([".."] * depth + [SCHEMA_DIR, schema.name])
    return MODELINE + relative


def data_files(counties: Path) -> list[Path]:
    return sorted(p for p in counties.glob("*/*.yaml") if kind_of(p, counties))


def add_modelines(counties: Path, root: Path) -> list[Path]:
    """Give every data file its schema line (first line; the rest of the file stays byte for byte)."""
    changed = []
    for path in data_files(counties):
        line = modeline(path, counties, root)
        # data_files lists only files whose kind is known, and only those lack a modeline
        assert line is not None
        text = path.read_text(encoding="utf-8")
        first, newline, rest = text.partition("\n")
        if first == line:
            continue
        # An outdated reference is replaced; otherwise the line goes on top of the untouched file.
        text = line + newline + rest if first.startswith(MODELINE) else line + "\n" + text
        atomic_write(path, text)
        changed.append(path)
    return changed
