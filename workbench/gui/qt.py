"""The one place the GUI imports Qt from. Add a name here before using it anywhere in ``workbench.gui``."""

from __future__ import annotations

import html

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRunnable,
    QSize,
    QStandardPaths,
    QThreadPool,
    QTimer,
    Qt,
    QUrl,
    QtMsgType,
    Signal,
    Slot,
    qInstallMessageHandler,
    qVersion,
)
from PySide6.QtGui import (
    QAction,
    QBrush,
    QCloseEvent,
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QKeySequence,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStyle,
    QTableView,
    QTextBrowser,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

__all__ = [
    "QAbstractItemModel", "QAbstractTableModel", "QItemSelectionModel", "QModelIndex", "QObject",
    "QPersistentModelIndex", "QRunnable", "QSize", "QStandardPaths", "QThreadPool", "QTimer", "Qt", "QUrl",
    "QtMsgType", "Signal", "Slot", "qInstallMessageHandler", "qVersion",
    "QAction", "QBrush", "QCloseEvent", "QColor", "QDragEnterEvent", "QDropEvent", "QFont", "QFontDatabase",
    "QGuiApplication", "QKeySequence", "QPalette",
    "QAbstractItemView", "QApplication", "QFileDialog", "QFrame", "QHBoxLayout", "QHeaderView", "QLabel",
    "QMainWindow", "QMessageBox", "QPlainTextEdit", "QProgressBar", "QPushButton", "QSizePolicy", "QSplitter",
    "QStyle", "QTableView", "QTextBrowser", "QToolBar", "QTreeView", "QVBoxLayout", "QWidget",
    "safe_tooltip",
]


def safe_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` literally.

    Qt renders a tooltip as rich text whenever it *looks* like HTML, so log fields (attacker
    controlled) must never be passed raw. Wrapping the escaped text in a paragraph forces rich-text
    mode, in which the escaped text displays exactly as written; ``pre-wrap`` keeps its line breaks.
    """
    return f'<p style="white-space:pre-wrap">{html.escape(text)}</p>'
