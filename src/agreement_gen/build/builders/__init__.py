"""Output formats. Each builder turns staged items into one more file per item (one file per format).

Import the concrete builders from their modules (`builders.docx`, `builders.pdf`); they pull in
heavy libraries that a build with nothing to do should not load.
"""

from agreement_gen.build.builders.base import FORMATS, Builder, BuildProgress, Format, Item, OutputRejected, Step

__all__ = ["FORMATS", "BuildProgress", "Builder", "Format", "Item", "OutputRejected", "Step"]
