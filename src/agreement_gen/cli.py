"""The `agreement-gen` command line. One module per verb lives in `commands/`.

Exit codes, for scripts: 0 done, 1 a document failed, 2 invalid input or usage.
"""

from __future__ import annotations

import importlib
import inspect
import signal
import sys

import click
from rich.text import Text

from agreement_gen import __version__
from agreement_gen.environment import check_all as check_environment
from agreement_gen.errors import EXIT_INVALID, EXIT_OK, AgreementGenError, InputError
from agreement_gen.i18n import LANGUAGES, N_, _, language, language_from_argv, language_from_environment, ngettext
from agreement_gen.ui import console_err, show_library_log

# verb → module in agreement_gen.commands. Imported only when used: a no-op `build` should not
# pay for pikepdf, docxtpl and pyHanko, which other verbs need.
COMMANDS = {
    "build": "build",
    "check": "check",
    "confirm": "confirm",
    "diff": "diff",
    "import-budgets": "import_budgets",
    "list": "listing",
    "mark-real": "mark_real",
    "new-year": "new_year",
    "preview": "preview",
    "publish": "publish",
    "receive": "receive",
    "schema": "schema",
    "send": "send",
    "sign": "sign",
    "signatory": "signatory",
    "status": "status",
    "unreceive": "unreceive",
    "variables": "variables",
    "verify": "verify",
    "withdraw": "withdraw",
}

# `agreement-gen --help` lists the verbs in the order of the fiscal year, each with one line;
# then the tools for the template's editors. A verb not named here is listed after them.
YEAR_ORDER = (
    "new-year",
    "confirm",
    "import-budgets",
    "mark-real",
    "signatory",
    "check",
    "list",
    "status",
    "build",
    "send",
    "sign",
    "verify",
    "receive",
    "withdraw",
    "unreceive",
    "publish",
)
EDITOR_TOOLS = ("preview", "diff", "variables", "schema")
SUMMARIES = {
    "new-year": N_("start the next fiscal year from the last one"),
    "import-budgets": N_("take the budgets from the ministry's table (CSV/XLSX)"),
    "mark-real": N_("mark districts' figures as real, with their source"),
    "signatory": N_("set who signs for a district: name, title, place"),
    "check": N_("check data and template, write nothing"),
    "list": N_("the districts with status, budget and source"),
    "status": N_("where each agreement stands in the signing round"),
    "build": N_("build the agreements as DOCX and PDF"),
    "confirm": N_("confirm the clauses copied from last year"),
    "send": N_("send for signature: check, build, keep what was sent"),
    "sign": N_("the ministry signs the agreements sent, in one batch"),
    "withdraw": N_("take back a document sent for signature"),
    "unreceive": N_("undo a receive: back to out for signature"),
    "verify": N_("check PDF files: PDF/A, accessibility, signatures"),
    "receive": N_("take back signed agreements (digital or paper)"),
    "publish": N_("the signed agreements as a bundle for the portal"),
    "preview": N_("one agreement as text in the terminal"),
    "diff": N_("what an edit changes in every agreement"),
    "variables": N_("the template's variables and filters"),
    "schema": N_("JSON Schemas of the data files (for the editor)"),
}

_ENGLISH = "_agreement_gen_english"  # where a command or option keeps its English help (the msgid)


def english_help(item: click.Command | click.Parameter) -> dict[str, str | None]:
    """The help texts of a command or option as written in the code (English: the msgids)."""
    if _ENGLISH not in item.__dict__:
        texts = {key: getattr(item, key, None) for key in ("help", "short_help")}
        # a docstring's indentation is not part of the text (click strips it too when it shows it)
        item.__dict__[_ENGLISH] = {key: inspect.cleandoc(text) if text else text for key, text in texts.items()}
    english: dict[str, str | None] = item.__dict__[_ENGLISH]
    return english


def localize(command: click.Command) -> click.Command:
    """Show `command`'s help texts (its own and its options') in the current language.

    Help texts are written in English in the code (they are the msgids) and evaluated when a
    module is imported, so they are translated here, each time a command is shown, from the
    English kept on the object: one process can show help in either language.
    """
    command.options_metavar = _("[OPTIONS]")
    if isinstance(command, click.Group):
        command.subcommand_metavar = _("COMMAND [ARGS]...")
    if getattr(command, "_help_option", None) is not None:
        command._help_option = None  # click caches --help with its text in the language of the first use
    items: list[click.Command | click.Parameter] = [command, *command.params]
    for item in items:
        for key, text in english_help(item).items():
            if text:
                setattr(item, key, _(text))
    return command


class LazyGroup(click.Group):
    """A click group that imports a verb's module when the verb is used (or help lists it)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        known = [verb for verb in (*YEAR_ORDER, *EDITOR_TOOLS) if verb in COMMANDS]
        return known + sorted(set(COMMANDS) - set(known))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Two sections: the year's steps in their order, then the tools for the template's editors."""
        rows = []
        for verb in self.list_commands(ctx):
            command = self.get_command(ctx, verb)
            if command is not None and not command.hidden:
                summary = _(SUMMARIES[verb]) if verb in SUMMARIES else command.get_short_help_str(60)
                rows.append((verb, summary))
        year = [row for row in rows if row[0] not in EDITOR_TOOLS]
        tools = [row for row in rows if row[0] in EDITOR_TOOLS]
        for title, section in ((_("The fiscal year, step by step"), year), (_("For the template's editors"), tools)):
            if section:
                with formatter.section(title):
                    formatter.write_dl(section)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand as exc:  # with the verbs this lazy group knows: "did you mean …?"
            raise click.exceptions.NoSuchCommand(exc.command_name, possibilities=list(COMMANDS), ctx=ctx) from None

    def get_command(self, ctx: click.Context | None, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        return localize(importlib.import_module(f"agreement_gen.commands.{module}").command)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="agreement-gen")
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    expose_value=False,
    is_eager=True,
    help="Language of the output: de (default) or en (also LANG/LC_MESSAGES=en…).",
)
def cli() -> None:
    """Generate the AQB Zielvereinbarungen of the Hessian ministry with every district."""


def run(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code (tests call this; `main` exits with it)."""
    argv = sys.argv[1:] if argv is None else argv
    # Chosen before click parses anything, so `--help --lang en` and click's own errors are in it too.
    chosen = language_from_argv(argv)
    with language(chosen if chosen in LANGUAGES else language_from_environment()):
        localize(cli)
        return _run(argv)


def _run(argv: list[str]) -> int:
    show_library_log()
    try:
        check_environment()
        code = cli.main(args=argv, prog_name="agreement-gen", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = EXIT_INVALID
    except (click.Abort, KeyboardInterrupt):
        console_err.print(_("interrupted: nothing was half-written, earlier outputs are unchanged"))
        code = 130
    except InputError as exc:
        count = len(exc.problems)
        heading = ngettext(
            "invalid input – {count} problem, nothing was written:",
            "invalid input – {count} problems, nothing was written:",
            count,
        )
        console_err.print(Text.assemble(("", "bold red"), heading.format(count=count)))
        for problem in exc.problems:
            console_err.print(Text.assemble(("  ✗ ", "red"), str(problem)))
        code = EXIT_INVALID
    except AgreementGenError as exc:
        console_err.print(Text.assemble((_("error: "), "bold red"), str(exc)))
        code = exc.exit_code
    return code if isinstance(code, int) else EXIT_OK


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM cleans up like Ctrl-C: staging removed, LibreOffice killed


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    sys.exit(run())
