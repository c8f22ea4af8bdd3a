"""Each field signed by its own party (issue 11): swapped fields, one certificate in both, another district's
certificate, a ministry field signed by a district's certificate – all refused, exit 2, counties/ unchanged."""

from __future__ import annotations

import pytest

from agreement_gen.signing.parties import (
    district_signer_problem,
    fingerprint,
    ministry_signer_problem,
)

from ..signing import MINISTRY
from .conftest import DISTRICT_FIELD, MINISTRY_FIELD, Forge

SIGNERS = "trust/signers.yaml"

pytestmark = pytest.mark.slow  # the session builds Kassel's PDF with LibreOffice once


def test_the_honest_round_is_taken(forge: Forge, capsys):
    code, out, err = forge.receive(capsys, forge.both())
    assert code == 0, err
    assert "landkreis-kassel 2025: signed digitally by the ministry (Heike Hofmann) on 2.8.2025" in out
    assert (
        f"{MINISTRY_FIELD}: signed 2025-08-02 12:00 according to the signer's own claim (no trusted timestamp)" in out
    )


def test_swapped_fields_are_refused(forge: Forge, capsys):
    swapped = forge.district_signs(forge.ministry_signs(who=forge.pki.district), who=forge.pki.ministry)
    err = forge.refused(capsys, swapped)
    assert (
        f"the signature in {MINISTRY_FIELD} is not its party's: the certificate 'Andreas Siebert' of Landkreis Kassel "
        f"is not one of the ministry's signers listed in {forge.paths.counties / SIGNERS}" in err
    )


def test_one_certificate_in_both_fields_is_refused(forge: Forge, capsys):
    err = forge.refused(capsys, forge.district_signs(forge.ministry_signs(), who=forge.pki.ministry))
    assert (
        f"one certificate ('Heike Hofmann' of {MINISTRY}) signed both {MINISTRY_FIELD} and {DISTRICT_FIELD}: "
        "each party signs with its own" in err
    )


def test_another_districts_certificate_is_refused(forge: Forge, capsys):
    giessen = forge.pki.person("Andreas Siebert", "Landkreis Gießen")
    err = forge.refused(capsys, forge.district_signs(forge.ministry_signs(), who=giessen))
    assert (
        f"the signature in {DISTRICT_FIELD} is not its party's: the certificate 'Andreas Siebert' of Landkreis "
        "Gießen does not belong to Landkreis Kassel (its organisation must be that)" in err
    )


def test_a_district_certificate_in_the_ministry_field_is_refused(forge: Forge, capsys):
    clerk = forge.pki.person("Heike Hofmann", "Landkreis Kassel")
    err = forge.refused(capsys, forge.district_signs(forge.ministry_signs(who=clerk)))
    assert f"the signature in {MINISTRY_FIELD} is not its party's: the certificate 'Heike Hofmann' of Landkreis" in err


def test_a_ministry_certificate_in_the_district_field_is_refused(forge: Forge, capsys):
    colleague = forge.pki.person("Andreas Siebert", MINISTRY)
    err = forge.refused(capsys, forge.district_signs(forge.ministry_signs(), who=colleague))
    assert (
        f"the signature in {DISTRICT_FIELD} is not its party's: the certificate 'Andreas Siebert' of {MINISTRY} is "
        "one of the ministry's signers, not Landkreis Kassel's" in err
    )


def test_a_stranger_under_the_same_root_is_refused(forge: Forge, capsys):
    stranger = forge.pki.person("Mallory", None)
    err = forge.refused(capsys, forge.district_signs(forge.ministry_signs(), who=stranger))
    assert "the certificate 'Mallory' (no organisation) does not belong to Landkreis Kassel" in err


def test_the_ministrys_deputy_needs_the_clerks_word(forge: Forge, capsys):
    deputy = forge.pki.person("Dr. Staatssekretär Beispiel", MINISTRY)
    signed = forge.district_signs(forge.ministry_signs(who=deputy))
    err = forge.refused(capsys, signed)
    assert "data names 'Heike Hofmann' as the minister (in the year file)" in err
    code, _, err = forge.receive(capsys, signed, "--deputy", "Dr. Staatssekretär Beispiel")
    assert code == 0, err
    assert "  deputies:\n    - Dr. Staatssekretär Beispiel\n" in forge.data.read_text(encoding="utf-8")


def test_nobody_may_sign_for_the_ministry_until_configured(forge: Forge, capsys):
    (forge.paths.counties / SIGNERS).unlink()
    err = forge.refused(capsys, forge.both())
    assert "nobody is configured to sign for the ministry: list its signing certificates" in err


def test_signers_pinned_by_fingerprint(forge: Forge, capsys):
    """The ministry by one certificate's fingerprint; a district whose certificates name another organisation."""
    seal = forge.pki.person("Heike Hofmann", "Land Hessen")
    town = forge.pki.person("Andreas Siebert", "Kreisausschuss des Landkreises Kassel")
    (forge.paths.counties / SIGNERS).write_text(f"ministry:\n  - sha256: {fingerprint(seal[0])}\n", encoding="utf-8")
    signed = forge.district_signs(forge.ministry_signs(who=seal), who=town)
    err = forge.refused(capsys, signed)
    assert "'Andreas Siebert' of Kreisausschuss des Landkreises Kassel does not belong to Landkreis Kassel" in err
    master = forge.paths.counties / "districts/landkreis-kassel.yaml"
    master.write_text(
        master.read_text(encoding="utf-8") + "signers:\n  - organization: Kreisausschuss des Landkreises Kassel\n",
        encoding="utf-8",
    )
    # who may sign is no part of the text sent: the document out for signature stays the one recorded
    code, _, err = forge.receive(capsys, forge.district_signs(forge.ministry_signs(who=seal), who=town))
    assert code == 0, err


def test_the_checks_sign_can_call(forge: Forge):
    counties = forge.paths.counties
    assert ministry_signer_problem(forge.pki.ministry[0], counties) is None
    assert "is not one of the ministry's signers" in (ministry_signer_problem(forge.pki.district[0], counties) or "")
    from agreement_gen.data.plan import plan_year

    kassel = next(a for a in plan_year(forge.paths, 2025).agreements if a.slug == "landkreis-kassel").district
    assert district_signer_problem(forge.pki.district[0], kassel, counties) is None
    assert "one of the ministry's signers" in (district_signer_problem(forge.pki.ministry[0], kassel, counties) or "")
    (counties / SIGNERS).write_text("ministry:\n  - common_name: Heike Hofmann\n", encoding="utf-8")
    problem = ministry_signer_problem(forge.pki.ministry[0], counties) or ""
    assert "who may sign for the ministry cannot be read" in problem and "give the certificate's sha256" in problem
