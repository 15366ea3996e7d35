"""The offline ATT&CK reference: complete for everything the workbench names, consistent, and its errors clear."""

import importlib.util
import json

import pytest

from workbench.attack import AttackReferenceError, Technique, load_reference, lookup, read_reference
from workbench.checks import CHECKS
from workbench.paths import playbooks_dir, resources_dir
from workbench.playbooks import PlaybookLibrary


def test_every_technique_a_check_emits_or_a_playbook_names_is_in_the_reference():
    ref = load_reference()
    named = {t for c in CHECKS for t in c.techniques} | set(PlaybookLibrary.load([playbooks_dir()]).playbooks)
    assert named - set(ref) == set()
    for tid in named:
        assert lookup(tid).exact and lookup(tid).technique.id == tid


def test_the_shipped_reference_is_consistent():
    doc = read_reference()
    assert doc.attack_version == "18.1"
    for tech in doc.techniques.values():
        assert tech.tactics and tech.platforms and tech.url.startswith("https://attack.mitre.org/techniques/")
        if tech.parent:
            parent = doc.techniques[tech.parent]
            assert (tech.id, tech.name.split(": ", 1)[1]) in parent.subtechniques
            assert tech.name.startswith(parent.name + ": ")
    cloud = doc.techniques["T1078.004"]
    assert cloud.name == "Valid Accounts: Cloud Accounts" and cloud.parent == "T1078"
    assert cloud.tactics == ("Initial Access", "Persistence", "Privilege Escalation", "Defense Evasion")
    assert ("T1021.004", "SSH") in doc.techniques["T1021"].subtechniques


def test_lookup_falls_back_to_the_parent_and_says_so():
    ref = {"T1021": Technique("T1021", "Remote Services", ("Lateral Movement",))}
    found = lookup("t1021.999", ref)
    assert found.technique.id == "T1021" and not found.exact and "showing its parent T1021" in found.note
    assert lookup("T1021", ref).note == ""
    assert lookup("T1499", ref) is None


@pytest.mark.parametrize("content, message", [
    (b"{", "not valid JSON"),
    (b"[]", "no 'techniques' list"),
    (json.dumps({"techniques": [{"id": "T1", "name": "x"}]}).encode(), "entry 1: 'T1' is not an ATT&CK technique id"),
    (json.dumps({"techniques": [{"id": "T1021", "name": "a"}, {"id": "T1021", "name": "b"}]}).encode(),
     "entry 2: T1021 appears twice"),
    (json.dumps({"techniques": [{"id": "T1021", "name": "a", "tactics": "Lateral"}]}).encode(),
     "'tactics' is not a list of strings"),
])
def test_a_broken_reference_is_one_clear_error_naming_the_file(tmp_path, content, message):
    path = tmp_path / "techniques.json"
    path.write_bytes(content)
    with pytest.raises(AttackReferenceError, match=message) as err:
        read_reference(path)
    assert str(path) in str(err.value)


def test_a_missing_reference_names_the_file(tmp_path):
    with pytest.raises(AttackReferenceError, match="cannot read") as err:
        read_reference(tmp_path / "nope.json")
    assert "nope.json" in str(err.value)


def _pattern(tid, name, phases, platforms=("Linux",), **extra):
    return {"type": "attack-pattern", "id": f"attack-pattern--{tid}", "name": name,
            "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": p} for p in phases],
            "x_mitre_platforms": list(platforms),
            "external_references": [{"source_name": "mitre-attack", "external_id": tid,
                                     "url": f"https://attack.mitre.org/techniques/{tid.replace('.', '/')}"}],
            **extra}


def test_extract_makes_the_reference_from_stix(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("attack_extract", resources_dir() / "attack" / "extract.py")
    extract = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(extract)
    monkeypatch.setattr(extract, "SCOPE", ("T1021.004",))
    monkeypatch.setattr(extract, "FAMILIES", ())
    bundle = {"type": "bundle", "objects": [
        _pattern("T1021", "Remote Services", ["lateral-movement"], ("Windows", "Linux")),
        _pattern("T1021.004", "SSH", ["lateral-movement"]),
        _pattern("T1021.001", "Remote Desktop Protocol", ["lateral-movement"], ("Windows",)),
        _pattern("T1021.009", "Old", ["lateral-movement"], revoked=True),
        _pattern("T1078", "Valid Accounts", ["persistence", "initial-access"]),
    ]}
    (tmp_path / "bundle.json").write_text(json.dumps(bundle))
    out = tmp_path / "techniques.json"
    assert extract.main([str(tmp_path / "bundle.json"), "--attack-version", "99.0", "--out", str(out)]) == 0
    ref = read_reference(out)
    assert ref.attack_version == "99.0" and sorted(ref.techniques) == ["T1021", "T1021.004"]
    assert ref.techniques["T1021"].subtechniques == (("T1021.001", "Remote Desktop Protocol"), ("T1021.004", "SSH"))
    assert ref.techniques["T1021"].platforms == ("Linux", "Windows")
    assert ref.techniques["T1021.004"].name == "Remote Services: SSH"
    bundle["objects"] = bundle["objects"][2:]  # the technique in scope is gone: a clear stop
    (tmp_path / "bundle.json").write_text(json.dumps(bundle))
    with pytest.raises(SystemExit, match="not in the source"):
        extract.main([str(tmp_path / "bundle.json"), "--attack-version", "99.0", "--out", str(out)])
