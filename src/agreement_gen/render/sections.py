"""Where a paragraph stands, in the words of the agreement itself: "Präambel", "§ 5".

Editors find text in Word by its section, not by an XML offset or a line number, so the
template check and the diff both name places this way.
"""

from __future__ import annotations

import re

TITLE = "Titel"  # everything before the first heading: the title block
HEADER_PREFIX, FOOTER_PREFIX, PROPERTIES_PREFIX = "[Kopfzeile] ", "[Fußzeile] ", "[Eigenschaften] "
TEXTBOX_PREFIX, FOOTNOTE_PREFIX = "[Textfeld] ", "[Fußnote] "
_PARAGRAPH_SIGN = re.compile(r"^§\s*(\d+[a-z]?)\b")


def section_heading(text: str, *, is_heading: bool = False) -> str | None:
    """'§ 5' for a paragraph that opens § 5 (a heading, or a short line such as '§ 5'), else None."""
    text = text.strip()
    match = _PARAGRAPH_SIGN.match(text)
    if match and (is_heading or len(text) <= 12):
        return f"§ {match.group(1)}"
    return None


def line_sections(lines: list[str]) -> list[str]:
    """The section of every line of a rendered agreement (as `text.lines` gives them)."""
    labels = []
    current = TITLE
    for line in lines:
        if line.startswith(HEADER_PREFIX):
            labels.append("Kopfzeile")
            continue
        if line.startswith(FOOTER_PREFIX):
            labels.append("Fußzeile")
            continue
        if line.startswith(PROPERTIES_PREFIX):
            labels.append("Dokumenteigenschaften")
            continue
        if line.startswith(FOOTNOTE_PREFIX):
            labels.append("Fußnoten")
            continue
        if line.startswith(TEXTBOX_PREFIX):
            labels.append(f"{current}, Textfeld")
            continue
        heading = section_heading(line)
        if heading:
            current = heading
        elif line.strip() == "Präambel":
            current = "Präambel"
        labels.append(current)
    return labels
