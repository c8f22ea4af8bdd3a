"""The house follows the year's life: no stage imports a later one (README "Where things are")."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "agreement_gen"

# The stages in the order of the year; a module may import its own stage and earlier ones.
# Foundation modules (errors, i18n, output, environment, labels) are importable from everywhere.
STAGES = ("data", "render", "lint", "pdf", "build", "signing", "publish", "editors", "commands")
FOUNDATION = {"errors", "i18n", "output", "environment", "labels", "__init__", "__version__"}
SHELL = {"cli", "catalogs", "__main__"}  # the command line, on top of everything
COMMANDS = {"ui"}  # the consoles: only the command line prints


def stage_of(module: str) -> str:
    """'agreement_gen.data.models' → 'data'; top-level modules are their own name."""
    return module.split(".")[1] if module.count(".") >= 1 else ""


def rank(name: str) -> int:
    if name in FOUNDATION:
        return -1
    if name in SHELL:
        return len(STAGES)
    if name in COMMANDS:
        return STAGES.index("commands")
    return STAGES.index(name)


def imports(path: Path) -> list[tuple[int, str]]:
    """Every agreement_gen module `path` imports (at the top or inside a function), with its line."""
    module = "agreement_gen." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    package = package.removesuffix(".__init__")
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            names = [f"{target}.{alias.name}" for alias in node.names] if target == "agreement_gen" else [target]
            found += [(node.lineno, name) for name in names if name.startswith("agreement_gen.")]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("agreement_gen.")]
    return found


def test_every_module_belongs_to_a_stage_or_the_foundation():
    top = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir() if p.suffix == ".py" or p.is_dir()}
    top -= {"__pycache__", "locale"}
    known = set(STAGES) | FOUNDATION | SHELL | COMMANDS
    assert top <= known, sorted(top - known)


def test_no_stage_imports_a_later_one():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        for line, target in imports(path):
            there = target.split(".")[1]
            if rank(there) > rank(here):
                wrong.append(f"{path.relative_to(PACKAGE)}:{line} ({here}) imports {target} ({there})")
    assert not wrong, "a stage reaches forward:\n" + "\n".join(wrong)


def test_the_check_sees_imports_inside_functions():
    source = PACKAGE / "build" / "pipeline.py"
    assert any(target.startswith("agreement_gen.lint") for _, target in imports(source))
    assert rank("data") < rank("render") < rank("build") < rank("signing") < rank("publish") < rank("commands")


def test_the_readme_table_names_every_module():
    """README's "How the code is laid out" table: a newcomer finds each module in it (a verb's module by its verb)."""
    import re

    import click

    from agreement_gen.cli import cli

    readme = (PACKAGE.parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| package / module | job |") :]
    table = table[: table.index("\n\n")]
    verbs = set(cli.list_commands(click.Context(cli)))
    unnamed = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.name in ("__init__.py", "__main__.py"):
            continue
        if relative.parts[0] == "commands" and relative.stem.replace("_", "-") in verbs:
            continue  # commands/: one module per verb
        if not re.search(rf"`{re.escape(relative.stem)}(\.py)?`", table):
            unnamed.append(str(relative))
    assert unnamed == []
