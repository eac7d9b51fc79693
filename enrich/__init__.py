"""enrich: turn folders of paper listings into structured, grounded, evaluated tables."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("enrich")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+local"

__all__ = ["__version__"]
