"""The converter hands out chunks as processes finish: a slow process holds up only its own chunk."""

from __future__ import annotations

from pathlib import Path

import pytest

from agreement_gen.build.libreoffice import LibreOfficeConverter, chunks

# A stand-in `soffice` that "converts" each .docx argument into an empty-but-present PDF, writing
# "PID STEM" to $LOG for each, and takes its time over a file whose name contains "slow".
FAKE = r"""#!/bin/sh
for a in "$@"; do [ "$a" = "--version" ] && { echo "LibreOffice fake"; exit 0; }; done
out=""; previous=""
for a in "$@"; do
  [ "$previous" = "--outdir" ] && out="$a"
  previous="$a"
done
for a in "$@"; do
  case "$a" in
    *.docx)
      stem=$(basename "$a" .docx)
      case "$stem" in *slow*) sleep 3;; esac
      echo "$$ $stem" >> "$LOG"
      echo "%PDF-1.7 $stem" > "$out/$stem.pdf";;
  esac
done
"""


@pytest.mark.parametrize(
    ("count", "workers", "most", "sizes"),
    [
        (26, 2, 50, [13, 13]),  # the real year: one process per core, as before
        (500, 2, 50, [50] * 10),  # at scale: ten chunks, taken as processes finish
        (101, 2, 50, [26, 25, 25, 25]),  # never more than `most`, as equal as they can be
        (3, 4, 50, [1, 1, 1]),  # fewer files than workers: one each
        (1, 1, 1, [1]),
        (0, 2, 50, []),
    ],
)
def test_chunks_are_equal_at_most_the_limit_and_keep_the_order(count, workers, most, sizes):
    files = [Path(f"{i:03d}.docx") for i in range(count)]
    cut = chunks(files, workers, most)
    assert [len(chunk) for chunk in cut] == sizes
    assert [path for chunk in cut for path in chunk] == files


def test_a_slow_process_does_not_hold_up_the_files_after_it(tmp_path, monkeypatch):
    soffice = tmp_path / "soffice"
    soffice.write_text(FAKE)
    soffice.chmod(0o755)
    log = tmp_path / "log"
    monkeypatch.setenv("LOG", str(log))
    sources = tmp_path / "docx"
    sources.mkdir()
    names = ["a-slow", "b", "c", "d", "e", "f"]
    files = []
    for name in names:
        (sources / f"{name}.docx").write_bytes(b"PK")
        files.append(sources / f"{name}.docx")
    out = tmp_path / "pdf"
    out.mkdir()
    converter = LibreOfficeConverter(soffice=str(soffice), workers=2, max_per_process=1)
    try:
        outcomes = list(converter.convert_iter(files, out))
    finally:
        converter.close()

    assert sorted(o.source.stem for o in outcomes) == names
    assert all(o.pdf is not None and o.pdf.read_bytes().startswith(b"%PDF") for o in outcomes)
    assert outcomes[-1].source.stem == "a-slow"  # the other worker converted all the rest meanwhile
    by_process: dict[str, list[str]] = {}
    for line in log.read_text().splitlines():
        pid, stem = line.split()
        by_process.setdefault(pid, []).append(stem)
    assert sorted(by_process.values()) == [["a-slow"], ["b"], ["c"], ["d"], ["e"], ["f"]]  # one start each
