"""Qt item models over the analysis: events, findings, sources."""

from .events import EventTableModel
from .findings import FindingsModel
from .sources import SourcesModel

__all__ = ["EventTableModel", "FindingsModel", "SourcesModel"]
