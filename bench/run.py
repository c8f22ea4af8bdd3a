"""agreement-gen benchmark: how close the full build comes to LibreOffice's own floor.

Run with `make bench` (or `python bench/run.py [--quick] [--pairs N]`). Each measurement runs as
a child process; we record wall time, CPU time (user + system of the whole process tree) and peak
memory (sum of the resident sizes of the process tree, sampled every 20 ms). The floor and the
cold build, whose ratio is the point, are measured in alternating pairs and the medians compared:
one run of each moved by a quarter from one run to the next on the same machine. Prints a table
and writes bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from agreement_gen.build.libreoffice import CONVERT_TO  # noqa: E402  (the same export options as the build)

AGREEMENT_GEN = [sys.executable, "-m", "agreement_gen"]


@dataclass
class Measurement:
    name: str
    documents: int
    wall_s: float
    cpu_s: float
    peak_mb: float

    @property
    def per_second(self) -> float:
        return self.documents / self.wall_s if self.wall_s else 0.0


def _tree_rss_kb(root: int) -> int:
    """Resident memory of `root` and all its descendants (LibreOffice runs in its own session).

    Follows /proc/PID/task/TID/children down from `root` instead of reading all of /proc: the
    sampler runs every 20 ms on the machine it measures and must not take a share of a core itself.
    """
    page_kb = os.sysconf("SC_PAGE_SIZE") // 1024
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page_kb
            for task in os.listdir(f"/proc/{pid}/task"):
                stack.extend(map(int, Path(f"/proc/{pid}/task/{task}/children").read_text().split()))
        except (OSError, ValueError, IndexError):
            continue  # ended meanwhile
    return total


def measure(name: str, documents: int, commands: list[list[str]], parallel: bool = False, **kwargs) -> Measurement:
    """Run `commands` (one after the other, or all at once) and measure them together."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = 0
    start = time.perf_counter()
    procs: list[subprocess.Popen[bytes]] = []
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, sum(_tree_rss_kb(p.pid) for p in list(procs)))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    for cmd in commands:
        procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs))
        if not parallel:
            _wait(procs[-1], cmd)
    if parallel:
        for proc, cmd in zip(procs, commands, strict=True):
            _wait(proc, cmd)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Measurement(name, documents, round(wall, 3), round(cpu, 3), round(peak / 1024, 1))


