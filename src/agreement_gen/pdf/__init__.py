"""Working on the PDFs LibreOffice wrote: signature fields, metadata, and the checks we publish by."""
