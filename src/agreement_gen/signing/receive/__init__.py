"""Taking back what both parties signed, so that what is published is provably what they signed.

Digital route (`receive FILE.pdf…`): the returned file names its district, year and stage in
its XMP (pdf/trace.py), so it is recognised under any file name. Its first revision must be
byte for byte the PDF recorded as sent (counties/YEAR/sent/, signing/record.py), and the text the
data gives now must be the text recorded then (each change named); the revisions
after it must be the two signatures and nothing else (signing/judgement/). The file is then kept as
counties/YEAR/signed/SLUG.pdf and the district's year file records `status: signed`, both
signing dates (read from the signatures, as dates in Hesse) and a `signed_copy` record.

Paper route (`receive --paper SLUG --signed-on MINISTRY,DISTRICT [--scan FILE]`): the dates are
typed in; the published PDF is then the signed-stage build, the scan is kept beside it.

Names: the document prints the signatory's name from the data, so a certificate's common name
never replaces it. It fills `signatory.name` only when that is empty; when they differ, the
data's name stays, the certificate's is recorded in `signed_copy` and the difference reported.

A run is all or nothing: every file is checked first, and if one is refused (one sentence each,
exit 2) nothing is stored and no data file changes. Files are written atomically, the YAML
through yamledit (comments and key order kept). Receiving the same file again changes nothing.

Reading order:

- receipt.py: what a round produces (Receipt), how a file is refused (Refusal), where copies are kept;
- identify.py: which district and year a returned PDF is (the trace of its first revision);
- digital.py: examining a digitally signed file and `receive_signed`, the digital round;
- paper.py: `receive_paper`, the paper round;
- record.py: the year file's new text, and storing copies and data files all or nothing;
- kept.py: `check_kept_copy`, publish's re-check that the kept copy is still what was received.
"""

from __future__ import annotations

from agreement_gen.signing.receive.digital import Options, receive_signed
from agreement_gen.signing.receive.identify import read_first_trace
from agreement_gen.signing.receive.kept import check_kept_copy
from agreement_gen.signing.receive.paper import receive_paper
from agreement_gen.signing.receive.receipt import SIGNED_DIR, Receipt, Refusal, signed_path, today
from agreement_gen.signing.receive.record import SIGNED_COPY_COMMENT, signed_data_text

__all__ = [
    "SIGNED_COPY_COMMENT",
    "SIGNED_DIR",
    "Options",
    "Receipt",
    "Refusal",
    "check_kept_copy",
    "read_first_trace",
    "receive_paper",
    "receive_signed",
    "signed_data_text",
    "signed_path",
    "today",
]
