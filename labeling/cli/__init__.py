"""The command line: a thin click layer over the library (``labeling --help``)."""

from labeling.cli.app import main

__all__ = ["main"]
