"""Writing what was received: the year file's new text, then the copies and data files, all or nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from agreement_gen.data import yamledit
from agreement_gen.data.models import DistrictYear, SignedCopy, Status
from agreement_gen.data.structure import Agreement
from agreement_gen.data.validate import stage_problems
from agreement_gen.i18n import _
from agreement_gen.output import atomic_write, atomic_write_all
from agreement_gen.signing.receive.receipt import Receipt, Refusal

SIGNED_COPY_COMMENT = "written by agreement-gen receive"


def signed_data_text(
    before: str, ministry_on: dt.date, district_on: dt.date, copy: SignedCopy, name: str | None
) -> str:
    """The year file's text with status signed, both dates and the signed_copy record; all else as it was."""
    data = yamledit.load(before)
    data["status"] = str(Status.SIGNED)
    signatory = data.get("signatory")
    if not isinstance(signatory, CommentedMap):
        raise ValueError(_("has no 'signatory' mapping"))
    if name and not signatory.get("name"):
        if "name" in signatory:
            signatory["name"] = name
        else:
            signatory.insert(0, "name", name)
    yamledit.set_after(signatory, "signed_on", district_on, after="place")
    ministry = data.get("ministry_signature")
    if isinstance(ministry, CommentedMap):
        if "signed_on" in ministry:
            ministry["signed_on"] = ministry_on
        else:
            ministry.insert(0, "signed_on", ministry_on)
    else:
        yamledit.set_after(data, "ministry_signature", CommentedMap(signed_on=ministry_on), after="signatory")
    record = CommentedMap(_plain(copy.model_dump(exclude_defaults=True)))  # defaults (None, False, []) left out
    data.pop("signed_copy", None)
    yamledit.set_after(data, "signed_copy", record, after="ministry_signature")
    data.yaml_add_eol_comment(f"# {SIGNED_COPY_COMMENT}", "signed_copy", column=_comment_column(data))
    return yamledit.dump(data)


def _plain(value: Any) -> Any:
    """The model's values as YAML writes them: an enum by its value, mappings and lists item by item."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return str(value) if isinstance(value, StrEnum) else value


def _comment_column(data: CommentedMap) -> int | None:
    """The column the file's top-level comments start in (they are aligned), so ours lines up with them."""
    for entry in data.ca.items.values():
        token = entry[2] if len(entry) > 2 else None
        if token is not None and getattr(token, "column", None):
            return int(token.column)
    return None


def prepare(receipt: Receipt, agreement: Agreement, copy: SignedCopy, name: str | None) -> None:
    """Compute the data file's new text and check it the way a signed build would; refuse if it fails."""
    try:
        text = signed_data_text(
            receipt.data_file.read_text(encoding="utf-8"), receipt.ministry_on, receipt.district_on, copy, name
        )
        data = DistrictYear.model_validate(yamledit.load(text))
    except (OSError, YAMLError, ValueError) as exc:
        raise Refusal(_("cannot be recorded in {file}: {reason}").format(file=receipt.data_file, reason=exc)) from exc
    problems = stage_problems(replace(agreement, data=data, status=Status.SIGNED), receipt.data_file)
    if problems:
        raise Refusal(
            _("cannot be recorded in {file}: {field} {message}").format(
                file=receipt.data_file, field=problems[0].field, message=problems[0].message
            )
        )
    receipt.text = text


def store(receipts: Sequence[Receipt]) -> None:
    """The copies first, then the data files; a failure removes the copies this run added."""
    added: list[Path] = []
    try:
        for receipt in receipts:
            if receipt.content is None or receipt.stored is None:
                continue
            existed = receipt.stored.exists()
            atomic_write(receipt.stored, receipt.content)
            if not existed:
                added.append(receipt.stored)
        atomic_write_all({r.data_file: r.text for r in receipts if r.text is not None})
    except BaseException:
        for path in added:
            path.unlink(missing_ok=True)
        raise
