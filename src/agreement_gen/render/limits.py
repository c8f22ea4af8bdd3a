"""Limits on what a template may cost: time per document, and the size of any text it builds.

Jinja's sandbox stops a template from reaching Python internals, but not from looping for ever
or from asking for a gigabyte (`{{ 'x' * 10**9 }}`): a template lives in Word and is edited by
people, and one bad tag must end in a clear message, not a hung or killed build. So:

- **time**: a deadline per document. Every call, attribute lookup, operator, filter and piece of
  output checks it (works in any thread); in the main thread a SIGALRM timer also interrupts
  loops that do none of these (`{% for i in r %}{% for j in r %}{% endfor %}{% endfor %}`).
- **size**: what could allocate a huge value is checked *before* it runs, since Python cannot
  interrupt one large allocation: `*`, `**`, `+` and `%`, widths in format strings, numbers and
  texts passed to functions and filters, `join` and `replace`. Results, attribute values and the
  rendered output are checked after. `range()` is capped at 100,000 by the sandbox itself.

These are limits for mistakes and mischief in a trusted editors' template, not an isolation
boundary: the template still runs in this process.
"""

from __future__ import annotations

import functools
import re
import signal
import string
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from jinja2 import BaseLoader, Environment
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import _PassArg

from agreement_gen.environment import RENDER_TIMEOUT
from agreement_gen.i18n import _, current_language

MAX_TEXT = 1_000_000  # characters (or items) any single value of a template may have
MAX_OUTPUT = 20_000_000  # characters one rendered part of the document may have (the real one has ~150,000)
MAX_INT_BITS = 10_000  # about 3,000 digits: no number in an agreement comes near
DEFAULT_SECONDS = 30.0  # per document; rendering one takes about 0.03 s

_PRINTF_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


_FRIENDLY = {"safe_range": "range"}  # the sandbox's stand-ins, by the name the template uses


class _NoFiles(BaseLoader):
    """A template is one document: it cannot include, import or extend other files."""

    def get_source(self, environment: Environment, template: str) -> tuple[str, str | None, Callable[[], bool]]:
        raise SecurityError(
            _("a template cannot include, import or extend other files ('{template}')").format(template=template)
        )


def _number(value: int) -> str:
    """A number with thousands separators as the reader writes them: 1,000,000 or 1.000.000."""
    text = f"{value:,}"
    return text.replace(",", ".") if current_language() == "de" else text


class LimitExceededError(BaseException):
    """A template went over a limit. A BaseException, so no `except Exception` on the way swallows it."""


_state = threading.local()


def render_seconds() -> float:
    """Seconds one document may take to render: $AGREEMENT_GEN_RENDER_TIMEOUT, else 30."""
    return RENDER_TIMEOUT.get(DEFAULT_SECONDS)


def _too_slow() -> LimitExceededError:
    seconds = getattr(_state, "seconds", 0.0)
    shown = f"{seconds:g}" if current_language() != "de" else f"{seconds:g}".replace(".", ",")
    return LimitExceededError(
        _("rendering one document took longer than {seconds} s (an endless or huge loop?)").format(seconds=shown)
    )


def check_time() -> None:
    deadline = getattr(_state, "deadline", None)
    if deadline is not None and time.monotonic() > deadline:
        raise _too_slow()


