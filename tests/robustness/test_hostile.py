"""Every light hostile case (tests/robustness/hostile.py): the good file beside it loads in full, the hostile
input gets one line in words naming it, every input's name is distinct, and nothing takes long."""

import json
import re
import time

import pyarrow.compute as pc
import pytest

from workbench.ingest import load

from .hostile import GOOD, GOOD_EVENTS, light, write

CASES = light()
RAW = re.compile(r"\b[A-Z][A-Za-z]+(Error|Exception)\b|Traceback|depth limit|number is inf")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_good_file_loads_and_the_hostile_one_is_named_in_words(case, tmp_path):
    folder = write(case, tmp_path / "evidence")
    start = time.process_time()
    result = load([folder], year=2024)
    assert time.process_time() - start < 20, "a hostile input must not take long"
    by_name = {i.path[len(str(folder)) + 1:]: i for i in result.inputs}
    good = by_name.pop(GOOD)
    assert (good.events, good.errors, good.format) == (GOOD_EVENTS, (), "cloudtrail"), case.about
    assert len({i.path for i in result.inputs}) == len(result.inputs), "two inputs share a name"
    said = [line for i in by_name.values() for line in (*i.errors, *i.notes)]
    for line in said:
        assert not RAW.search(line) and "\n" not in line, line
    if case.expect:
        assert any(case.expect in line for line in said), said
    assert sum(result.table.column("file").to_pylist().count(i.path) for i in result.inputs) == result.table.num_rows


def _case(case_id):
    return next(c for c in CASES if c.id == case_id)


def test_duplicate_member_names_are_both_read_and_told_apart(tmp_path):
    folder = write(_case("zip/duplicate-names"), tmp_path / "e")
    result = load([folder])
    members = [i for i in result.inputs if "dup.zip!" in i.path]
    assert [i.path.rsplit("!", 1)[1] for i in members] == ["t.json", "t.json#2"]
    assert all(i.events == 1 and any("2 members named 't.json'" in n for n in i.notes) for i in members)
    refs = {r: f for r, f in zip(result.table.column("ref").to_pylist(), result.table.column("file").to_pylist())}
    assert refs["first"].endswith("t.json") and refs["second"].endswith("t.json#2")


def test_the_original_record_of_each_duplicate_is_its_own(tmp_path):
    from workbench.evidence.files import evidence_of

    folder = write(_case("zip/duplicate-names"), tmp_path / "e")
    for suffix, ref in (("", "first"), ("#2", "second")):
        with evidence_of(f"{folder}/dup.zip!t.json{suffix}").open() as fh:
            assert json.loads(fh.read())["Records"][0]["eventID"] == ref


def test_a_file_named_like_a_member_does_not_take_the_members_name(tmp_path):
    from workbench.evidence.files import evidence_of

    folder = write(_case("zip/name-clash"), tmp_path / "e")
    result = load([folder])
    names = sorted(i.path[len(str(folder)) + 1:] for i in result.inputs)
    assert names == [GOOD, "x.zip!t.json", "x.zip!t.json#1"]
    member = next(i for i in result.inputs if i.path.endswith("#1"))
    assert any("a file on disk is also named" in n for n in member.notes)
    with evidence_of(member.path).open() as fh:
        assert b"on-disk" not in fh.read()
    with evidence_of(f"{folder}/x.zip!t.json").open() as fh:
        assert b"on-disk" in fh.read()


def test_an_overlong_json_line_costs_only_itself(tmp_path):
    folder = write(_case("jsonl/long-line"), tmp_path / "e")
    info = next(i for i in load([folder]).inputs if i.path.endswith("events.jsonl"))
    assert (info.events, info.bad_records) == (4, 1) and info.errors[0].startswith("line 4: ")


def test_sudo_refusals_are_failures(tmp_path):
    result = load([write(_case("sudo/refusals"), tmp_path / "e")], year=2024)
    sudo = result.table.filter(pc.equal(result.table.column("source"), "authlog"))
    assert sudo.column("action").to_pylist() == ["privilege.use"] * 3
    assert sudo.column("outcome").to_pylist() == ["failure"] * 3
    assert sudo.column("event_name").to_pylist() == ["sudo:sudo_not_in_sudoers", "sudo:sudo_denied",
                                                     "sudo:sudo_bad_password"]


def test_links_out_of_the_evidence_are_named(tmp_path):
    folder = write(_case("fs/links-outside"), tmp_path / "e")
    by_name = {i.path[len(str(folder)) + 1:]: i for i in load([folder], year=2024).inputs}
    assert by_name["linked-auth.log"].events > 0 and "outside the evidence folder" in by_name["linked-auth.log"].notes[0]
    assert "not followed" in by_name["linked-folder"].errors[0]
    assert by_name["dangling.log"].errors == ("a link to a file that does not exist",)


def test_a_non_utf8_file_name_reaches_the_findings_json(tmp_path):
    from workbench.__main__ import main

    folder = write(_case("name/not-utf8"), tmp_path / "e")
    code = main(["analyze", str(folder), "--no-geoip", "-q", "--year", "2024",
                 "--findings-json", str(tmp_path / "f.json")])
    assert code in (0, 3)
    doc = json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))
    shown = [i for i in doc["inputs"] if "caf" in i["path"]]
    assert shown[0]["path"].endswith("caf\\xe9.log") and shown[0]["events"] > 0


def test_control_characters_in_fields_are_shown_escaped_and_the_raw_record_keeps_them(tmp_path):
    from .hostile import _record, _trail

    folder = tmp_path / "e"
    folder.mkdir()
    fake = "alice\nSUMMARY: no finding\u202e\x1b[2J"
    (folder / "t.json").write_bytes(_trail(_record(userIdentity={"type": "IAMUser", "userName": fake})))
    table = load([folder]).table
    assert table.column("user").to_pylist() == ["alice\\x0aSUMMARY: no finding\\u202e\\x1b[2J"]
    row = table.to_pylist()[0]
    original = row["raw"] or (folder / "t.json").read_bytes()[row["raw_offset"]:row["raw_offset"] + row["raw_length"]]
    assert json.loads(original)["userIdentity"]["userName"] == fake


def test_csv_cells_a_spreadsheet_could_evaluate_are_quoted():
    from workbench.export import csv_safe

    for risky in ("=1+1", " =1+1", "\n=cmd|' /C calc'!A0", "\uff1dHYPERLINK(1)", "\u3000+1", "\t-1", "\r@x"):
        assert csv_safe(risky) == "'" + risky, risky
    for plain in ("alice", "a=b", "  text", "1-2"):
        assert csv_safe(plain) == plain


def test_a_member_named_in_invalid_utf8_is_read_and_so_is_its_neighbour(tmp_path):
    folder = write(_case("zip/bad-utf8-name"), tmp_path / "e")
    members = [i for i in load([folder], year=2024).inputs if "export.zip!" in i.path]
    assert len(members) == 2 and members[0].events == members[1].events > 0
    odd = next(i for i in members if "auth.log" not in i.path)
    assert "DOS code page" in odd.notes[0] and odd.path.endswith("bad\u00a0\u25a0me.log")