def median(measurements: list[Measurement]) -> Measurement:
    """The measurement with the median wall time (the lower middle one of an even count)."""
    ordered = sorted(measurements, key=lambda m: m.wall_s)
    return ordered[(len(ordered) - 1) // 2]


def _wait(proc: subprocess.Popen[bytes], cmd: list[str]) -> None:
    _, err = proc.communicate()
    if proc.returncode not in (0, None):
        raise SystemExit(f"benchmark step failed ({proc.returncode}): {' '.join(cmd)}\n{err.decode()[-2000:]}")


def soffice(files: list[Path], out: Path, profile: Path) -> list[str]:
    return ["soffice", "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to", CONVERT_TO, "--outdir", str(out), *map(str, files)]  # fmt: skip


def build_cmd(counties: Path, out: Path, *extra: str) -> list[str]:
    return [*AGREEMENT_GEN, "build", "--counties", str(counties), "--templates", str(ROOT / "templates"),
            "--out", str(out), *extra]  # fmt: skip


def synthetic_counties(target: Path, count: int, year: int) -> Path:
    """`count` districts made from the real 26 (new slugs and AGS keys), all example drafts."""
    source = ROOT / "counties"
    (target / "districts").mkdir(parents=True)
    (target / str(year)).mkdir()
    shutil.copy(source / str(year) / "_year.yaml", target / str(year) / "_year.yaml")
    bases = sorted(p.stem for p in (source / "districts").glob("*.yaml"))
    for i in range(count):
        base = bases[i % len(bases)]
        slug = f"{base}-{i:04d}"
        master = (source / "districts" / f"{base}.yaml").read_text(encoding="utf-8")
        lines = []
        for line in master.splitlines():
            if line.startswith("slug:"):
                line = f"slug: {slug}"
            elif line.startswith("ags:"):
                line = f'ags: "{10000 + i:05d}"'
            lines.append(line)
        (target / "districts" / f"{slug}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        data = (source / str(year) / f"{base}.yaml").read_text(encoding="utf-8")
        if "source: example" not in data:  # the real district becomes example data too
            data = (
                "status: draft\nsource: example\nbudget: 1288930\nprojects:\n  1: [Projekt]\n"
                "signatory:\n  title: Landrat\n  place: Darmstadt\n"
            )
        (target / str(year) / f"{slug}.yaml").write_text(data, encoding="utf-8")
    return target


def for_signature_counties(source: Path, target: Path, year: int) -> Path:
    """A copy of the data with every district out for signature (example data made real, a signatory named)."""
    shutil.copytree(source, target)
    for path in sorted((target / str(year)).glob("*.yaml")):
        if path.stem == "_year":
            continue
        text = path.read_text(encoding="utf-8")
        named = "\n  name:" in text
        lines = []
        for line in text.splitlines():
            if line.startswith("status:"):
                line = "status: for_signature"
            elif line.startswith("source: example"):
                line = "source: Benchmark"
            elif line.strip().startswith("signed_on:") or line.startswith("ministry_signature:"):
                continue
            lines.append(line)
            if line == "signatory:" and not named:
                lines.append("  name: Vorname Nachname")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def signing_key(folder: Path, minister: str) -> tuple[Path, Path, str]:
    """A throwaway CA (its root into trust/) and a PKCS#12 file for the minister; returns (p12, root, password)."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Benchmark-CA")])

    def cert(subject: x509.Name, public: object, ca: bool) -> x509.Certificate:
        usage = x509.KeyUsage(not ca, not ca, False, False, False, ca, ca, False, False)
        return (
            x509.CertificateBuilder().subject_name(subject).issuer_name(ca_name).public_key(public)
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(usage, critical=True).sign(ca_key, hashes.SHA256())
        )  # fmt: skip

    root = cert(ca_name, ca_key.public_key(), True)
    ministry = "Hessisches Ministerium für Arbeit, Integration, Jugend und Soziales"  # counties/trust/signers.yaml
    holder = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, minister), x509.NameAttribute(NameOID.ORGANIZATION_NAME, ministry)]
    )
    signer = cert(holder, key.public_key(), False)
    password = "bench"
    p12 = folder / "minister.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(
        b"m", key, signer, [root], serialization.BestAvailableEncryption(password.encode())))  # fmt: skip
    root_pem = folder / "root.pem"
    root_pem.write_bytes(root.public_bytes(serialization.Encoding.PEM))
    return p12, root_pem, password


def machine() -> dict[str, str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    lo = subprocess.run(["soffice", "--headless", "--version"], capture_output=True, text=True).stdout.strip()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": cpu, "cores": str(os.cpu_count()), "memory": f"{mem:.0f} GiB", "libreoffice": lo,
            "python": platform.python_version(), "system": platform.platform()}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny inputs: checks that the benchmark runs")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--pairs", type=int, default=None, help="floor/cold-build pairs (default 5, quick 1)")
    args = parser.parse_args()
    pairs = max(1, args.pairs or (1 if args.quick else 5))
    year = 2025
    scales = (4, 8) if args.quick else (100, 500)
    cores = os.cpu_count() or 1
    results: list[Measurement] = []

    with tempfile.TemporaryDirectory(prefix="agreement-gen-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        counties = tmp / "counties"
        shutil.copytree(ROOT / "counties", counties)
        if args.quick:  # three districts are enough to exercise every step
            for path in (counties / str(year)).glob("*.yaml"):
                if path.stem not in ("_year", "darmstadt-dieburg", "fulda", "frankfurt"):
                    path.unlink()
        # The DOCX inputs of the LibreOffice measurements: agreement-gen's own rendering.
        subprocess.run(build_cmd(counties, tmp / "docx", "--formats", "docx"), check=True, capture_output=True)
        docx = sorted((tmp / "docx" / str(year)).glob("*.docx"))
        n = len(docx)

        results.append(measure("1 naive: one soffice per file", n,
                               [soffice([f], tmp / "naive", tmp / "profile-naive") for f in docx]))  # fmt: skip
        shares = [docx[i::cores] for i in range(min(cores, n))]
        floors, colds = [], []
        cold = "3 agreement-gen cold build (render+PDF+fields+manifest)"
        for pair in range(pairs):  # alternating, so that a slow moment of the machine hits both alike
            floors.append(measure(f"2 floor: LibreOffice batch, {len(shares)} processes", n,
                                  [soffice(s, tmp / f"floor-{pair}", tmp / f"profile-floor-{pair}-{i}")
                                   for i, s in enumerate(shares)], parallel=True))  # fmt: skip
            out = tmp / f"out-{pair}"
            colds.append(measure(cold, n, [build_cmd(counties, out)]))
        results += [median(floors), median(colds)]
        results.append(measure("4a no-op rebuild", 0, [build_cmd(counties, out)]))
        changed = counties / str(year) / "fulda.yaml"
        changed.write_text(changed.read_text(encoding="utf-8") + "# geändert\n", encoding="utf-8")
        results.append(measure("4b rebuild after one district changed", 1, [build_cmd(counties, out)]))

        for count in scales:
            data = synthetic_counties(tmp / f"synthetic-{count}", count, year)
            results.append(measure(f"5 scale: {count} districts, DOCX+PDF", count,
                                   [build_cmd(data, tmp / f"scale-{count}-pdf")]))  # fmt: skip
            results.append(measure(f"5 scale: {count} districts, DOCX only", count,
                                   [build_cmd(data, tmp / f"scale-{count}-docx", "--formats", "docx")]))  # fmt: skip

        # 6: the ministry signs every agreement out for signature, one password for the batch (PKCS#12, no TSA)
        signing = for_signature_counties(counties, tmp / "signing-counties", year)
        send = [*AGREEMENT_GEN, "send", "--all", "--counties", str(signing), "--templates", str(ROOT / "templates"),
                "--out", str(tmp / "signing-out")]  # fmt: skip
        subprocess.run(send, check=True, capture_output=True)  # built and recorded as sent: what `sign` signs
        p12, root, password = signing_key(tmp, "Heike Hofmann")
        secret = tmp / "password.txt"
        secret.write_text(password + "\n", encoding="utf-8")
        documents = len(list((signing / str(year)).glob("*.yaml"))) - 1
        sign_cmd = [*AGREEMENT_GEN, "sign", "--counties", str(signing), "--templates", str(ROOT / "templates"),
                    "--out", str(tmp / "signing-out"), "--pkcs12", str(p12), "--trust", str(root)]  # fmt: skip
        with secret.open("rb") as stdin:
            results.append(measure(f"6 sign: {documents} documents in one batch (PKCS#12, PAdES B-B)", documents,
                                   [sign_cmd], stdin=stdin))  # fmt: skip

    naive, floor, full = results[0], results[1], results[2]
    spread = {
        "floor_wall_s": [m.wall_s for m in floors],
        "cold_build_wall_s": [m.wall_s for m in colds],
    }
    ratios = {
        "naive_over_full (target >= 8)": round(naive.wall_s / full.wall_s, 2),
        "full_over_floor (target <= 1.3)": round(full.wall_s / floor.wall_s, 2),
    }
    print(f"agreement-gen benchmark ({'quick' if args.quick else 'full'}) on {machine()['cpu']}, {cores} cores\n")
    print(f"{'measurement':<58} {'docs':>5} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'docs/s':>7}")
    for m in results:
        print(f"{m.name:<58} {m.documents:>5} {m.wall_s:>8.2f} {m.cpu_s:>8.2f} {m.peak_mb:>8.0f} {m.per_second:>7.1f}")
        if m.name.startswith("6 sign") and m.documents:
            print(f"{'  per document':<58} {'':>5} {m.wall_s / m.documents:>8.3f}")
    print(f"\n2 and 3: the medians of {pairs} alternating runs of each; the wall seconds of every run:")
    for name, walls in spread.items():
        print(f"  {name}: {', '.join(f'{wall:.2f}' for wall in walls)}")
    print()
    for name, value in ratios.items():
        print(f"{name}: {value}")
    report = {
        "machine": machine(),
        "quick": args.quick,
        "results": [asdict(m) | {"docs_per_s": round(m.per_second, 2)} for m in results],
        "pairs": spread,
        "ratios": ratios,
    }
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main()
