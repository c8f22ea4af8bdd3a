"""The build: every district's DOCX and PDF written atomically (pipeline), one builder per
format (builders/), LibreOffice driven in parallel (libreoffice), what was built from what (manifest),
one build per output folder at a time (lock)."""
