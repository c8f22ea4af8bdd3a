"""How the judgement refuses: one exception type whose message is the sentence a clerk reads."""

from __future__ import annotations

from agreement_gen.errors import AgreementGenError


class SignatureProblem(AgreementGenError):
    """A returned PDF is not a validly signed agreement; the message says why in one sentence."""


class UntrustedSignature(SignatureProblem):
    """An otherwise valid signature whose certificate chains to none of the trusted roots (an unknown root).

    The only refusal `--accept-untrusted` may overrule.
    """


class NotSignedByBoth(SignatureProblem):
    """The copy carries no signature or only one: a stage of the round (`verify` warns), not a fault in the file."""
