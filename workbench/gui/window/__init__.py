"""The main window's action families, each a mixin of :class:`~workbench.gui.main_window.MainWindow`:
docks (map, people, credentials, coverage), loading and the task in the status bar, the case and triage wiring,
exports, the analyst's marks, and the remembered layout. Each works on the window's panes and holds no analysis logic."""

from .case import CaseActions
from .docks import Docks
from .exports import Exports
from .layout import Layout
from .loading import Loading
from .marks import MarksActions

__all__ = ["CaseActions", "Docks", "Exports", "Layout", "Loading", "MarksActions"]
