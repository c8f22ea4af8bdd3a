"""`agreement-gen withdraw`: documents sent for signature taken back (see commands/undo.py)."""

from agreement_gen.commands.undo import withdraw_command as command

__all__ = ["command"]
