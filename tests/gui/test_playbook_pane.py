"""The playbook pane shows the offline ATT&CK reference beside the playbook, escaped like everything else."""

from __future__ import annotations

from datetime import datetime, timezone

from workbench.findings import Finding
from workbench.gui.widgets.playbook import PlaybookPane, attack_html
from workbench.paths import playbooks_dir
from workbench.playbooks import PlaybookLibrary

T = datetime(2024, 3, 14, 3, 0, tzinfo=timezone.utc)


def _finding(*techniques: str) -> Finding:
    return Finding("lateral_movement", "SSH to five hosts", "high", techniques, "explained", T, T, ("deploy",))


def test_reference_beside_the_playbook(qtbot):
    pane = PlaybookPane()
    qtbot.addWidget(pane)
    book = PlaybookLibrary.load([playbooks_dir()]).get("T1021.004")
    pane.show_finding(_finding("T1021", "T1021.004"), book)
    text = " ".join(pane.toPlainText().split())  # table cells come out one per line
    assert "ATT&CK reference" in text
    assert "T1021.004 Remote Services: SSH" in text and "Parent T1021 Remote Services" in text
    assert "Platforms ESXi, Linux, macOS" in text
    assert "T1021.001 Remote Desktop Protocol; T1021.002" in text  # the parent's sub-techniques
    assert "https://attack.mitre.org/techniques/T1021/004" in text
    assert text.index("Playbook: Remote Services: SSH") < text.index("ATT&CK reference") < text.index(
        "Questions for Analysis")


def test_reference_without_a_playbook_and_for_unknown_ids(qtbot):
    pane = PlaybookPane()
    qtbot.addWidget(pane)
    pane.show_finding(_finding("T1530", "T1021.099", "T9999"), None)
    text = " ".join(pane.toPlainText().split())  # table cells come out one per line
    assert "T1530 Data from Cloud Storage" in text and "Tactics Collection" in text
    assert "T1021.099 is not in the offline ATT&CK reference; showing its parent T1021" in text
    assert "T9999 is not in the offline ATT&CK reference." in text


def test_reference_escapes_what_it_is_given():
    html = attack_html(["<img src=x>"])
    assert "<img" not in html and "&lt;img src=x&gt;" in html
