"""Output formats. Each builder turns staged items into one more file per item (one file per format)."""

from agreement_gen.builders.base import Builder, Item
from agreement_gen.builders.docx import DocxBuilder
from agreement_gen.builders.pdf import PdfBuilder

__all__ = ["Builder", "DocxBuilder", "Item", "PdfBuilder"]

FORMATS = ("docx", "pdf")
