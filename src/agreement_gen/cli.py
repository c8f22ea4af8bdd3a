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
from agreement_gen.errors import AgreementGenError, InputError
from agreement_gen.i18n import LANGUAGES, _, language, language_from_argv, language_from_environment, ngettext
from agreement_gen.ui import console_err

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2

# verb → module in agreement_gen.commands. Imported only when used: a no-op `build` should not
# pay for pikepdf, docxtpl and pyHanko, which other verbs need.
COMMANDS = {
    "build": "build",
    "check": "check",
    "diff": "diff",
    "import-budgets": "import_budgets",
    "list": "listing",
    "new-year": "new_year",
    "preview": "preview",
    "publish": "publish",
    "receive": "receive",
    "schema": "schema",
    "sign": "sign",
    "status": "status",
    "variables": "variables",
    "verify": "verify",
}


_ENGLISH = "_agreement_gen_english"  # where a command or option keeps its English help (the msgid)


def english_help(item: click.Command | click.Parameter) -> dict[str, str | None]:
    """The help texts of a command or option as written in the code (English: the msgids)."""
    if _ENGLISH not in item.__dict__:
        texts = {key: getattr(item, key, None) for key in ("help", "short_help")}
        # a docstring's indentation is not part of the text (click strips it too when it shows it)
        item.__dict__[_ENGLISH] = {key: inspect.cleandoc(text) if text else text for key, text in texts.items()}
    return item.__dict__[_ENGLISH]


def localize(command: click.Command) -> click.Command:
    """Show `command`'s help texts (its own and its options') in the current language.

    Help texts are written in English in the code (they are the msgids) and evaluated when a
    module is imported, so they are translated here, each time a command is shown, from the
    English kept on the object: one process can show help in either language.
    """
    if getattr(command, "_help_option", None) is not None:
        command._help_option = None  # click caches --help with its text in the language of the first use
    for item in (command, *command.params):
        for key, text in english_help(item).items():
            if text:
                setattr(item, key, _(text))
    return command


class LazyGroup(click.Group):
    """A click group that imports a verb's module when the verb is used (or help lists it)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

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
    try:
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
        code = getattr(exc, "exit_code", EXIT_INVALID)  # OutputError: 1 when the build ran and failed
    return code if isinstance(code, int) else EXIT_OK


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM cleans up like Ctrl-C: staging removed, LibreOffice killed


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    sys.exit(run())
