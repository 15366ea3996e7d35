"""Panes of the main window."""

from .caption import Caption
from .detail import EventDetailPane
from .playbook import PlaybookPane

__all__ = ["Caption", "EventDetailPane", "PlaybookPane"]
