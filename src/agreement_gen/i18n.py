"""Translations of what the user reads: German by default, English on request.

The English text is the msgid; the German text lives in gettext catalogs kept in the repository,
one `.po` file per area of the code so that nobody edits the same file as a colleague:

    src/agreement_gen/locale/de/LC_MESSAGES/AREA.po

| area        | .po file        | code                                                                        |
|-------------|-----------------|-----------------------------------------------------------------------------|
| `core`      | `core.po`       | cli.py, commands/ (unless listed below), data/, build/, publish/ (but       |
|             |                 | progress.py), editors/budgets/, errors, ui – everything not below           |
| `round`     | `round.po`      | the signing round's record: signing/receive/, publish/progress.py,          |
|             |                 | editors/newyear.py, data/readiness.py, signing/record.py, sending.py,       |
|             |                 | undo.py; commands send, withdraw, unreceive, undo, confirm, status, receive |
| `judgement` | `judgement.po`  | signing/judgement/, signing/parties.py, commands/verify.py                  |
| `pdf`       | `pdf.po`        | pdf/, build/builders/pdf.py, build/libreoffice.py                           |
| `sign`      | `sign.po`       | the rest of signing/, commands/sign.py                                      |
| `editor`    | `editor.po`     | lint/, render/ text, sections, vocabulary, normalise; editors/diff.py,      |
|             |                 | editors/textconv.py; commands diff, preview, template_check                 |
| (click)     | `click.po`      | click's own texts ("Usage:", "Options", "No such option …")                 |

`AREAS` below maps path prefixes to areas; `make translations` uses it to put a new string into
its area's file. At run time all areas are merged into one catalog (a msgid in two files: the
first area in `AREAS` order wins, so keep each string in one file).

How to add a user-facing string and its German translation:

1. In the code: `from agreement_gen.i18n import _` (and `ngettext` for plurals), then
   `_("{count} districts valid").format(count=n)` – placeholders by name with `.format()`, never
   an f-string (the extractor cannot see into f-strings, and the translator must see `{count}`).
   Plurals: `ngettext("{n} problem", "{n} problems", n).format(n=n)`. A text defined at import
   time (a module-level table) is marked with `N_("…")` and translated where it is shown, `_(x)`
   (Babel's extractor does not see an `N_("…")` nested in the arguments of another `_()` call).
   Don't name a throwaway variable `_` in a module that translates.
   Help texts of click commands and options (`help="…"`, the command's docstring) need no `_()`:
   `cli.py` translates them when it shows them; they are collected for the catalogs like `_()` strings.
2. Add the German text: run `make translations AREA=youarea` (adds every new msgid with an empty
   msgstr to your area's `.po` – without AREA= to the area of the file it stands in – marks
   vanished ones obsolete, compiles), then fill in `msgstr "…"` – or write the entry by hand into
   your area's file (which .po holds a msgid does not matter at run time; keep it in one):

       msgid "{count} districts valid"
       msgstr "{count} Bezirke gültig"

3. `make test`: `tests/test_i18n.py` fails for every string without a German translation (naming
   the file it comes from) and for a translation whose `{placeholders}` differ from the msgid's.

The compiled `.mo` files are not tracked: each is compiled from its `.po` with Babel the first time
it is needed after the `.po` changed (and written next to it when that folder is writable), so a
clean clone, `make build`, `make test` and the editable install all work without a build step.

Which language: `--lang de|en` (the global option, before the verb) first; otherwise the first
of `AGREEMENT_GEN_LANG`, `LC_ALL`, `LC_MESSAGES`, `LANG` that is set: English when it starts with
`en`, German for anything else (`C.UTF-8`, `de_DE.UTF-8`, unset). The test suite sets
`AGREEMENT_GEN_LANG=en`, so tests that assert English msgids stay valid; German is tested explicitly.
"""

from __future__ import annotations

import gettext
import io
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
CATALOG_DIR = LOCALE_DIR / "de" / "LC_MESSAGES"
LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"
CLICK_CATALOG = "click"

# area → path prefixes under src/agreement_gen/ (for `make translations`; the first match wins,
# "core" takes the rest). Lookup merges the areas in this order.
AREAS: dict[str, tuple[str, ...]] = {
    "core": (),
    "round": (
        "signing/receive/",
        "publish/progress.py",
        "editors/newyear.py",
        "data/readiness.py",
        "commands/send.py",
        "commands/withdraw.py",
        "commands/unreceive.py",
        "commands/status.py",
        "commands/receive.py",
        "commands/confirm.py",
        "commands/undo.py",
        "signing/record.py",
        "signing/sending.py",
        "signing/undo.py",
    ),
    "judgement": (
        "signing/judgement/",
        "signing/parties.py",
        "commands/verify.py",
    ),
    "pdf": ("pdf/", "build/builders/pdf.py", "build/libreoffice.py"),
    "sign": ("signing/", "commands/sign.py"),
    "editor": (
        "lint/",
        "render/normalise.py",
        "editors/diff.py",
        "render/text.py",
        "editors/textconv.py",
        "render/vocabulary.py",
        "render/sections.py",
        "commands/diff.py",
        "commands/preview.py",
        "commands/template_check.py",
    ),
}

