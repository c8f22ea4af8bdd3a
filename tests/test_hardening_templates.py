"""Hostile or broken templates: a security error, or stopped by a time or size limit, with a clear message."""

from __future__ import annotations

import shutil
import signal
import threading
import time
from pathlib import Path

import docx
import pytest

from agreement_gen.data.paths import Paths
from agreement_gen.data.plan import plan_year
from agreement_gen.errors import RenderError
from agreement_gen.render.renderer import TemplateRenderer
from agreement_gen.render.text import paragraphs

from .conftest import ROOT, reopen_2025, template_with
from .helpers import snapshot


@pytest.fixture(scope="module")
def agreement():
    plan = plan_year(Paths(ROOT / "counties", ROOT / "templates", ROOT / "build"), 2025, ["fulda"])
    return plan.agreements[0]


def render_error(folder: Path, agreement, text: str) -> str:
    with pytest.raises(RenderError) as caught:
        TemplateRenderer(template_with(folder, text)).render(agreement)
    message = str(caught.value)
    assert message.startswith("fulda: template hostile.docx ")
    return message


@pytest.mark.parametrize(
    "tag",
    [
        "{{ cycler.__init__.__globals__ }}",
        "{{ joiner.__init__.__globals__.os }}",
        "{{ namespace.__init__.__globals__ }}",
        "{{ self._TemplateReference__context }}",
        "{{ self.__init__.__globals__ }}",
        "{{ lipsum.__globals__['os'].popen('id').read() }}",
        "{{ range.__init__ }}",
        "{{ dict.__base__.__subclasses__() }}",
        "{{ ''.format.__globals__ }}",
        "{{ '{0.__class__.__mro__}'.format(district) }}",
        "{{ '{0.__init__.__globals__}'.format(capfirst) }}",
        "{{ '{x.__class__}'.format_map({'x': budget}) }}",
        "{{ district|attr('__class__') }}",
        "{{ (district.items|attr('__self__')) }}",
        "{% include '/etc/passwd' %}",
        "{% import 'os' as os %}",
        "{% extends '../templates/zielvereinbarung.docx' %}",
    ],
)
def test_sandbox_escapes_fail_with_a_security_error(tmp_path, agreement, tag):
    assert "is not allowed to do this" in render_error(tmp_path, agreement, tag)


@pytest.mark.parametrize(
    ("tag", "says"),
    [
        ("{{ 'x' * 10**9 }}", "the text or list built by '*' would have 1,000,000,000 characters"),
        ("{{ [0] * 10**8 }}", "would have 100,000,000 characters or items"),
        ("{{ 2 ** (10**6) }}", "2 ** 1000000 would make a number of more than 10,000 bits"),
        ("{% for i in range(10**9) %}x{% endfor %}", "'range()' got the number 1,000,000,000"),
        ("{% for i in range(100001) %}x{% endfor %}", "Range too big"),
        ("{{ 'x'|center(10**9) }}", "the filter 'center' got the number 1,000,000,000"),
        ("{{ 'x'.ljust(10**9) }}", "'ljust()' got the number 1,000,000,000"),
        ("{{ '%1000000000s' % 'x' }}", "a '%' format width would have 1,000,000,000"),
        ("{{ '%*s' % (10**9, 'x') }}", "a '%*' width got the number 1,000,000,000"),
        ("{{ '%1000000000s'|format('x') }}", "a '%' format width would have 1,000,000,000"),
        ("{{ '{:>1000000000}'.format('x') }}", "a format width would have 1,000,000,000"),
        ("{{ '{:{}}'.format('x', 10**9) }}", "'format()' got the number 1,000,000,000"),
        ("{{ (range(100000)|list)|join('x' * 1000) }}", "join() would have 100,"),
        ("{{ ('x' * 100000)|replace('x', 'y' * 100) }}", "replace() would have 10,100,000"),
        (
            "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
            "'s' would have 1,048,576 characters",
        ),
        (
            "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
            "the text or list built by '+' would have 1,048,576",
        ),
        (
            "{% macro d(s, n) %}{% if n %}{{ d(s ~ s, n - 1) }}{% endif %}{% endmacro %}{{ d('x', 40) }}",
            "a value passed to 'd()' would have 1,048,576",
        ),
        ("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}", "the rendered text grew beyond 20,000,000"),
    ],
)
def test_huge_values_are_refused_before_they_are_built(tmp_path, agreement, tag, says):
    started = time.monotonic()
    message = render_error(tmp_path, agreement, tag)
    assert "was stopped: " in message and says in message, message
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("tag", "says"),
    [
        ("{{ 1 / 0 }}", "failed: ZeroDivisionError: division by zero"),
        ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "failed: RecursionError"),
        ("{{ budget|int + 'x' }}", "failed: TypeError"),
    ],
)
def test_a_failing_template_is_an_error_of_the_document_not_a_crash(tmp_path, agreement, tag, says):
    assert says in render_error(tmp_path, agreement, tag)


