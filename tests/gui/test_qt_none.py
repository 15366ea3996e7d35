"""PySide6 6.12 drops a reference to None on every call of a Qt method that returns nothing; on Python 3.11
that aborted the interpreter ("none_dealloc") after a few thousand calls more than None's count.
workbench.gui.qt gives None a count no session can use up."""

from __future__ import annotations

import sys

import pytest


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_many_void_qt_calls_leave_none_alive(qtbot):
    from workbench.gui.qt import QPushButton

    button = QPushButton()
    qtbot.addWidget(button)
    before = sys.getrefcount(None)
    for _ in range(20_000):  # several times None's natural count (a few thousand)
        button.setEnabled(True)
    assert sys.getrefcount(None) > 2**40 and before - sys.getrefcount(None) <= 20_000