def _on_alarm(signum: int, frame: object) -> None:
    if getattr(_state, "deadline", None) is not None:
        raise _too_slow()


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Stop the rendering in this block after `seconds` with LimitExceededError."""
    _state.deadline, _state.seconds = time.monotonic() + seconds, seconds
    use_alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    previous: Any = None
    if use_alarm:
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        _state.deadline = None
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)


def _size(value: Any) -> int | None:
    if isinstance(value, str | bytes | list | tuple | dict):
        return len(value)
    return None


# What a limit names: a text, or a function that makes it (translated only when a limit is hit,
# not on each of the many calls, lookups and operators a render makes).
What = str | Callable[[], str]


def _said(what: What) -> str:
    return what if isinstance(what, str) else what()


def _refuse_size(size: int, what: What) -> None:
    if size > MAX_TEXT:
        raise LimitExceededError(
            _("{what} would have {size} characters or items; the limit is {limit}").format(
                what=_said(what), size=_number(size), limit=_number(MAX_TEXT)
            )
        )


def _check_value(value: Any, what: What) -> Any:
    size = _size(value)
    if size is not None:
        _refuse_size(size, what)
    elif isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise LimitExceededError(
            _("{what} is a number of more than {bits} bits").format(what=_said(what), bits=_number(MAX_INT_BITS))
        )
    return value


def _check_arguments(args: Iterable[Any], what: What) -> None:
    """No text or list over the size limit, no number over it (a width, a count, a repetition)."""
    for arg in args:
        if isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_TEXT:
            raise LimitExceededError(
                _("{what} got the number {number}; the limit is {limit}").format(
                    what=_said(what), number=_number(arg), limit=_number(MAX_TEXT)
                )
            )
        _check_value(arg, lambda: _("a value passed to {what}").format(what=_said(what)))


def _check_printf(template: str, args: Any) -> None:
    """`'%1000000000s' % x` allocates before anything can stop it: check its widths first."""
    values = args if isinstance(args, tuple) else (args,)
    for match in _PRINTF_FIELD.finditer(template):
        for number in match.groups():
            if number == "*":
                _check_arguments(values, _("a '%*' width"))
            elif number is not None:
                _refuse_size(int(number), _("a '%' format width"))


def _check_format(template: str, args: Iterable[Any]) -> None:
    """`'{:>1000000000}'.format(x)`, and widths given as arguments (`'{:{}}'.format(x, n)`)."""
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return  # format() itself will report the broken format string
    for _literal, _name, spec, _conversion in fields:
        for number in re.findall(r"\d+", spec or ""):
            _refuse_size(int(number), _("a format width"))
        if spec and "{" in spec:
            _check_arguments(args, _("a format width"))


def _estimate(name: str, value: Any, params: tuple[Any, ...]) -> None:
    """The size of what `join` and `replace` would build, before they build it."""
    if name == "join" and isinstance(value, list | tuple) and params and isinstance(params[0], str):
        _refuse_size(len(params[0]) * len(value) + sum(len(v) for v in value if isinstance(v, str)), "join()")
    if name == "replace" and isinstance(value, str) and len(params) >= 2:
        old, new = params[0], params[1]
        if isinstance(old, str) and isinstance(new, str):
            count = value.count(old) if old else len(value) + 1
            _refuse_size(len(value) + count * len(new), "replace()")


def _check_operator(operator: str, left: Any, right: Any) -> None:
    """What `*`, `**`, `+` and `%` would build, before they build it."""

    def what() -> str:
        return _("the text or list built by '{operator}'").format(operator=operator)

    numbers = isinstance(left, int) and isinstance(right, int)
    if operator == "*":
        for sequence, times in ((left, right), (right, left)):
            size = _size(sequence)
            if size is not None and isinstance(times, int):
                _refuse_size(size * max(times, 0), what)
        if numbers and left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise LimitExceededError(
                _("'*' would make a number of more than {bits} bits").format(bits=_number(MAX_INT_BITS))
            )
    elif operator == "**":
        if numbers and abs(right) * max(left.bit_length(), 1) > MAX_INT_BITS:
            raise LimitExceededError(
                _("{left} ** {right} would make a number of more than {bits} bits").format(
                    left=left, right=right, bits=_number(MAX_INT_BITS)
                )
            )
    elif operator == "+":
        left_size, right_size = _size(left), _size(right)
        if left_size is not None and right_size is not None:
            _refuse_size(left_size + right_size, what)
    elif operator == "%" and isinstance(left, str):
        _check_printf(left, right)


def _limited_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    offset = 1 if _PassArg.from_obj(func) else 0  # context, eval context or environment comes first

    @functools.wraps(func)
    def limited(*args: Any, **kwargs: Any) -> Any:
        check_time()
        value, params = (args[offset], args[offset + 1 :]) if len(args) > offset else (None, ())

        def what() -> str:
            return _("the filter '{name}'").format(name=name)

        _check_arguments((*params, *kwargs.values()), what)
        if name == "format" and isinstance(value, str):
            _check_printf(value, tuple(params) or dict(kwargs))
        _estimate(name, value, tuple(params))
        return _check_value(func(*args, **kwargs), what)

    limited.agreement_gen_limited = True  # type: ignore[attr-defined]
    return limited


class _LimitedFilters(dict[str, Callable[..., Any]]):
    """The environment's filters, each wrapped in the limits (also those added later, like capfirst)."""

    def __init__(self, filters: dict[str, Callable[..., Any]]):
        super().__init__()
        for name, func in filters.items():
            self[name] = func

    def __setitem__(self, name: str, func: Callable[..., Any]) -> None:
        if not getattr(func, "agreement_gen_limited", False):
            func = _limited_filter(name, func)
        super().__setitem__(name, func)


class LimitedSandbox(SandboxedEnvironment):
    """The sandbox with the limits above on every call, lookup, operator, filter and the output."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **options: Any) -> None:
        options.setdefault("loader", _NoFiles())
        super().__init__(**options)
        self.filters = _LimitedFilters(self.filters)

    def concat(self, parts: Iterable[str]) -> str:
        """Joins a template's output (Template.render), counting it as it comes."""
        collected, total = [], 0
        for part in parts:
            check_time()
            total += len(part)
            if total > MAX_OUTPUT:
                raise LimitExceededError(
                    _("the rendered text grew beyond {limit} characters").format(limit=_number(MAX_OUTPUT))
                )
            collected.append(part)
        return "".join(collected)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        check_time()
        _check_operator(operator, left, right)
        result = super().call_binop(context, operator, left, right)
        return _check_value(result, lambda: _("the result of '{operator}'").format(operator=operator))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        check_time()
        name = getattr(__obj, "__name__", None) or getattr(__obj, "name", None) or type(__obj).__name__  # a macro
        what = f"'{_FRIENDLY.get(name, name)}()'"
        _check_arguments((*args, *kwargs.values()), what)  # also every width: 'x'.center(10**9)
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str) and name == "join" and args and isinstance(args[0], list | tuple):
            _estimate("join", args[0], (owner,))
        elif isinstance(owner, str) and name == "replace":
            _estimate("replace", owner, args)
        result = super().call(__context, __obj, *args, **kwargs)
        return _check_value(result, lambda: _("the result of {what}").format(what=what))

    def getattr(self, obj: Any, attribute: str) -> Any:
        check_time()
        return _check_value(super().getattr(obj, attribute), f"'{attribute}'")

    def getitem(self, obj: Any, argument: Any) -> Any:
        check_time()
        return _check_value(super().getitem(obj, argument), lambda: _("an item"))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        template = value.__self__

        @functools.wraps(wrapper)
        def limited(*args: Any, **kwargs: Any) -> str:
            values = (*args, *kwargs.values(), *(args[0].values() if args and isinstance(args[0], dict) else ()))
            _check_format(template, values)
            return wrapper(*args, **kwargs)

        return limited
