"""The `agreement-gen` command line. One module per verb lives in `commands/`.

Exit codes, for scripts: 0 done, 1 a document failed, 2 invalid input or usage.
"""

from __future__ import annotations

import signal
import sys

import click
from rich.text import Text

from agreement_gen import __version__
from agreement_gen.commands import (
    build,
    check,
    diff,
    import_budgets,
    listing,
    new_year,
    preview,
    publish,
    receive,
    schema,
    status,
    variables,
    verify,
)
from agreement_gen.errors import AgreementGenError, InputError
from agreement_gen.ui import console_err

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="agreement-gen")
def cli() -> None:
    """Generate the AQB Zielvereinbarungen of the Hessian ministry with every district."""


cli.add_command(build.command)
cli.add_command(check.command)
cli.add_command(listing.command)
cli.add_command(verify.command)
cli.add_command(new_year.command)
cli.add_command(import_budgets.command)
cli.add_command(publish.command)
cli.add_command(receive.command)
cli.add_command(status.command)
cli.add_command(diff.command)
cli.add_command(preview.command)
cli.add_command(schema.command)
cli.add_command(variables.command)


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
