"""OUT/YEAR/manifest.json: what each output was built from, so a build redoes only what changed.

Per district: the stage it was built at, where its figures come from, a fingerprint of every
input (its data files, the year file, the template, the generator itself, the formats) and,
per output file, SHA-256, size and page count. The manifest is written last and atomically:
it only ever describes files that are really in place. It also remembers every for_signature
PDF built per district (`sent_for_signature`), so `receive` can tell a signed copy of ours.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Set as AbstractSet
from decimal import Decimal
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ValidationError

from agreement_gen import __version__
from agreement_gen.data.models import Status
from agreement_gen.data.structure import Agreement, YearPlan
from agreement_gen.output import atomic_write

MANIFEST = "manifest.json"


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@cache
def generator_fingerprint() -> str:
    """Version plus a digest of the package's own code: a changed generator rebuilds everything."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).parents[1]  # agreement_gen/, every stage
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:16]}"


class OutputRecord(BaseModel):
    file: str
    sha256: str
    size: int
    pages: int | None = None


class SentForSignature(BaseModel):
    """One for_signature PDF that was built (and may have been sent out): `receive` recognises it by these."""

    sha256: str  # of the whole PDF: the first revision of a signed copy must hash to this
    fingerprint: str  # the inputs it was built from, as its XMP says
    inputs: dict[str, str]  # input file → SHA-256, to tell which input changed since


class DistrictRecord(BaseModel):
    designation: str
    stage: str  # what the document was built as (data status, or the --stage preview)
    data_status: str  # what the data file says
    source: str
    example: bool
    budget: str | None
    fingerprint: str
    inputs: dict[str, str]  # input file → SHA-256
    outputs: dict[str, OutputRecord]  # format → file
    generator: str
    # Every for_signature PDF ever built for this district, oldest first; kept across later builds,
    # because the file in OUT/YEAR is overwritten once the district is built as signed.
    sent_for_signature: list[SentForSignature] = []


class Manifest(BaseModel):
    year: int
    generator: str = ""
    districts: dict[str, DistrictRecord] = {}
    totals: dict[str, object] = {}

    @classmethod
    def load(cls, out_dir: Path, year: int) -> Manifest:
        """The manifest of the last build, or an empty one (missing or unreadable: everything is rebuilt)."""
        try:
            manifest = cls.model_validate_json((out_dir / MANIFEST).read_bytes())
        except (OSError, ValidationError, ValueError):
            return cls(year=year)
        return manifest if manifest.year == year else cls(year=year)

    def is_current(self, slug: str, fingerprint: str, out_dir: Path, formats: AbstractSet[str]) -> bool:
        """Built from the same inputs, and every output still there, unchanged."""
        record = self.districts.get(slug)
        if record is None or record.fingerprint != fingerprint or set(record.outputs) != formats:
            return False
        for output in record.outputs.values():
            path = out_dir / output.file
            try:
                if path.stat().st_size != output.size or sha256_file(path) != output.sha256:
                    return False
            except OSError:
                return False
        return True

    def record(
        self, agreement: Agreement, fingerprint: str, inputs: dict[str, str], outputs: dict[str, OutputRecord]
    ) -> None:
        data = agreement.data
        previous = self.districts.get(agreement.slug)
        sent = list(previous.sent_for_signature) if previous else []
        pdf = outputs.get("pdf")
        real = agreement.status is Status.FOR_SIGNATURE and data.status is Status.FOR_SIGNATURE  # not a preview
        if real and pdf is not None and all(entry.sha256 != pdf.sha256 for entry in sent):
            sent.append(SentForSignature(sha256=pdf.sha256, fingerprint=fingerprint, inputs=inputs))
        self.districts[agreement.slug] = DistrictRecord(
            designation=agreement.district.designation,
            stage=str(agreement.status),
            data_status=str(data.status),
            source=data.source,
            example=data.is_example,
            budget=str(data.budget) if data.budget is not None else None,
            fingerprint=fingerprint,
            inputs=inputs,
            outputs=outputs,
            generator=generator_fingerprint(),
            sent_for_signature=sent,
        )

    def save(self, out_dir: Path) -> None:
        """Write with totals, atomically (the last step of a build)."""
        self.generator = generator_fingerprint()
        self.districts = dict(sorted(self.districts.items()))
        budgets = [Decimal(r.budget) for r in self.districts.values() if r.budget is not None]
        self.totals = {
            "districts": len(self.districts),
            "budget": str(sum(budgets, Decimal(0))),
            "by_stage": dict(sorted(Counter(r.stage for r in self.districts.values()).items())),
            "example": sum(r.example for r in self.districts.values()),
            "files": sum(len(r.outputs) for r in self.districts.values()),
        }
        text = json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
        atomic_write(out_dir / MANIFEST, text.encode("utf-8"))


def input_files(agreement: Agreement, plan: YearPlan) -> list[Path]:
    """Every file one agreement is built from."""
    return [*agreement.sources, plan.year_file, plan.template]


def input_digests(agreement: Agreement, plan: YearPlan, cache: dict[Path, str] | None = None) -> dict[str, str]:
    """SHA-256 of each input file, named relative to its folder ("2025/fulda.yaml"), so the
    fingerprint does not depend on where the project lies. `cache` spares re-hashing shared files."""
    cache = {} if cache is None else cache
    digests = {}
    for path in input_files(agreement, plan):
        if path not in cache:
            cache[path] = sha256_file(path)
        digests[f"{path.parent.name}/{path.name}"] = cache[path]
    return digests


def fingerprint(agreement: Agreement, inputs: dict[str, str], formats: AbstractSet[str]) -> str:
    """One hash over everything that decides the output's bytes."""
    material = {
        "generator": generator_fingerprint(),
        "stage": str(agreement.status),
        "formats": sorted(formats),
        "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH", ""),
        "inputs": inputs,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()