_ENV_VARIABLES = ("AGREEMENT_GEN_LANG", "LC_ALL", "LC_MESSAGES", "LANG")

_language: str | None = None
_catalogs: dict[str, gettext.NullTranslations] = {}


def area_of(relative_path: str) -> str:
    """The area a source file (path relative to src/agreement_gen/, with '/') belongs to."""
    for area, prefixes in AREAS.items():
        if any(relative_path == p or (p.endswith("/") and relative_path.startswith(p)) for p in prefixes):
            return area
    return "core"


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """'en' when the first set variable of AGREEMENT_GEN_LANG, LC_ALL, LC_MESSAGES, LANG starts with 'en'."""
    environ = os.environ if environ is None else environ
    for name in _ENV_VARIABLES:
        value = environ.get(name, "")
        if value:
            return "en" if value.lower().startswith("en") else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def language_from_argv(argv: list[str]) -> str | None:
    """The value of a global `--lang X` / `--lang=X` before the verb, or None."""
    index = 0
    while index < len(argv):
        token = argv[index]
        if token == "--lang" and index + 1 < len(argv):
            return argv[index + 1]
        if token.startswith("--lang="):
            return token.partition("=")[2]
        if not token.startswith("-"):
            return None  # the verb: what follows is the verb's own
        index += 1
    return None


def current_language() -> str:
    global _language
    if _language is None:
        _language = language_from_environment()
    return _language


def set_language(language: str) -> None:
    """Switch every later `_()` (and click's own texts) to `language` ('de' or 'en')."""
    global _language
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    _language = language
    install_click()


@contextmanager
def language(code: str) -> Iterator[None]:
    """Use `code` inside the block, then the language before (tests, and one CLI run)."""
    before = _language
    set_language(code)
    try:
        yield
    finally:
        globals()["_language"] = before


def compile_po(po_path: Path) -> bytes:
    """The .mo bytes of one catalog, compiled with Babel (fuzzy entries are left out, as gettext does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale="de", domain=po_path.stem)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def _mo_bytes(po_path: Path) -> bytes:
    """The compiled catalog: the .mo beside the .po when it is current, else compiled now (and kept if we may)."""
    mo_path = po_path.with_suffix(".mo")
    try:
        if mo_path.stat().st_mtime_ns >= po_path.stat().st_mtime_ns:
            return mo_path.read_bytes()
    except OSError:
        pass
    data = compile_po(po_path)
    try:
        from agreement_gen.output import atomic_write

        atomic_write(mo_path, data)
    except OSError:
        pass  # a read-only installation: compiled in memory each run, still correct
    return data


def _load(names: list[str]) -> gettext.NullTranslations:
    """The German catalogs `names` chained in order (a missing file is skipped)."""
    chain: gettext.NullTranslations = gettext.NullTranslations()
    first: gettext.NullTranslations | None = None
    for name in names:
        po_path = CATALOG_DIR / f"{name}.po"
        if not po_path.is_file():
            continue
        catalog = gettext.GNUTranslations(io.BytesIO(_mo_bytes(po_path)))
        if first is None:
            first = catalog
        else:
            first.add_fallback(catalog)
    return first or chain


def _catalog(name: str) -> gettext.NullTranslations:
    """'project' (every area merged) or CLICK_CATALOG, in the current language."""
    if current_language() != "de":
        return gettext.NullTranslations()
    if name not in _catalogs:
        _catalogs[name] = _load(list(AREAS) if name == "project" else [name])
    return _catalogs[name]


def _(message: str) -> str:
    """`message` (English, the msgid) in the current language."""
    return _catalog("project").gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the current language."""
    return _catalog("project").ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a text for the catalogs without translating it now (translate it with `_()` where it is shown)."""
    return message


def _click_gettext(message: str) -> str:
    return _catalog(CLICK_CATALOG).gettext(message)


def _click_ngettext(singular: str, plural: str, n: int) -> str:
    return _catalog(CLICK_CATALOG).ngettext(singular, plural, n)


def install_click() -> None:
    """Route click's own texts through our catalog.

    click calls `gettext.gettext` (domain "messages"), which picks its language from the
    environment only; its modules import that function by name, so we replace the name there.
    """
    for name, module in list(sys.modules.items()):
        if name != "click" and not name.startswith("click."):
            continue
        if getattr(module, "_", None) in (gettext.gettext, _click_gettext):
            module._ = _click_gettext  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) in (gettext.ngettext, _click_ngettext):
            module.ngettext = _click_ngettext  # type: ignore[attr-defined]
