"""The tool's version (recorded in exports, pull caches and prediction model versions)."""

__version__ = "0.1.0"
