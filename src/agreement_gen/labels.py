"""The data's values as the user reads them ('Entwurf' for draft): one place for every table and sentence.

The data keeps its own words (draft, for_signature, signed; digital, paper); only what is shown
is translated.
"""

from __future__ import annotations

from agreement_gen.i18n import N_, _

# The stages as the user reads them; the data keeps its values (draft, for_signature, signed).
_STATUS_LABELS = {"draft": N_("draft"), "for_signature": N_("for_signature"), "signed": N_("signed")}


def status_label(status: object) -> str:
    """'Entwurf' for draft (in English the data's own word): every table that shows a stage uses this."""
    text = str(status)
    return _(_STATUS_LABELS[text]) if text in _STATUS_LABELS else text


# How a signed copy came back (signed_copy.route), as the user reads it.
_ROUTE_LABELS = {"digital": N_("digital"), "paper": N_("paper")}


def route_label(route: object) -> str:
    """'Papier' for paper (in English the data's own word)."""
    text = str(route)
    return _(_ROUTE_LABELS[text]) if text in _ROUTE_LABELS else text
