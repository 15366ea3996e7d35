"""The one place the GUI imports Qt from. Add a name here before using it anywhere in ``workbench.gui``."""

from __future__ import annotations

import html
import sys

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QByteArray,
    QCollator,
    QEvent,
    QItemSelectionModel,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QRunnable,
    QSettings,
    QSize,
    QStandardPaths,
    QThreadPool,
    QTime,
    QTimeZone,
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
    QMouseEvent,
    QPaintEvent,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPolygonF,
    QShortcut,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QStyle,
    QStyleFactory,
    QTabWidget,
    QTableView,
    QTextBrowser,
    QTimeEdit,
    QToolBar,
    QToolTip,
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
    "QByteArray", "QEvent", "QPointF", "QRectF", "QSettings", "QTime", "QTimeZone", "QLocale", "QMouseEvent",
    "QPainter", "QPainterPath", "QPaintEvent", "QPen", "QPolygonF", "QTransform", "QWheelEvent", "QShortcut",
    "QCheckBox", "QComboBox", "QDialog", "QDialogButtonBox", "QDockWidget", "QFormLayout", "QGroupBox",
    "QLineEdit", "QListWidget", "QListWidgetItem", "QSpinBox", "QTabWidget", "QTimeEdit", "QToolTip",
    "QStyleFactory", "QMenu", "QInputDialog", "QCollator", "QGridLayout",
    "QScrollArea",
    "safe_tooltip",
]


def safe_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` literally.

    Qt renders a tooltip as rich text whenever it *looks* like HTML, so log fields (attacker
    controlled) must never be passed raw. Wrapping the escaped text in a paragraph forces rich-text
    mode, in which the escaped text displays exactly as written; ``pre-wrap`` keeps its line breaks.
    """
    return f'<p style="white-space:pre-wrap">{html.escape(text)}</p>'


def _keep_none_alive() -> None:
    """PySide6 6.12 drops one reference to ``None`` on every call of a Qt method that returns nothing
    (``setEnabled``, ``resizeColumnToContents``, ...). Python 3.12 made ``None`` immortal; on 3.11 its count
    falls by one per call until it reaches zero and the interpreter aborts ("Fatal Python error:
    none_dealloc"), after some hundred thousand calls: a long session, or the GUI test suite. Give ``None``
    a count no session can use up (2**48 references; the object itself is never freed anyway)."""
    if sys.implementation.name == "cpython" and sys.version_info < (3, 12):
        import ctypes

        ctypes.c_ssize_t.from_address(id(None)).value += 1 << 48


_keep_none_alive()
