"""The PDF incident report (reportlab). No Qt here: the CLI and the GUI call the same function."""

from .pdf import write_report

__all__ = ["write_report"]
