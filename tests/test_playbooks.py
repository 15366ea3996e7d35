import os
from pathlib import Path

import pytest

from workbench.errors import PlaybookError
from workbench.paths import playbooks_dir
from workbench.playbooks import PlaybookLibrary, parse

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
GOOD = """# Valid_Accounts:_Cloud_Accounts - T1078004

| Column Name | Value |
|-------------|-------|
| MITRE Tactic | Defense Evasion, Persistence |
| MITRE TTP | T1078 |
| MITRE Sub-TTP | T1078.004 |
| Name | Valid Accounts: Cloud Accounts |
| Questions for Analysis | 1. Is it expected?<br>2. Is the IP known? |
| Containment and Further Analysis | Disable the account. Rotate its keys. |
"""


def test_the_four_shipped_seeds_parse_with_their_lists():
    lib = PlaybookLibrary.load([playbooks_dir()])
    assert lib.errors == []
    assert {"T1021", "T1021.007", "T1098.001", "T1586.003"} <= set(lib.playbooks)
    cloud = lib.get("T1021.007")
    assert cloud.name == "Remote Services: Cloud Services" and cloud.tactics == ["Lateral Movement"]
    assert cloud.questions[0] == "Is the login from an expected IP address or geolocation for this user?"
    assert len(cloud.questions) == 4 and len(cloud.containment) == 4
    creds = lib.get("T1098.001")
    assert creds.tactics == ["Persistence", "Privilege Escalation"]
    assert creds.questions[2] == "Does the account making the changes have a history of suspicious or anomalous activity?"
    assert creds.escalation == ["Unauthorized credential modifications are detected.",
                                "Changes were made by accounts that typically do not perform such actions.",
                                "There is a pattern of similar activity or if multiple accounts are affected."]
    assert creds.containment[3].startswith("Communicate with stakeholders")  # "4." inline, not after <br>


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the shared seeds are beside the repository only in development")
def test_shipped_playbooks_are_the_seeds_unchanged():
    seeds = sorted(p.read_bytes() for p in SEEDS.iterdir() if p.read_bytes().lstrip().startswith(b"#"))
    shipped = {p.read_bytes() for p in playbooks_dir().iterdir()}
    assert len(seeds) == 4 and all(seed in shipped for seed in seeds)


def test_every_playbook_written_for_the_project_says_where_it_came_from():
    lib = PlaybookLibrary.load([playbooks_dir()])
    seeds = {"T1021", "T1021.007", "T1098.001", "T1586.003"}
    own = [book for tid, book in lib.playbooks.items() if tid not in seeds]
    assert own, "the project ships its own playbooks beside the seeds"
    for book in own:
        text = Path(book.path).read_text(encoding="utf-8")
        assert f"https://attack.mitre.org/techniques/{book.technique.replace('.', '/')}/" in text, book.path
        assert book.questions and book.escalation and book.containment, book.path


def test_matching_prefers_exact_ids_then_parents():
    lib = PlaybookLibrary.load([playbooks_dir()])
    assert lib.match(["T1110.001", "T1586.003"]).technique == "T1110.001"  # the first exact id wins
    assert lib.match(["T1021.999", "T1586.003"]).technique == "T1586.003"  # exact beats a parent
    assert lib.match(["T1021.999"]).technique == "T1021"
    assert lib.match(["T1021.005", "T1021.007"]).technique == "T1021.007"  # exact beats a parent
    assert lib.match(["T1021.004", "T1021.007"]).technique == "T1021.004"
    assert lib.match(["T1499"]) is None


def test_an_analysts_folder_overrides_and_adds(tmp_path):
    (tmp_path / "mine.md").write_text(GOOD)
    (tmp_path / "broken.md").write_text("# x\n\n| Column Name | Value |\n|---|---|\n| Name | Only a name |\n")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")  # not a playbook file: ignored
    (tmp_path / "new.md").write_text(GOOD.replace("T1078.004", "T1078.001"))
    lib = PlaybookLibrary.load([playbooks_dir(), tmp_path])
    assert lib.get("T1078.004").questions == ["Is it expected?", "Is the IP known?"]  # the analyst's overrides
    assert lib.get("T1078.004").path == str(tmp_path / "mine.md")
    assert lib.get("T1078.004").containment == ["Disable the account.", "Rotate its keys."]
    assert lib.errors == [f"{tmp_path / 'broken.md'}: missing the 'MITRE TTP' row"]
    assert len(lib.playbooks) == len(PlaybookLibrary.load([playbooks_dir()]).playbooks) + 1  # T1078.001 added


@pytest.mark.parametrize("text, message", [
    (GOOD.replace("T1078.004 |", "T-one |"), "'T-one' is not an ATT&CK technique id"),
    (GOOD + "| Name | again |\n", "row 'Name' appears twice"),
    (GOOD.replace("| Name | Valid Accounts: Cloud Accounts |", "| Name |"), "fewer than two cells"),
    (GOOD.replace("| Questions for Analysis", "stray text\n| Questions for Analysis"), "text inside the table"),
])
def test_malformed_playbooks_name_the_problem(text, message):
    with pytest.raises(PlaybookError, match=message) as err:
        parse(text, "p.md")
    assert str(err.value).startswith("p.md")


