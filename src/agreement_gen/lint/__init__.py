"""Template check (`agreement-gen check`): what an editor broke in Word, each problem in one sentence
with where it is ("§ 5, Absatz 3", "Kopfzeile") and the words around it.

The master template is edited in Word by people who do not read Python; Jinja names problems by XML
offset, and docxtpl's own `get_undeclared_template_variables` misses names inside loops and
attributes (python-docx-template#585, #302). So the template is read twice: as the editor sees it
(paragraphs under their sections, tags as typed), and as docxtpl will see it (its preprocessed XML,
each line traced back to its paragraph). Checked are: tags Word split or autocorrected, tracked
changes, comments, fields and invisible characters inside tags, misplaced {%p %}/{%tr %}/{%tc %}/{%r %}
tags, Jinja syntax and unclosed blocks, unknown variables, filters and compared values (slugs against the
data), unused data, § numbering and references, § headings without an outline level, tags formatted in
more than one way, header settings, and tags left in sample renders. `gate` puts the errors in front of
build, preview and diff.

Reading order: `checker` (entry points, the order of the checks) → `document` (paragraphs, tags,
places) → `findings` (what is reported) → the checks in the order they run: `word_damage`,
`docxtpl_tags`, `syntax`, `parsing`, `variables` (with `names`, the name resolution), `structure`,
`rendered`; `gate` last.
"""

from agreement_gen.lint.checker import lint_plan, lint_template
from agreement_gen.lint.findings import Finding, Severity, has_errors

__all__ = ["Finding", "Severity", "has_errors", "lint_plan", "lint_template"]
