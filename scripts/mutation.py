"""`make mutation AREA=…`: mutation testing (mutmut) of one area of the code against the tests that cover it.

mutmut reads one `[tool.mutmut]` table from the pyproject.toml of the folder it runs in, and the areas
need different tests (the data validation runs the fast tests only; the signature judgement runs the
forgery corpus, which needs LibreOffice's build of the sent PDF). So each area runs in its own copy of
the project, build/mutation/AREA/, whose pyproject.toml carries that area's table from
`[tool.agreement-gen.mutation.AREA]`. mutmut's state stays there between runs (`mutmut results` there
lists the survivors, `mutmut run NAME` there runs one again).

Trees the tests build with LibreOffice are kept in build/mutation/AREA/trees (tests/helpers.py,
`built_once`): mutmut starts pytest once per mutant, and without them each start would rebuild them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPIED = ("src", "tests", "counties", "templates", "schema", "docs", "Makefile", "README.md")


def areas() -> dict[str, dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return dict(config["tool"]["agreement-gen"]["mutation"])


def toml_value(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value).lower() if isinstance(value, bool) else str(value)


def prepare(area: str, settings: dict[str, object]) -> Path:
    """build/mutation/AREA/ with a fresh copy of the code and tests, and mutmut's table for the area."""
    folder = ROOT / "build" / "mutation" / area
    folder.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        target = folder / name
        if target.is_dir():
            shutil.rmtree(target)
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(source, target)
    project = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    table = "\n".join(f"{key} = {toml_value(value)}" for key, value in settings.items())
    (folder / "pyproject.toml").write_text(project + f"\n[tool.mutmut]\n{table}\n", encoding="utf-8")
    return folder


def main(argv: list[str]) -> int:
    known = areas()
    if len(argv) < 1 or argv[0] not in known:
        print(f"Bereich angeben: make mutation AREA={'|'.join(known)} (optional NAMES='Mutanten-Muster')")
        return 2
    area, names = argv[0], argv[1:]
    folder = prepare(area, known[area])
    trees = folder / "trees"
    trees.mkdir(exist_ok=True)
    env = {**os.environ, "AGREEMENT_GEN_TEST_TREES": str(trees)}
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    run = subprocess.run([mutmut, "run", *names], cwd=folder, env=env, check=False)
    subprocess.run([mutmut, "results"], cwd=folder, env=env, check=False)
    return run.returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
