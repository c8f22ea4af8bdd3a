"""The user-facing strings of the source and the catalogs that translate them (`make translations`, tests).

Two kinds of string reach the user: those wrapped in `_()`, `N_()` or `ngettext()` (found by
Babel's extractor over the source) and the help texts of the click commands and options (read
from the command objects, where the docstring or `help=` put them). Both are msgids; `i18n.py`
says which `.po` file each belongs to.
"""

from __future__ import annotations

import importlib
import io
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from agreement_gen.i18n import AREAS, CATALOG_DIR, CLICK_CATALOG, area_of, compile_po

PACKAGE = Path(__file__).parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
MessageId = str | tuple[str, str]


@dataclass
class SourceMessage:
    msgid: MessageId
    locations: list[tuple[str, int]] = field(default_factory=list)  # (path relative to the package, line)

    @property
    def key(self) -> str:
        return self.msgid if isinstance(self.msgid, str) else self.msgid[0]

    @property
    def area(self) -> str:
        return area_of(self.locations[0][0])


def _add(found: dict[str, SourceMessage], msgid: MessageId, path: str, line: int) -> None:
    key = msgid if isinstance(msgid, str) else msgid[0]
    found.setdefault(key, SourceMessage(msgid)).locations.append((path, line))


def extracted_messages(directory: Path = PACKAGE) -> dict[str, SourceMessage]:
    """Every literal passed to `_()`, `N_()` or `ngettext()` under `directory`, with where it stands."""
    found: dict[str, SourceMessage] = {}
    for filename, line, msgid, _comments, _context in extract_from_dir(
        directory, method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        if isinstance(msgid, tuple):
            msgid = (msgid[0], msgid[1])
        _add(found, msgid, filename.replace(os.sep, "/"), line)
    return found


def _help_items(command: click.Command) -> Iterator[str]:
    from agreement_gen.cli import english_help

    items: list[click.Command | click.Parameter] = [command, *command.params]
    for item in items:
        yield from (text for text in english_help(item).values() if text)


def _singular(msgid: str | tuple[str, ...] | list[str]) -> str:
    """A catalog entry's msgid, or its singular for a plural entry."""
    return msgid if isinstance(msgid, str) else msgid[0]


def help_messages() -> dict[str, SourceMessage]:
    """The help texts of the group and of every verb (docstrings and `help=`), located by module."""
    from agreement_gen.cli import COMMANDS, cli

    found: dict[str, SourceMessage] = {}
    for text in _help_items(cli):
        _add(found, text, "cli.py", 0)
    for module_name in COMMANDS.values():
        module = importlib.import_module(f"agreement_gen.commands.{module_name}")
        path = Path(module.__file__ or "").relative_to(PACKAGE).as_posix()
        for text in _help_items(module.command):
            _add(found, text, path, 0)
    return found


def user_messages() -> dict[str, SourceMessage]:
    """Everything the user can read that the catalogs must translate."""
    found = extracted_messages()
    for key, message in help_messages().items():
        if key in found:
            found[key].locations.extend(message.locations)
        else:
            found[key] = message
    return found


def read_catalog(name: str) -> Catalog:
    path = CATALOG_DIR / f"{name}.po"
    if not path.is_file():
        return _new_catalog(name)
    with path.open("rb") as handle:
        return read_po(handle, locale="de", domain=name)


def _new_catalog(name: str) -> Catalog:
    # Fixed dates and names: a header that changed on every `make translations` would make merges conflict.
    fixed = datetime(2026, 12, 1, tzinfo=UTC)
    return Catalog(
        locale="de",
        domain=name,
        project="agreement-gen",
        version="1",
        header_comment=f"# German texts of agreement-gen, area '{name}' (see src/agreement_gen/i18n.py).",
        creation_date=fixed,
        revision_date=fixed,
        last_translator="agreement-gen",
        language_team="de",
        msgid_bugs_address="",
        fuzzy=False,
    )


def rendered_catalog(catalog: Catalog) -> bytes:
    """The .po text, without line numbers (they change with every edit and would make merges conflict)."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=116, include_lineno=False, sort_output=True, omit_header=False)
    return buffer.getvalue()


def write_catalog(name: str, catalog: Catalog) -> None:
    path = CATALOG_DIR / f"{name}.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    from agreement_gen.output import atomic_write

    atomic_write(path, rendered_catalog(catalog))


def translated(message_string: str | tuple[str, ...] | list[str] | None) -> bool:
    if isinstance(message_string, (tuple, list)):
        return all(message_string)
    return bool(message_string)


def update_catalogs(into: str | None = None) -> dict[str, int]:
    """Add every new msgid to its area's .po (empty msgstr), mark vanished ones obsolete, compile all.

    A msgid already in some area's file stays there, wherever its code moved; `into` puts every
    new msgid into that area's file instead of its code's (strings you add in another area's module
    then stay in your own file). Returns, per area, how many msgids still lack a German text.
    """
    messages = user_messages()
    catalogs = {area: read_catalog(area) for area in AREAS}
    home: dict[str, str] = {}
    for area, catalog in catalogs.items():
        for entry in catalog:
            if entry.id:
                home.setdefault(_singular(entry.id), area)
    # Only what changed is written: six people edit these files, and a rewritten location comment
    # would conflict with a colleague's edit next to it. A new entry names the first file it is in.
    changed: set[str] = set()
    for key, message in messages.items():
        if key in home:
            continue
        area = into or message.area
        first = sorted((path, 0) for path, _line in message.locations)[:1]
        catalogs[area].add(message.msgid, "" if isinstance(message.msgid, str) else ("", ""), locations=first)
        changed.add(area)
    untranslated = {}
    for area, catalog in catalogs.items():
        for entry in list(catalog):
            if entry.id and _singular(entry.id) not in messages:
                # keyed as babel's read_po keys obsolete entries: by the singular msgid (and context)
                key = _singular(entry.id)
                catalog.obsolete[key if entry.context is None else (key, entry.context)] = entry
                del catalog[entry.id]
                changed.add(area)
        path = CATALOG_DIR / f"{area}.po"
        # A translation typed by hand (one long line) is rewritten in the normalised form too.
        if area in changed or not path.is_file() or path.read_bytes() != rendered_catalog(catalog):
            write_catalog(area, catalog)
        untranslated[area] = sum(1 for entry in catalog if entry.id and not translated(entry.string))
        (CATALOG_DIR / f"{area}.mo").write_bytes(compile_po(CATALOG_DIR / f"{area}.po"))
    (CATALOG_DIR / f"{CLICK_CATALOG}.mo").write_bytes(compile_po(CATALOG_DIR / f"{CLICK_CATALOG}.po"))
    return untranslated


def main(argv: list[str] | None = None) -> int:
    """`python -m agreement_gen.catalogs [AREA]` (`make translations [AREA=round]`)."""
    argv = sys.argv[1:] if argv is None else argv
    into = argv[0] if argv else None
    if into is not None and into not in AREAS:
        print(f"unknown area {into!r}; the areas are {', '.join(AREAS)}", file=sys.stderr)
        return 2
    untranslated = update_catalogs(into)
    for area, count in untranslated.items():
        print(
            f"{CATALOG_DIR / area}.po: {count} without German text" if count else f"{CATALOG_DIR / area}.po: complete"
        )
    return 1 if any(untranslated.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
