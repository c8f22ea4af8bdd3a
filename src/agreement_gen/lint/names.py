"""The template's names: which variables, filters and tests it uses, and which of them do not exist.

Known names come from real contexts (`vocabulary.Vocabulary`), not from a hand-kept list; the
walk follows loops (`m.title` inside `{% for m in massnahmen %}` reads `massnahmen[].title`),
which docxtpl's own `get_undeclared_template_variables` does not (python-docx-template#585, #302).
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, nodes

from agreement_gen.data.models import Kind, Status
from agreement_gen.i18n import N_, _
from agreement_gen.render.vocabulary import ITEM, Vocabulary, display_name

# Values a comparison in the template can meaningfully test for: `status == "signd"` is never true.
VALUE_SETS: dict[str, tuple[str, ...]] = {
    "status": tuple(s.value for s in Status),
    "district.kind": tuple(k.value for k in Kind),
}

_KEEPS_ITEMS = {"sort", "reverse", "list", "selectattr", "rejectattr", "unique"}  # filters that keep a list's items

# What a loop variable stands for: the dotted name of the list's item ('massnahmen[]'), or None
# for a name the template defines itself (whose fields cannot be checked).
Scope = dict[str, str | None]

# One problem with a name: (line of the parsed template, the name as written, message).
NameProblem = tuple[int, str, str]


class NameAnalysis:
    """Walks a parsed template: which names it reads, and which of them do not exist."""

    def __init__(
        self, vocabulary: Vocabulary, env: Environment, value_sets: Mapping[str, tuple[Any, ...]] | None = None
    ) -> None:
        self.vocabulary = vocabulary
        self.env = env
        self.value_sets = {**VALUE_SETS, **(value_sets or {})}
        self.used: set[str] = set()
        self.problems: list[NameProblem] = []
        self.locals: set[str] = set(env.globals)

    def template(self, ast: nodes.Template) -> None:
        loop_targets = {n.target.name for n in ast.find_all(nodes.For) if isinstance(n.target, nodes.Name)}
        # Names the template assigns itself ({% set %}, macro arguments) are its own business.
        stored = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}
        self.locals |= stored - loop_targets
        self.visit(ast, {})

    def problem(self, node: nodes.Node, written: str, message: str) -> None:
        self.problems.append((node.lineno, written, message))

    def visit(self, node: nodes.Node, scope: Scope) -> None:
        if isinstance(node, nodes.For):
            self.visit_loop(node, scope)
            return
        if isinstance(node, nodes.Name | nodes.Getattr | nodes.Getitem):
            path = self.resolve(node, scope)
            if path:
                self.used.add(path)
            return
        if isinstance(node, nodes.Filter | nodes.Test):
            self.check_callable(node)
        if isinstance(node, nodes.Compare):
            self.compare(node, scope)
        for child in node.iter_child_nodes():
            self.visit(child, scope)

    def visit_loop(self, node: nodes.For, scope: Scope) -> None:
        """The loop's body with its variable bound to the list's item, so `m.titel` is caught too."""
        iterated = self.resolve(node.iter, scope)  # iterating alone does not "use" the items' fields
        inner: Scope = dict(scope, loop=None)
        if isinstance(node.target, nodes.Name):
            item = iterated + ITEM if iterated else None
            inner[node.target.name] = item if item in self.vocabulary else None
        else:  # for key, value in …
            inner.update((target.name, None) for target in node.target.find_all(nodes.Name))
        for child in node.body:
            self.visit(child, inner)
        if node.test is not None:
            self.visit(node.test, inner)
        for child in node.else_:
            self.visit(child, scope)

    def check_callable(self, node: nodes.Filter | nodes.Test) -> None:
        is_filter = isinstance(node, nodes.Filter)
        known = self.env.filters if is_filter else self.env.tests
        if node.name not in known:
            guess = difflib.get_close_matches(node.name, list(known), n=1)
            if guess:
                message = (
                    _("the filter `{name}` does not exist – did you mean `{guess}`?")
                    if is_filter
                    else _("the test `{name}` does not exist – did you mean `{guess}`?")
                ).format(name=node.name, guess=guess[0])
            else:
                message = (
                    _("the filter `{name}` does not exist") if is_filter else _("the test `{name}` does not exist")
                ).format(name=node.name)
            self.problem(node, node.name, message)

    def resolve(self, node: nodes.Node, scope: Scope) -> str | None:
        """The dotted name an expression reads ('district.genitive', 'massnahmen[].title'), if known."""
        if isinstance(node, nodes.Name):
            if node.name in scope:
                return scope[node.name]
            if node.name in self.locals:
                return None
            if node.name in self.vocabulary:
                return node.name
            self.unknown(node, node.name, scope)
            return None
        if isinstance(node, nodes.Getattr):
            return self.member(node, self.resolve(node.node, scope), node.attr, scope)
        if isinstance(node, nodes.Getitem):
            return self.resolve_item(node, scope)
        if isinstance(node, nodes.Filter) and node.name in _KEEPS_ITEMS and node.node is not None:
            self.check_callable(node)
            for child in [*node.args, *node.kwargs]:
                self.visit(child, scope)
            return self.resolve(node.node, scope)
        self.visit(node, scope)
        return None

    def resolve_item(self, node: nodes.Getitem, scope: Scope) -> str | None:
        """`x["name"]` reads like `x.name`; `items[0]` reads an item of the list."""
        base = self.resolve(node.node, scope)
        arg = node.arg
        if isinstance(arg, nodes.Const) and isinstance(arg.value, str):
            return self.member(node, base, arg.value, scope)
        self.visit(arg, scope)
        if base and isinstance(arg, nodes.Const) and isinstance(arg.value, int) and base + ITEM in self.vocabulary:
            return base + ITEM
        return None

    def member(self, node: nodes.Node, base: str | None, attr: str, scope: Scope) -> str | None:
        if base is None:
            return None
        path = f"{base}.{attr}"
        if path in self.vocabulary:
            return path
        example = self.vocabulary.examples.get(base)
        if not attr.startswith("_") and example is not None and hasattr(example, attr):
            return None  # a method of the value, e.g. district.name.upper()
        self.unknown(node, _as_written(node), scope)
        return None

    def unknown(self, node: nodes.Node, written: str, scope: Scope) -> None:
        guess = difflib.get_close_matches(written, list(self.spellings(scope)), n=1, cutoff=0.6)
        if guess:
            message = _("the template uses `{name}`, which does not exist – did you mean `{guess}`?").format(
                name=written, guess=guess[0]
            )
        else:
            message = _("the template uses `{name}`, which does not exist; docs/redaktion.md lists every variable")
            message = message.format(name=written)
        self.problem(node, written, message)

    def spellings(self, scope: Scope) -> dict[str, str]:
        """Every name as the editor could write it here (`m.title` inside the loop) → the name it reads."""
        candidates = {name: name for name in self.vocabulary.examples if ITEM not in name}
        for variable, prefix in scope.items():
            if prefix:
                candidates[variable] = prefix
                for name in self.vocabulary.examples:
                    if name.startswith(prefix + ".") and ITEM not in name[len(prefix) :]:
                        candidates[variable + name[len(prefix) :]] = name
        return candidates

    def compare(self, node: nodes.Compare, scope: Scope) -> None:
        """`status == "signd"`, `district.kind in ["Landkreis", …]`: values the name never has."""
        operands = [node.expr, *(op.expr for op in node.ops)]
        for (left, right), op in zip(itertools.pairwise(operands), node.ops, strict=True):
            if op.op in ("eq", "ne"):
                pairs = [(left, right), (right, left)]
            elif op.op in ("in", "notin") and isinstance(right, nodes.List | nodes.Tuple):
                pairs = [(left, right)]  # `district.kind in ["Landkreis", …]`, not a substring test
            else:
                continue
            for name_side, value_side in pairs:
                if isinstance(name_side, nodes.Const | nodes.List | nodes.Tuple):
                    continue
                values = _constants(value_side)
                path = self.quiet_resolve(name_side, scope)
                if path is None or values is None:
                    continue
                written = _as_written(name_side)
                for value in values:
                    message = self.impossible(path, value, written)
                    if message:
                        self.problem(node, written, message)

    def quiet_resolve(self, node: nodes.Node, scope: Scope) -> str | None:
        """Like resolve, without reporting (the name itself is checked when the walk reaches it)."""
        if isinstance(node, nodes.Name):
            name = scope.get(node.name, node.name if node.name not in self.locals else None)
            return name if name in self.vocabulary else None
        if isinstance(node, nodes.Getattr):
            base = self.quiet_resolve(node.node, scope)
            return f"{base}.{node.attr}" if base and f"{base}.{node.attr}" in self.vocabulary else None
        return None

    def impossible(self, path: str, value: Any, written: str) -> str | None:
        """Why `path == value` is never true (`written`: the name as the template writes it), or None if it can be."""
        shown = display_name(path)
        if shown in self.value_sets or path in self.value_sets:
            allowed = self.value_sets.get(path) or self.value_sets[shown]
            if value not in allowed:
                texts = [str(a) for a in allowed]
                guess = difflib.get_close_matches(str(value), texts, n=1, cutoff=0.6)
                listed = ", ".join(repr(a) for a in allowed[:30])
                more = _(" and {count} more").format(count=len(allowed) - 30) if len(allowed) > 30 else ""
                if guess:
                    message = _('`{name}` is never "{value}"; it is one of {listed}{more} – did you mean "{guess}"?')
                else:
                    message = _('`{name}` is never "{value}"; it is one of {listed}{more}')
                return message.format(
                    name=written, value=value, listed=listed, more=more, guess=guess[0] if guess else ""
                )
            return None
        example = self.vocabulary.examples.get(path)
        expected, given = _kind(example), _kind(value)
        if expected and given and expected != given:
            shown_value = f'"{value}"' if isinstance(value, str) else str(value).lower()
            return _(NEVER_EQUAL[expected]).format(name=written, value=shown_value)
        return None


# A comparison of a name with a value of another kind, by the kind of the name (`_kind`).
NEVER_EQUAL = {
    "bool": N_("`{name}` is true or false, so comparing it with {value} is never true"),
    "number": N_("`{name}` is a number, so comparing it with {value} is never true"),
    "text": N_("`{name}` is text, so comparing it with {value} is never true"),
}


def _kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    return None


def _constants(node: nodes.Node) -> list[Any] | None:
    if isinstance(node, nodes.Const):
        return [node.value]
    if isinstance(node, nodes.List | nodes.Tuple):
        items = [item for item in node.items if isinstance(item, nodes.Const)]
        if len(items) == len(node.items):
            return [item.value for item in items]
    return None


def _as_written(node: nodes.Node) -> str:
    """An expression as the editor wrote it: 'district.genitve', 'm.titel'."""
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_as_written(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return f"{_as_written(node.node)}[{node.arg.value!r}]"
    return ""
