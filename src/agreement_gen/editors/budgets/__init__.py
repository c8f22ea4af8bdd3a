"""Budgets from the ministry's table: one amount per district, written into the year's data files.

This is the logic behind `agreement-gen import-budgets`. Read the modules in this order:

1. `table`: reading the CSV/XLSX table, finding its header row and its district and amount columns.
2. `amounts`: German and plain amounts ("1.288.930,50 €", "1288930.50") to Decimal, refusing guesses.
3. `matching`: `DistrictIndex`, which finds a district by its AGS or its name (ambiguous names refused).
4. `importer`: `import_budgets`, which checks every row and the total, then writes all budgets or none.

`cells` holds what they share about a cell: when it is blank and how two labels compare.
"""

from __future__ import annotations

from agreement_gen.data.amounts import parse_amount
from agreement_gen.editors.budgets.importer import Change, ImportReport, import_budgets
from agreement_gen.editors.budgets.matching import DistrictIndex, Resolution
from agreement_gen.editors.budgets.table import Row, Table, classify_header, read_table

__all__ = [
    "Change",
    "DistrictIndex",
    "ImportReport",
    "Resolution",
    "Row",
    "Table",
    "classify_header",
    "import_budgets",
    "parse_amount",
    "read_table",
]
