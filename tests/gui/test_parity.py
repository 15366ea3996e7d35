"""The app never knows less than the CLI: with an update pack active (thresholds, a playbook, a Sigma rule, an
ATT&CK reference, a GeoIP database), the window's analysis and `workbench analyze --sigma shipped` give the same
findings JSON on the same inputs, and the pack's playbook and ATT&CK name are what the app shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench import attack
from workbench.__main__ import main
from workbench.update.pack import build_pack, import_pack

ROOT = Path(__file__).resolve().parents[2]
PACK_QUESTION = "Did the pack's own question reach the app?"


@pytest.fixture
def active_pack(tmp_path, city_db, monkeypatch):
    """A pack with a stricter brute-force threshold, its own T1098.001 playbook, a Sigma rule on CreateAccessKey and
    an ATT&CK reference that renames T1098.001, imported into a fresh data folder."""
    books = tmp_path / "books"
    books.mkdir()
    text = (ROOT / "playbooks" / "T1098.001.md").read_text(encoding="utf-8")
    marker = "| Questions for Analysis | 1. "
    assert marker in text
    books.joinpath("T1098.001.md").write_text(text.replace(marker, f"{marker}{PACK_QUESTION}<br>1. ", 1),
                                              encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text("brute_force_success:\n  min_failures: 3\n", encoding="utf-8")
    rules = tmp_path / "rules" / "aws"
    rules.mkdir(parents=True)
    (rules / "key.yml").write_text(
        "title: Access key created (pack rule)\nid: 8a1c6e2e-1d0b-4f5e-9a55-3f1f1c1c0002\n"
        "status: test\nlogsource:\n  product: aws\n  service: cloudtrail\n"
        "detection:\n  sel:\n    eventName: CreateAccessKey\n  condition: sel\nlevel: high\n"
        "tags:\n  - attack.persistence\n  - attack.t1098.001\n", encoding="utf-8")
    reference = json.loads((ROOT / "resources" / "attack" / "techniques.json").read_text(encoding="utf-8"))
    for tech in reference["techniques"]:
        if tech["id"] == "T1098.001":
            tech["name"] = "Additional Cloud Credentials (pack)"
    (tmp_path / "techniques.json").write_text(json.dumps(reference), encoding="utf-8")
    pack = tmp_path / "pack.zip"
    build_pack(pack, name="pack-parity", playbooks=books, config=config, geoip_dbs=[city_db],
               sigma=tmp_path / "rules", attack=tmp_path / "techniques.json")
    data = tmp_path / "data"
    import_pack(pack, data, allow_unsigned=True)
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(data))
    yield data
    attack.use_reference(None)


def _comparable(doc: dict) -> dict:
    """The findings JSON minus what differs between two runs by nature (when it was made)."""
    return {k: v for k, v in doc.items() if k != "created"}


def test_the_app_and_the_cli_give_the_same_findings_with_the_pack(window, qtbot, tmp_path, active_pack, data_dir):
    inputs = [str(data_dir / "cloudtrail" / "records.json"), str(data_dir / "identity"),
              str(data_dir / "windows" / "wevtutil_security.xml")]
    out = tmp_path / "cli.json"
    assert main(["analyze", *inputs, "--sigma", "shipped", "-q", "--findings-json", str(out)]) == 0
    cli = json.loads(out.read_text(encoding="utf-8"))

    with qtbot.waitSignal(window.loaded, timeout=60_000):
        window.open_paths(inputs)
    app = json.loads(json.dumps(window.analysis.to_json(), default=str))
    cli_doc, app_doc = _comparable(cli), _comparable(app)
    assert app_doc["update_pack"] == cli_doc["update_pack"] == "pack-parity"
    assert [f["id"] for f in app_doc["findings"]] == [f["id"] for f in cli_doc["findings"]]
    assert app_doc == cli_doc
    titles = {f["title"] for f in app_doc["findings"]}
    assert any("Access key created (pack rule)" in t for t in titles)  # the pack's Sigma rule ran in the app
    assert app_doc["sigma_rules"] and any(r["file"].endswith("key.yml") for r in app_doc["sigma_rules"])
    assert any("GeoIP" not in c["reason"] for c in app_doc["checks"] if c["id"] == "impossible_travel")
    assert any(Path(g["path"]).name == "test-city.mmdb" for g in app_doc["geoip"])  # the pack's database

    # what the analyst sees: the pack's playbook question and the pack's ATT&CK name
    keys = [r for r in range(window.findings_model.rowCount())
            if window.findings_model.finding(r).playbook == "T1098.001"]
    assert keys
    window.select_finding(keys[0])
    assert PACK_QUESTION in window.playbook_pane.toPlainText()
    assert attack.lookup("T1098.001").technique.name == "Additional Cloud Credentials (pack)"


def test_without_the_pack_in_settings_the_app_runs_as_no_update_pack(window, qtbot, tmp_path, active_pack, data_dir):
    from workbench.gui.settings import Settings

    inputs = [str(data_dir / "cloudtrail" / "records.json")]
    out = tmp_path / "cli.json"
    assert main(["analyze", *inputs, "--sigma", "shipped", "--no-update-pack", "-q", "--findings-json", str(out)]) == 0
    window.settings = Settings(use_update_pack=False)
    with qtbot.waitSignal(window.loaded, timeout=60_000):
        window.open_paths(inputs)
    app = json.loads(json.dumps(window.analysis.to_json(), default=str))
    cli = json.loads(out.read_text(encoding="utf-8"))
    assert app["update_pack"] is None and _comparable(app) == _comparable(cli)
