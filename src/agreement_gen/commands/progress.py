"""The build's progress on the console (build, send): the library reports each step, this shows them."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from agreement_gen.build.builders.base import BuildProgress, Format, Step
from agreement_gen.i18n import N_, _
from agreement_gen.ui import console_err


def build_progress(quiet: bool) -> BuildProgress:
    """A progress bar on stderr while documents are built – not with --quiet or when stderr is no terminal."""
    if quiet or not console_err.is_terminal:
        return BuildProgress()
    return ConsoleProgress(console_err)


class ConsoleProgress(BuildProgress):
    """One bar for the build: each district advances once per format; the line says who is where."""

    WORDS: ClassVar[dict[Step, str]] = {
        Step.RENDERED: N_("DOCX rendered"),
        Step.CONVERTED: N_("PDF converted, checking"),
        Step.CHECKED: N_("PDF checked"),
        Step.FAILED: N_("failed"),
    }

    def __init__(self, console: Console, *, transient: bool = True):
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=transient,  # the build's own lines stay; the bar goes when it is done
        )
        self.task: TaskID | None = None
        self.formats = 1
        self.done: dict[str, int] = {}  # slug → formats finished (a failure finishes all of them)

    def start(self, year: int, documents: int, formats: int) -> None:
        self.formats = max(1, formats)
        self.task = self.bar.add_task(_("{year}: building").format(year=year), total=documents * self.formats)
        self.bar.start()

    def step(self, slug: str, fmt: Format, step: Step) -> None:
        if self.task is None:
            return
        advance = 0
        if step is Step.FAILED:
            advance = self.formats - self.done.get(slug, 0)
            self.done[slug] = self.formats
        elif step in (Step.RENDERED, Step.CHECKED):
            advance = 1
            self.done[slug] = self.done.get(slug, 0) + 1
        self.bar.update(self.task, advance=advance, description=f"{slug}: {_(self.WORDS[step])}")

    def finish(self) -> None:
        self.bar.stop()  # also after a failure or Ctrl-C: the terminal gets its cursor back