ENDLESS = {
    # every inner range() is a call the sandbox sees: stopped by the deadline check in any thread
    "calls": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    # no call, lookup or output inside: only the SIGALRM timer of the main thread stops it
    "silent": "{% set r = range(100000)|list %}{% for i in r %}{% for j in r %}{% endfor %}{% endfor %}",
}


@pytest.mark.parametrize("kind", ENDLESS)
def test_an_endless_loop_is_stopped_after_the_time_limit(tmp_path, agreement, monkeypatch, kind):
    monkeypatch.setenv("AGREEMENT_GEN_RENDER_TIMEOUT", "0.5")
    before = signal.getsignal(signal.SIGALRM)
    started = time.monotonic()
    message = render_error(tmp_path, agreement, ENDLESS[kind])
    assert "was stopped: rendering one document took longer than 0.5 s (an endless or huge loop?)" in message
    assert time.monotonic() - started < 3
    assert signal.getsignal(signal.SIGALRM) == before  # the handler is put back
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # and no alarm left pending


def test_the_time_limit_holds_outside_the_main_thread_too(tmp_path, agreement, monkeypatch):
    monkeypatch.setenv("AGREEMENT_GEN_RENDER_TIMEOUT", "0.5")
    renderer = TemplateRenderer(template_with(tmp_path, ENDLESS["calls"]))
    outcome: list[BaseException] = []

    def render() -> None:
        try:
            renderer.render(agreement)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=render)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive()
    assert isinstance(outcome[0], RenderError) and "took longer than 0.5 s" in str(outcome[0])


def test_ordinary_template_expressions_still_work(tmp_path, agreement):
    text = (
        "{{ fiscal_year * 2 }}|{{ 'ab' * 3 }}|{{ '%05d' % 42 }}|{{ '{:>4}'.format('x') }}|{{ 2 ** 10 }}|"
        "{{ massnahmen|map(attribute='number')|join(',') }}|{{ district.name|center(20)|trim }}|{{ budget ~ '!' }}"
    )
    content = TemplateRenderer(template_with(tmp_path, text)).render(agreement)
    assert paragraphs(content)[0] == "4050|ababab|00042|   x|1024|1,2,3,4|Landkreis Fulda|931.500 Euro!"


@pytest.fixture
def hostile_project(project: Paths, cli):
    """The project with earlier good outputs; returns a function that puts a tag into its template."""
    reopen_2025(project)
    assert cli("build", "--only", "fulda,wetterau", "--formats", "docx")[0] == 0

    def add(tag: str) -> dict[str, bytes]:
        template = project.templates / "zielvereinbarung.docx"
        document = docx.Document(str(template))
        document.add_paragraph(tag)
        document.save(str(template))
        return snapshot(project.out)

    return add


def test_a_template_building_a_huge_text_fails_its_documents_and_keeps_the_old_ones(project, cli, hostile_project):
    earlier = hostile_project("{{ 'x' * 10**9 }}")
    code, out, _ = cli("build", "--only", "fulda,wetterau", "--formats", "docx")
    assert code == 1
    assert (
        "✗ fulda: template zielvereinbarung.docx was stopped: the text or list built by '*' would have "
        "1,000,000,000 characters or items; the limit is 1,000,000" in out
    )
    assert "✗ wetterau: template zielvereinbarung.docx was stopped" in out
    assert "0 built, 0 up to date, 2 failed" in out
    assert snapshot(project.out) == earlier


def test_a_template_that_loops_for_ever_is_stopped_and_keeps_the_old_outputs(
    project, cli, hostile_project, monkeypatch
):
    monkeypatch.setenv("AGREEMENT_GEN_RENDER_TIMEOUT", "0.5")
    earlier = hostile_project(ENDLESS["silent"])
    code, out, _ = cli("build", "--only", "fulda", "--formats", "docx")
    assert code == 1
    assert "✗ fulda: template zielvereinbarung.docx was stopped: rendering one document took longer than 0.5 s" in out
    assert snapshot(project.out) == earlier


def test_check_reports_a_hostile_template_too(project, cli, hostile_project):
    hostile_project("{{ cycler.__init__.__globals__ }}")
    code, out, err = cli("check")
    assert code != 0
    assert "not allowed" in out + err or "unsafe" in out + err


def test_template_files_stay_where_they_are(project, cli, tmp_path):
    """A build reads the template and writes only into OUT/YEAR."""
    shutil.copytree(project.templates, tmp_path / "templates-before")
    assert cli("build", "--only", "fulda", "--formats", "docx")[0] == 0
    assert snapshot(project.templates) == snapshot(tmp_path / "templates-before")
