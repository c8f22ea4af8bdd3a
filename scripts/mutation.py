"""`make mutation AREA=…`: mutation testing (mutmut) of one area of the code against the tests that cover it.

mutmut reads one `[tool.mutmut]` table from the pyproject.toml of the folder it runs in, and the areas
need different tests (the data validation runs the fast tests only; the signature judgement runs the
forgery corpus, which needs LibreOffice's build of the sent PDF). So each area runs in its own copy of
the project, build/mutation/AREA/, whose pyproject.toml carries that area's table from
`[tool.agreement-gen.mutation.AREA]`. mutmut's state stays there between runs (`mutmut results` there
lists the survivors, `mutmut run NAME` there runs one again).

Trees the tests build with LibreOffice are kept in build/mutation/AREA/trees (tests/helpers.py,
`built_once`): mutmut starts pytest once per mutant, and without them each start would rebuild them.

`--sample N` runs a random sample of N mutants (fixed seed, so a rerun takes the same ones) and prints the
share killed with its 95 % Wilson interval: on two cores the signature area's ~5,000 mutants take most of
a day, a sample of a few hundred an hour, and the interval says how far the figure can be trusted.
"""

from __future__ import annotations

import json
import math
import os
import random
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


# mutmut's exit codes per mutant (mutmut/stats.py): what counts as killed, as in mutmut's own score.
KILLED = {1, 3, 36, -24, 24, 152, 255}  # failed tests; a time-out (36, SIGXCPU) is a kill too
TIMED_OUT = {36, -24, 24, 152, 255}
SURVIVED = {0, 5, 33}  # tests passed, or no test reaches the mutated function


def recorded(folder: Path) -> dict[str, int | None]:
    """Every mutant mutmut generated in `folder`, with its exit code (None: not run yet)."""
    found: dict[str, int | None] = {}
    for meta in (folder / "mutants").rglob("*.meta"):
        found.update(json.loads(meta.read_text(encoding="utf-8")).get("exit_code_by_key", {}))
    return found


def wilson(killed: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % interval of a share seen in a sample (Wilson's score interval)."""
    if total == 0:
        return 0.0, 1.0
    share = killed / total
    centre = (share + z * z / (2 * total)) / (1 + z * z / total)
    spread = z * math.sqrt(share * (1 - share) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return centre - spread, centre + spread


def report(codes: dict[str, int | None], names: list[str]) -> str:
    done = [codes[name] for name in names if codes.get(name) is not None]
    killed = sum(code in KILLED for code in done)
    timed_out = sum(code in TIMED_OUT for code in done)
    survived = [name for name in names if codes.get(name) in SURVIVED]
    low, high = wilson(killed, len(done))
    lines = [f"{name}: {'no tests' if codes[name] in (5, 33) else 'survived'}" for name in sorted(survived)]
    lines.append(
        f"{killed} of {len(done)} run mutants killed ({100 * killed / max(len(done), 1):.1f} %, 95 % interval "
        f"{100 * low:.1f}–{100 * high:.1f} %; {timed_out} of the kills by time-out), {len(names) - len(done)} not run"
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    known = areas()
    if len(argv) < 1 or argv[0] not in known:
        print(f"Bereich angeben: make mutation AREA={'|'.join(known)} (optional NAMES='Mutanten-Muster')")
        return 2
    area, names = argv[0], argv[1:]
    sample = 0
    if "--sample" in names:
        at = names.index("--sample")
        sample, names = int(names[at + 1]), names[:at] + names[at + 2 :]
    folder = prepare(area, known[area])
    trees = folder / "trees"
    trees.mkdir(exist_ok=True)
    env = {**os.environ, "AGREEMENT_GEN_TEST_TREES": str(trees)}
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    if sample:
        # A pattern nothing matches: mutmut (re)generates the mutants and runs no mutant.
        subprocess.run([mutmut, "run", "--", "no-mutant-has-this-name"], cwd=folder, env=env, check=False)
        everything = sorted(recorded(folder))
        chosen = sorted(random.Random(2026).sample(everything, min(sample, len(everything))))
        print(f"{len(chosen)} of {len(everything)} mutants chosen at random (seed 2026)")
        run = subprocess.run([mutmut, "run", *names, *chosen], cwd=folder, env=env, check=False)
        print(report(recorded(folder), chosen))
        return run.returncode
    run = subprocess.run([mutmut, "run", *names], cwd=folder, env=env, check=False)
    subprocess.run([mutmut, "results"], cwd=folder, env=env, check=False)
    return run.returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
