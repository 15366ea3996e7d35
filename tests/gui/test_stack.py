"""Stack counting: the values of a column over the events in view, rarest first; a click keeps only those."""

from __future__ import annotations

from collections import Counter

from workbench.gui.qt import Qt


def test_value_counts_are_rarest_first_and_a_click_filters_the_grid(qtbot, window, case_dir):
    with qtbot.waitSignal(window.loaded, timeout=60_000):
        window.open_paths([case_dir])
    table = window.analysis.table
    window.count_values("user_agent")
    pane = window.stack_pane
    assert window.right_tabs.currentWidget() is pane and pane.isVisible()
    counts = [pane.model.rows[r][1] for r in range(pane.model.rowCount())]
    assert counts == sorted(counts) and sum(counts) == table.num_rows
    truth = Counter(table.column("user_agent").to_pylist())
    rarest_value = pane.model.payload(0)
    assert counts[0] == truth[rarest_value] == min(truth.values())

    index = pane.model.index(0, 0)
    qtbot.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=pane.view.visualRect(index).center())
    shown = window.events_model
    assert shown.rowCount() == truth[rarest_value]
    assert {shown.value(r, "user_agent") for r in range(shown.rowCount())} == {rarest_value}
    # the counts follow the view: now one value
    assert pane.model.rowCount() == 1 and pane.model.rows[0][1] == truth[rarest_value]

    window.count_values("country")  # a second column over the narrowed view
    assert sum(pane.model.rows[r][1] for r in range(pane.model.rowCount())) == truth[rarest_value]
