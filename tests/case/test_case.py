"""The case file: everything the analyst records survives a reopen and a SIGKILL; the analysis is reused
while the evidence hashes are unchanged and redone when they change; the case never lives in the evidence."""

import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import workbench.case.folder as case_mod
from workbench.case.folder import Case, CaseError, check_case_folder
from workbench.paths import demo_dir


@pytest.fixture
def evidence(tmp_path) -> Path:
    folder = tmp_path / "evidence"
    folder.mkdir()
    shutil.copy(demo_dir() / "auth.log", folder / "auth.log")
    return folder


def test_wal_and_full_sync(tmp_path):
    with Case.create(tmp_path / "case") as case:
        assert case._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert case._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_everything_round_trips(tmp_path):
    folder = tmp_path / "case"
    with Case.create(folder, analyst="Ana Lyst", title="ACME breach") as case:
        case.set_state("f1", "investigating")
        case.set_answer("f1", "Is the login from an expected IP?", "no", "ASN never seen for the account")
        case.set_answer("f1", "Was MFA used?", note="checking with the user")  # a note before any answer
        case.set_criterion("f1", "Privileged account involved", "met", "Domain admin")
        case.set_decision("f1", "escalate", "credential theft likely")
        case.set_check("f1", "l1", "Pull the sign-in logs", True)
        case.set_check("f1", "containment", "Disable the account", False, note="waiting for approval")
        case.set_note("f1", "first note\nsecond line <b>not markup</b>")
        case.set_note("", "case-wide note")
        mark = case.add_bookmark("/ev/auth.log", "17", "authlog", "f1", "first failure")
        case.add_bookmark("/ev/auth.log", "99", "authlog")
        case.set_setting("analyze", {"year": 2024})
        case.set_state("f2", "false positive", who="Second Analyst")
    with Case.open(folder) as case:
        t = case.triage("f1")
        assert t.state == "investigating" and t.state_who == "Ana Lyst" and t.state_updated.tzinfo is not None
        assert t.answers["Is the login from an expected IP?"].answer == "no"
        assert t.answers["Is the login from an expected IP?"].note == "ASN never seen for the account"
        assert (t.answers["Was MFA used?"].answer, t.answers["Was MFA used?"].note) == ("", "checking with the user")
        assert t.criteria["Privileged account involved"].assessment == "met"
        assert (t.decision.decision, t.decision.reason) == ("escalate", "credential theft likely")
        done = t.checklist[("l1", "Pull the sign-in logs")]
        assert done.done and done.who == "Ana Lyst" and done.done_at is not None
        todo = t.checklist[("containment", "Disable the account")]
        assert not todo.done and todo.done_at is None and todo.note == "waiting for approval"
        assert t.note == "first note\nsecond line <b>not markup</b>"
        assert [(b.id, b.ref, b.note) for b in t.bookmarks] == [(mark.id, "17", "first failure")]
        assert case.note("") == "case-wide note"
        assert [b.ref for b in case.bookmarks("")] == ["99"] and len(case.bookmarks()) == 2
        assert case.setting("analyze") == {"year": 2024} and case.setting("title") == "ACME breach"
        assert case.states() == {"f1": "investigating", "f2": "false positive"}
        assert case.triage("f2").state_who == "Second Analyst"
        assert case.state("never-touched") == "new" and not case.triage("never-touched").touched
        assert set(case.all_triage()) == {"", "f1", "f2"}


def test_partial_updates_keep_the_other_part(tmp_path):
    with Case.create(tmp_path / "case", analyst="A") as case:
        case.set_answer("f", "Q?", "yes")
        case.set_answer("f", "Q?", note="typed later")
        assert (case.triage("f").answers["Q?"].answer, case.triage("f").answers["Q?"].note) == ("yes", "typed later")
        case.set_answer("f", "Q?", "unknown")
        assert case.triage("f").answers["Q?"].note == "typed later"
        case.set_answer("f", "Q?", "")  # cleared
        assert case.triage("f").answers["Q?"].answer == ""
        case.set_decision("f", reason="still looking")
        case.set_decision("f", "do not escalate")
        assert (case.triage("f").decision.decision, case.triage("f").decision.reason) == ("do not escalate",
                                                                                          "still looking")
        case.set_check("f", "t2", "Reset keys", True)
        case.set_check("f", "t2", "Reset keys", False, who="B")
        item = case.triage("f").checklist[("t2", "Reset keys")]
        assert (item.done, item.who, item.done_at) == (False, "B", None)
        first = case.add_bookmark("file", "1", finding_id="f", note="a")
        again = case.add_bookmark("file", "1", finding_id="f", note="b")
        assert first.id == again.id and [b.note for b in case.bookmarks("f")] == ["b"]
        case.remove_bookmark(first.id)
        assert case.bookmarks("f") == []


