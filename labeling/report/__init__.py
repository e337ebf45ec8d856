"""The HTML report of an export: charts (SVG kit), facts (data), page (the document)."""

from labeling.report.page import render, write_report

__all__ = ["render", "write_report"]
