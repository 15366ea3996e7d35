"""Log fields and playbook text are shown literally, never interpreted as markup."""

from __future__ import annotations

from gui_cases import EVIL, markup_analysis

from workbench.gui.models.events import COLUMNS
from workbench.gui.models.findings import TITLE_COL
from workbench.gui.qt import QTextBrowser, Qt, safe_tooltip


def test_user_name_with_markup_shows_literally(window, qtbot):
    analysis = markup_analysis()
    window.set_analysis(analysis)
    window.select_finding(0)

    pane = window.playbook_pane.toPlainText()
    assert f"Brute force then success: {EVIL}" in pane
    assert f"failed logins for {EVIL}" in pane
    html = window.playbook_pane.toHtml()
    assert "<img" not in html and "<b>x</b>" not in html

    # the first evidence row is selected, and its original record shown as plain text
    assert window.events_model.rowCount() == len(analysis.findings[0].evidence)
    assert EVIL in window.detail_pane.toPlainText()
    user_col = [name for _, name in COLUMNS].index("user")
    assert window.events_model.index(0, user_col).data() == EVIL


def test_tooltips_escape_log_fields(window):
    window.set_analysis(markup_analysis())
    tip = window.sources_model.index(1, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "<img" not in tip and "&lt;img src=a&gt;" in tip
    tip = window.findings_model.index(0, TITLE_COL).data(Qt.ItemDataRole.ToolTipRole)
    assert "<img" not in tip and "&lt;b&gt;x&lt;/b&gt;" in tip
    ua_col = [name for _, name in COLUMNS].index("user_agent")
    tip = window.events_model.index(0, ua_col).data(Qt.ItemDataRole.ToolTipRole)
    assert "<img" not in tip

    # what the tooltip markup renders to is the original text
    browser = QTextBrowser()
    browser.setHtml(safe_tooltip(f"agent {EVIL}\nline two"))
    assert browser.toPlainText() == f"agent {EVIL}\nline two"


def test_input_errors_are_red_and_in_the_status_bar(window):
    window.set_analysis(markup_analysis())
    red = window.sources_model.index(1, 3).data(Qt.ItemDataRole.ForegroundRole)
    assert red is not None and red.red() > 150
    assert window.sources_model.index(0, 3).data(Qt.ItemDataRole.ForegroundRole) is None
    assert "not a recognised log format" in window.sources_model.index(1, 3).data()
    assert "1 input had errors" in window.statusBar().currentMessage()
    assert EVIL in window.statusBar().currentMessage()