def test_technique_id_error_names_the_row_and_line():
    with pytest.raises(PlaybookError) as err:
        parse(GOOD.replace("| MITRE Sub-TTP | T1078.004 |", "| MITRE Sub-TTP | T1078.4 |"), "p.md")
    assert str(err.value).startswith("p.md:7: row 'MITRE Sub-TTP'") and err.value.line == 7


ISSUE_TECHNIQUES = ("T1110.001", "T1110.003", "T1078.004", "T1078", "T1098", "T1621", "T1021.001", "T1021.004",
                    "T1550.001", "T1530")


@pytest.mark.parametrize("technique", ISSUE_TECHNIQUES)
def test_project_playbooks_are_complete_and_agree_with_attack(technique):
    from workbench.attack import lookup

    book = PlaybookLibrary.load([playbooks_dir()]).get(technique)
    assert book is not None and Path(book.path).name == f"{technique}.md"
    ref = lookup(technique)
    assert ref.exact and book.name == ref.technique.name and book.tactics == list(ref.technique.tactics)
    assert book.rows["MITRE TTP"] == book.rows["MITRE Sub-TTP"] == technique  # as the seeds write it
    for items in (book.questions, book.escalation, book.l1_steps, book.t2_actions, book.containment):
        assert len(items) >= 3 and all(len(i) > 15 for i in items), book.path
    assert book.rows["Log Sources to Investigate"] and book.rows["Key Indicators"]
    assert "Written for this project" in book.rows["Source"]
    assert book.title.endswith(technique.replace(".", ""))  # "# Name - T1078004" as the seeds title themselves


def test_every_technique_a_check_emits_has_its_own_playbook():
    from workbench.checks import CHECKS

    lib = PlaybookLibrary.load([playbooks_dir()])
    # the cloud catalogue's findings carry their entry's playbook technique too (tests/checks/test_catalogue.py)
    emitted = {t for c in CHECKS if c.id != "cloud_catalogue" for t in c.techniques}
    assert emitted - set(lib.playbooks) <= {"T1059.009"}  # cloud CLI falls back to its sibling, T1021.007
    from workbench.checks.catalogue import ENTRIES
    assert {e.playbook for e in ENTRIES} <= set(lib.playbooks)


def test_dropped_in_playbooks_reload_without_restart(tmp_path):
    lib = PlaybookLibrary.load([playbooks_dir(), tmp_path])
    shipped = set(lib.playbooks)
    assert not lib.changed() and lib.reload() is False
    (tmp_path / "mine.md").write_text(GOOD.replace("T1078.004", "T1078.001"))
    assert lib.changed() and lib.reload() is True
    assert lib.get("T1078.001").questions == ["Is it expected?", "Is the IP known?"]
    (tmp_path / "mine.md").write_text(GOOD.replace("T1078.004", "T1078.001").replace("Is it expected?", "Changed?"))
    os.utime(tmp_path / "mine.md", ns=(1, 1))  # a new mtime even on a coarse clock
    assert lib.reload() is True and lib.get("T1078.001").questions[0] == "Changed?"
    (tmp_path / "bad.md").write_text(GOOD.replace("| Name | Valid Accounts: Cloud Accounts |", "| Name |"))
    assert lib.reload() is True
    assert lib.errors == [f"{tmp_path / 'bad.md'}:8: table row with fewer than two cells"]
    assert "T1078.001" in lib.playbooks and shipped <= set(lib.playbooks)  # the others still load
    (tmp_path / "mine.md").unlink()
    (tmp_path / "bad.md").unlink()
    assert lib.reload() is True and set(lib.playbooks) == shipped and lib.errors == []


def test_an_analysis_sees_reloaded_playbooks(tmp_path):
    lib = PlaybookLibrary.load([playbooks_dir()])
    held = lib  # what an Analysis keeps
    lib.add_folder(tmp_path)
    (tmp_path / "x.md").write_text(GOOD.replace("T1078.004", "T1078.001"))
    lib.reload()
    assert held.get("T1078.001") is not None


def test_findings_take_the_playbooks_added_later(tmp_path):
    from datetime import datetime, timezone

    from workbench.findings import Finding
    from workbench.playbooks import assign

    t = datetime(2024, 3, 1, tzinfo=timezone.utc)
    lib = PlaybookLibrary.load([playbooks_dir()])
    found = [Finding("x", "x", "low", ("T1078.001",), "e", t, t, playbook=None),
             Finding("y", "y", "low", ("T1110.001",), "e", t, t, playbook="T1110.001")]
    assert assign(found, lib)[0].playbook == "T1078"  # the parent's, until the analyst adds their own
    lib.add_folder(tmp_path)
    (tmp_path / "mine.md").write_text(GOOD.replace("T1078.004", "T1078.001"))
    lib.reload()
    again = assign(found, lib)
    assert again[0].playbook == "T1078.001" and again[0].id == found[0].id
    assert again[1] is found[1]
