"""The documents as text: the template's context (context), rendered by docxtpl within limits
(renderer, limits), the names the template may use (vocabulary), and a DOCX read back as text (text,
sections) – what editors, the closed-template check and the signing round's record compare."""
