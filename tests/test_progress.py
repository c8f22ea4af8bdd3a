"""Progress while documents are built: the build reports each step, the command line shows a bar."""

from __future__ import annotations

import io

from rich.console import Console

from agreement_gen.build.builders.base import BuildProgress, Format, Step
from agreement_gen.build.pipeline import build
from agreement_gen.commands.progress import ConsoleProgress
from agreement_gen.signing.record import changes_since_record


class Recorder(BuildProgress):
    def __init__(self) -> None:
        self.events: list[tuple[object, ...]] = []

    def start(self, year: int, documents: int, formats: int) -> None:
        self.events.append(("start", year, documents, formats))

    def step(self, slug: str, fmt: Format, step: Step) -> None:
        self.events.append((slug, fmt, step))

    def finish(self) -> None:
        self.events.append(("finish",))


def test_the_build_reports_each_district_as_it_is_rendered(project):
    recorder = Recorder()
    report = build(
        project,
        2025,
        ["fulda", "wetterau"],
        formats=[Format.DOCX],
        changes_since=changes_since_record,
        progress=recorder,
    )
    assert [item.agreement.slug for item in report.built] == ["fulda", "wetterau"]
    assert recorder.events == [
        ("start", 2025, 2, 1),
        ("fulda", Format.DOCX, Step.RENDERED),
        ("wetterau", Format.DOCX, Step.RENDERED),
        ("finish",),
    ]


def test_nothing_to_build_reports_nothing(project):
    first = build(project, 2025, ["fulda"], formats=[Format.DOCX], changes_since=changes_since_record)
    assert len(first.built) == 1
    recorder = Recorder()
    again = build(
        project, 2025, ["fulda"], formats=[Format.DOCX], changes_since=changes_since_record, progress=recorder
    )
    assert len(again.up_to_date) == 1 and recorder.events == []


def test_the_bar_counts_every_format_and_a_failure_finishes_its_district():
    screen = io.StringIO()
    bar = ConsoleProgress(Console(file=screen, force_terminal=True, width=100), transient=False)
    bar.start(2025, 3, 2)
    for slug, fmt, step in [
        ("fulda", Format.DOCX, Step.RENDERED),
        ("fulda", Format.PDF, Step.CONVERTED),
        ("fulda", Format.PDF, Step.CHECKED),
        ("giessen", Format.DOCX, Step.FAILED),  # its PDF never comes: both of its steps are done
        ("kassel", Format.DOCX, Step.RENDERED),
    ]:
        bar.step(slug, fmt, step)
    task = bar.bar.tasks[0]
    assert (task.completed, task.total) == (5, 6) and not task.finished
    bar.step("kassel", Format.PDF, Step.FAILED)
    assert task.finished
    bar.finish()
    assert not bar.bar.live.is_started
    shown = screen.getvalue()
    assert "kassel: failed" in shown and "6/6" in shown and "2025: building" in shown


def test_no_bar_when_not_a_terminal_or_quiet(cli):
    code, out, err = cli("build", "--only", "fulda", "--formats", "docx")
    assert code == 0 and "building" not in out + err
    code, out, err = cli("build", "--only", "wetterau", "--formats", "docx", "--quiet")
    assert code == 0 and "wetterau" in out and "building" not in err
