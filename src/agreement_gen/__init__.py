"""agreement-gen: the AQB Zielvereinbarungen of the Hessian ministry, one per district, as DOCX and PDF."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("agreement-gen")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"