@pytest.mark.parametrize("call", [
    lambda c: c.set_state("f", "closed"),
    lambda c: c.set_answer("f", "Q", "maybe"),
    lambda c: c.set_criterion("f", "C", "partly"),
    lambda c: c.set_decision("f", "ignore"),
    lambda c: c.set_check("f", "l3", "x", True),
])
def test_unknown_values_are_refused_and_nothing_is_stored(tmp_path, call):
    with Case.create(tmp_path / "case") as case:
        with pytest.raises(ValueError):
            call(case)
        assert case.all_triage() == {}


def test_case_folder_never_inside_the_evidence(tmp_path, evidence):
    with pytest.raises(CaseError, match="inside the evidence"):
        Case.create(evidence / "case", [evidence])
    with pytest.raises(CaseError, match="inside the evidence"):
        Case.create(evidence, [evidence])
    with pytest.raises(CaseError, match="next to an evidence file"):
        Case.create(evidence, [evidence / "auth.log"])
    assert not (evidence / "case").exists() and sorted(p.name for p in evidence.iterdir()) == ["auth.log"]
    assert check_case_folder(tmp_path / "case", [evidence]) is None
    with Case.create(tmp_path / "case", [evidence]) as case:
        with pytest.raises(CaseError, match="inside the evidence"):
            case.set_sources([tmp_path])
        assert case.sources() == [str(evidence.resolve())]


def test_open_needs_a_case_and_create_refuses_an_existing_one(tmp_path):
    with pytest.raises(CaseError, match="not a case folder"):
        Case.open(tmp_path)
    Case.create(tmp_path / "c").close()
    with pytest.raises(CaseError, match="already holds a case"):
        Case.create(tmp_path / "c")


def test_corrupt_database_is_one_clear_error(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "case.sqlite").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(CaseError, match="cannot open the case database"):
        Case.open(tmp_path / "c")


def test_analysis_reused_while_hashes_unchanged_else_redone(tmp_path, evidence, monkeypatch):
    folder = tmp_path / "case"
    with Case.create(folder, [evidence]) as case:
        first, reused = case.open_analysis()
        assert not reused and first.findings
        fid = first.findings[0].id
        case.set_state(fid, "confirmed")
        assert [(i.path, i.sha256) for i in case.inputs()] == [(i.path, i.sha256) for i in first.inputs]
    before = sorted(p.name for p in evidence.iterdir())

    def no_analysis(*a, **k):
        raise AssertionError("the evidence was analyzed again")

    monkeypatch.setattr(case_mod, "analyze_with_pack", no_analysis)
    with Case.open(folder) as case:
        again, reused = case.open_analysis()
        assert reused
        assert again.to_json() == first.to_json()
        assert again.table.equals(first.table)
        assert [f.id for f in again.findings] == [f.id for f in first.findings]
        assert again.playbook_for(again.findings[0]) is not None
        assert list(again.evidence_rows(again.findings[0])) == list(first.evidence_rows(first.findings[0]))
        assert case.findings_json()["findings"] == first.to_json()["findings"]
        assert case.state(fid) == "confirmed"
    monkeypatch.undo()

    with open(evidence / "auth.log", "a") as fh:  # the evidence changes: analyze again, triage kept
        fh.write("Mar 20 10:00:00 web1 sshd[1]: Accepted password for bob from 10.0.0.9 port 22 ssh2\n")
    with Case.open(folder) as case:
        check = case.check_evidence()
        assert check.changed == (str((evidence / "auth.log").resolve()),) and not check.unchanged
        third, reused = case.open_analysis()
        assert not reused and "changed" in case.problem
        assert third.events_total == first.events_total + 1
        assert case.state(fid) == "confirmed"
        assert case.check_evidence().unchanged
    (evidence / "new.log").write_text("")
    with Case.open(folder) as case:
        assert case.check_evidence().added == (str((evidence / "new.log").resolve()),)
    assert sorted(p.name for p in evidence.iterdir()) == sorted([*before, "new.log"])  # nothing written there


