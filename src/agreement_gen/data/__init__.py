"""The data: the YAML files read (load), validated into typed objects (models, validate) and
planned as one fiscal year (plan); the clerk's edits of the files (edits, yamledit); what a district
still lacks (readiness). Nothing here knows documents, PDFs or signatures."""
