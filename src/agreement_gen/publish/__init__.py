"""Publication: the portal's bundle of signed agreements (bundle), its overview page and tables
(overview, templates/), and the state of the year's round across every stage (progress, for `status`)."""
