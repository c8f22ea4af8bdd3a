"""The `agreement-gen` command line. One module per verb lives in `commands/`.

Exit codes, for scripts: 0 done, 1 a document failed, 2 invalid input or usage.
"""

from __future__ import annotations

import importlib
import signal
import sys

import click
from rich.text import Text

from agreement_gen import __version__
from agreement_gen.errors import AgreementGenError, InputError
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
    "status": "status",
    "variables": "variables",
    "verify": "verify",
}


class LazyGroup(click.Group):
    """A click group that imports a verb's module when the verb is used (or help lists it)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context | None, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        return importlib.import_module(f"agreement_gen.commands.{module}").command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="agreement-gen")
def cli() -> None:
    """Generate the AQB Zielvereinbarungen of the Hessian ministry with every district."""


def run(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code (tests call this; `main` exits with it)."""
    try:
        code = cli.main(args=argv, prog_name="agreement-gen", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = EXIT_INVALID
    except (click.Abort, KeyboardInterrupt):
        console_err.print("interrupted: nothing was half-written, earlier outputs are unchanged")
        code = 130
    except InputError as exc:
        console_err.print(f"[bold red]invalid input[/] – {len(exc.problems)} problem(s), nothing was written:")
        for problem in exc.problems:
            console_err.print(Text.assemble(("  ✗ ", "red"), str(problem)))
        code = EXIT_INVALID
    except AgreementGenError as exc:
        console_err.print(Text.assemble(("error: ", "bold red"), str(exc)))
        code = getattr(exc, "exit_code", EXIT_INVALID)  # OutputError: 1 when the build ran and failed
    return code if isinstance(code, int) else EXIT_OK


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM cleans up like Ctrl-C: staging removed, LibreOffice killed


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    sys.exit(run())