def test_unreadable_events_file_means_analyze_again(tmp_path, evidence):
    folder = tmp_path / "case"
    with Case.create(folder, [evidence]) as case:
        case.open_analysis()
    (events,) = folder.glob("events-*.arrow")
    events.write_bytes(b"garbage")
    with Case.open(folder) as case:
        analysis, reused = case.open_analysis()
        assert not reused and analysis.findings and "cannot read the stored events" in case.problem
    assert len(list(folder.glob("events-*.arrow"))) == 1  # the old one replaced, not piled up
    assert not list(folder.glob(".*.part"))


def test_threads_write_at_once(tmp_path):
    with Case.create(tmp_path / "case", analyst="A") as case:
        def edit(n: int) -> None:
            for i in range(40):
                case.set_answer(f"f{n}", f"q{i}", "yes", f"note {i}")
        threads = [threading.Thread(target=edit, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(len(case.triage(f"f{n}").answers) == 40 for n in range(4))


WRITER = """
import sys
from workbench.case.folder import Case
case = Case.open(sys.argv[1])
for i in range(100000):
    case.set_answer("f", f"question {i}", ("yes", "no", "unknown")[i % 3], f"note {i}")
    case.set_note("f", f"typed {i}")
    print(i, flush=True)
"""


def test_sigkill_in_the_middle_of_edits_loses_nothing_committed(tmp_path):
    folder = tmp_path / "case"
    Case.create(folder, analyst="A").close()
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(folder)], stdout=subprocess.PIPE, text=True)
    acknowledged = -1
    deadline = time.monotonic() + 60
    while acknowledged < 60 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        acknowledged = int(line)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert acknowledged >= 60, "the writer did not get going"
    assert (folder / "case.sqlite-wal").exists()  # killed with its WAL not checkpointed
    with Case.open(folder) as case:
        t = case.triage("f")
        for i in range(acknowledged + 1):
            assert t.answers[f"question {i}"].note == f"note {i}"
            assert t.answers[f"question {i}"].answer == ("yes", "no", "unknown")[i % 3]
        assert len(t.answers) in (acknowledged + 1, acknowledged + 2)  # at most the edit in flight extra
        assert t.note in (f"typed {acknowledged}", f"typed {acknowledged + 1}")
        assert case._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_reference_to_sqlite_rows_is_plain(tmp_path):
    """Other tools can read the case with any SQLite client."""
    with Case.create(tmp_path / "case") as case:
        case.set_state("f", "escalated", who="A")
    db = sqlite3.connect(tmp_path / "case" / "case.sqlite")
    assert db.execute("SELECT finding_id, state, who FROM triage").fetchall() == [("f", "escalated", "A")]
    db.close()


def test_report_view_feeds_the_report_model(tmp_path, evidence):
    from pypdf import PdfReader

    from workbench.report.model import case_view
    from workbench.report.pdf import write_report

    with Case.create(tmp_path / "case", [evidence], analyst="Ana", title="Breach") as case:
        case.set_setting("case_id", "IR-7")
        analysis, _ = case.open_analysis()
        brute = next(f for f in analysis.findings if f.check == "brute_force_success")
        book = analysis.playbooks.match(brute.techniques)
        case.set_state(brute.id, "false positive")
        case.set_answer(brute.id, book.questions[0], "yes", "same IP for failures and success")
        case.set_criterion(brute.id, book.escalation[1], "not met", "deploy is a CI account without rights")
        case.set_criterion(brute.id, book.escalation[2], note="only a note, no assessment")
        case.set_decision(brute.id, "do not escalate", "user confirmed")
        case.set_check(brute.id, "containment", book.containment[0], True)
        case.set_note(brute.id, "called the user")
        case.add_bookmark(brute.evidence[0].file, brute.evidence[0].ref, brute.evidence[0].source, brute.id, "first")
        view = case_view(case)
        out = write_report(analysis, tmp_path / "report.pdf", case=case)
    assert (view.case_id, view.title, view.analyst) == ("IR-7", "Breach", "Ana")
    t = view.of(brute)
    assert t.state == "false_positive" and not t.confirmed
    assert [(a.question, a.answer, a.note) for a in t.answers] == [
        (book.questions[0], "yes", "same IP for failures and success")]
    # only what the analyst assessed: the report measures the rest itself and says it comes from the data
    assert [(c.text, c.status, c.basis) for c in t.criteria] == [
        (book.escalation[1], "not met", "deploy is a CI account without rights (assessed by Ana)")]
    assert (t.decision.decision, t.decision.reason, t.decision.by) == ("do not escalate", "user confirmed", "Ana")
    assert [(i.section, i.text, i.done, i.who) for i in t.checklist] == [
        ("containment", book.containment[0], True, "Ana")] and t.checklist[0].when is not None
    assert [(n.text, n.finding_id) for n in view.notes] == [("called the user", brute.id)]
    assert [(b.ref, b.finding_id, b.note) for b in view.bookmarks] == [(brute.evidence[0].ref, brute.id, "first")]
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(out).pages)
    assert "deploy is a CI account without rights (assessed by Ana)" in text
    assert "(from the data)" in text  # the criteria the analyst left alone, as measured


