"""`agreement-gen unreceive`: a `receive` taken back (see commands/undo.py)."""

from agreement_gen.commands.undo import unreceive_command as command

__all__ = ["command"]
