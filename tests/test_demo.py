"""The bundled demo case: reproducible from the generator, and every injected incident is found."""

import json
from pathlib import Path

import pytest

from workbench.paths import demo_dir, resources_dir
from workbench.pipeline import analyze
from workbench.synth import generate_case, write_indicators

LABELS = json.loads((resources_dir() / "demo-labels.json").read_text())


def test_demo_files_are_what_the_generator_makes(tmp_path):
    generate_case(tmp_path, seed=LABELS["seed"], start=LABELS["start"], days=LABELS["days"], scale=LABELS["scale"])
    for name in ("cloudtrail.json", "auth.log", "entra_signins.json"):
        assert (tmp_path / name).read_bytes() == (demo_dir() / name).read_bytes(), name
    assert json.loads((tmp_path / "labels.json").read_text()) == LABELS
    ioc = write_indicators(LABELS, tmp_path / "ioc.csv")
    assert ioc.read_bytes() == (resources_dir() / "demo-indicators.csv").read_bytes()


@pytest.fixture(scope="module")
def demo(city_db):
    return analyze([demo_dir()], geoip_dbs=[city_db], indicator_files=[resources_dir() / "demo-indicators.csv"])


def test_demo_loads_cleanly(demo):
    assert [(Path(i.path).name, i.format, i.complete) for i in demo.inputs] == [
        ("auth.log", "authlog", True), ("cloudtrail.json", "cloudtrail", True),
        ("entra_signins.json", "entra_signin", True)]
    assert demo.events_total == sum(f.get("records", f.get("lines", 0)) for f in LABELS["files"].values())


@pytest.mark.parametrize("incident", LABELS["incidents"], ids=lambda i: i["id"])
def test_every_injected_incident_is_one_finding_with_its_evidence(demo, incident):
    matching = [f for f in demo.findings if f.check == incident["check"] and set(incident["users"]) & set(f.users)]
    assert len(matching) == 1, [f.title for f in demo.findings]
    cited = {e.ref for e in matching[0].evidence if Path(e.file).name == incident["file"]}
    assert {str(r) for r in incident["refs"]} <= cited


def test_every_finding_is_about_an_incident_or_an_expected_benign_event(demo):
    injected = {str(r) for label in LABELS["incidents"] + LABELS["benign_expected"] for r in label["refs"]}
    for finding in demo.findings:
        assert {e.ref for e in finding.evidence} & injected, finding.title


def test_the_demo_chain_is_one_incident_and_its_report_fits_25_pages(demo, tmp_path):
    from pypdf import PdfReader

    from workbench.report import write_report

    chain = [f for f in demo.findings if "j.smith" in f.users
             and f.check in ("brute_force_success", "new_credentials", "privilege_change")]
    assert len(chain) == 3
    (story,) = {i.id for i in demo.incidents for f in chain if f.id in i.findings}
    assert sorted(fid for i in demo.incidents for fid in i.findings) == sorted(f.id for f in demo.findings)
    surge = next(f for f in demo.findings if f.check == "access_surge")
    out = write_report(demo, tmp_path / "demo.pdf", case={"triage": {surge.id: {"state": "confirmed"}}})
    pages = [p.extract_text() for p in PdfReader(out).pages]
    assert len(pages) <= 25
    summary = " ".join(" ".join(pages[:2]).split())
    high = [n for n, i in enumerate(demo.incidents, 1) if i.severity in ("high", "critical")]
    assert len(high) >= 3
    for n in high:  # every high or critical incident on pages 1-2, the confirmed one and the others alike
        assert f"Incident {n} · " in summary
    assert "NOT TRIAGED" in summary and "confirmed by the analyst" in summary
    assert summary.index(f"Incident {high[-1]} · ") < summary.index("Escalation")
    # containment: every step of every playbook of the incidents confirmed or likely, none of the others'
    text = " ".join(" ".join(pages).split())
    acting = [i for i in demo.incidents if i.confidence == "high" or surge.id in i.findings]
    assert acting
    by_id = {f.id: f for f in demo.findings}
    wanted = {step for i in acting for fid in i.findings if (book := demo.playbook_for(by_id[fid]))
              for step in book.containment}
    for step in wanted:
        assert f"☐ {' '.join(step.split())}" in text, step
    spray = next(f for f in demo.findings if f.check == "password_spray")
    (lone,) = [i for i in demo.incidents if spray.id in i.findings]
    assert lone.confidence == "low" and len(lone.findings) == 1
    for step in demo.playbook_for(spray).containment:
        if step not in wanted:
            assert " ".join(step.split()) not in text, step