def test_open_case_and_create_case_for_the_gui(tmp_path, evidence):
    from workbench.case.folder import create_case, open_case
    from workbench.pipeline import analyze

    analysis = analyze([evidence])
    case = create_case(tmp_path / "case", analysis, [evidence], analyst="Ana",
                       options={"config_files": [tmp_path / "thresholds.yaml"], "default_geoip": True})
    assert case.setting("analyze") == {"config_files": [str(tmp_path / "thresholds.yaml")], "default_geoip": True}
    case.set_state(analysis.findings[0].id, "confirmed")
    case.close()
    case, again, reused = open_case(tmp_path / "case")
    with case:
        assert reused and [f.id for f in again.findings] == [f.id for f in analysis.findings]
        assert case.state(analysis.findings[0].id) == "confirmed" and case.analysis is again
    with pytest.raises(CaseError, match="inside the evidence"):
        create_case(evidence / "case", analysis, [evidence])


def test_evidence_out_of_reach_shows_the_stored_analysis_unverified(tmp_path, evidence, monkeypatch):
    folder = tmp_path / "case"
    with Case.create(folder, [evidence]) as case:
        first, _ = case.open_analysis()
    moved = tmp_path / "elsewhere"
    evidence.rename(moved)  # the evidence drive is not mounted
    monkeypatch.setattr(case_mod, "analyze_with_pack", lambda *a, **k: pytest.fail("analyzed what is left of the evidence"))
    with Case.open(folder) as case:
        again, reused = case.open_analysis()
        assert reused and [f.id for f in again.findings] == [f.id for f in first.findings]
        assert "1 inputs not found" in case.problem and "could not be verified" in case.problem


def test_a_case_made_without_sources_takes_its_inputs(tmp_path, evidence):
    from workbench.pipeline import analyze

    analysis = analyze([evidence / "auth.log"])
    with Case.create(tmp_path / "case") as case:
        case.save_analysis(analysis)
        assert case.sources() == [str((evidence / "auth.log").resolve())]
        assert case.check_evidence().unchanged


def _fill_the_disk(case):
    """The database may grow no more pages: SQLite then answers exactly as on a full disk (SQLITE_FULL)."""
    pages = case._db.execute("PRAGMA page_count").fetchone()[0]
    case._db.execute(f"PRAGMA max_page_count = {pages}")


def test_a_full_disk_refuses_the_edit_in_one_line_and_keeps_what_was_saved(tmp_path):
    with Case.create(tmp_path / "case", analyst="A") as case:
        case.set_answer("f", "saved before", "yes", "kept")
        _fill_the_disk(case)
        with pytest.raises(CaseError, match="this edit was not saved: the disk is full; everything saved before"):
            case.set_note("f", "x" * 200_000)
        assert case.triage("f").answers["saved before"].note == "kept"
        case._db.execute("PRAGMA max_page_count = 1073741823")  # space freed: the next edit is saved
        case.set_note("f", "after")
    with Case.open(tmp_path / "case") as case:
        t = case.triage("f")
        assert t.answers["saved before"].answer == "yes" and t.note == "after"
        assert case._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_read_only_case_folder_refuses_the_edit_in_one_line(tmp_path):
    with Case.create(tmp_path / "case", analyst="A") as case:
        case.set_state("f", "confirmed")
        case._db.execute("PRAGMA query_only = ON")  # as a read-only mount answers (SQLITE_READONLY)
        with pytest.raises(CaseError, match="the case folder is read-only") as err:
            case.set_state("f", "false positive")
        assert "\n" not in str(err.value)
        assert case.triage("f").state == "confirmed"
