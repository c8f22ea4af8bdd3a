"""Tools around the year: what an edit of the template changes in every agreement (diff, textconv),
a new fiscal year from the last one (newyear), and the ministry's budget table imported (budgets/)."""
