"""The report's cross-source parts on the multi-source identity case (tests/data/identity/): what the data
could not answer, people across sources, credential lineage; log-derived text printed literally."""

import json
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from workbench.pipeline import analyze
from workbench.report.pdf import write_report

CASE = Path(__file__).resolve().parents[1] / "data" / "identity"
PAYLOAD = '<font size="30" color="red">x</font>&amp;<b>bob</b>'


@pytest.fixture(scope="module")
def report_text(city_db, tmp_path_factory):
    case = tmp_path_factory.mktemp("case") / "identity"
    shutil.copytree(CASE, case)
    signins = case / "entra_signins.json"
    doc = json.loads(signins.read_text())
    bob = next(r for r in doc["value"] if r["userPrincipalName"] == "bob@contoso.com")
    doc["value"].append({**bob, "id": "5a1b2c3d-9999-4000-9000-000000000999", "userPrincipalName": PAYLOAD})
    signins.write_text(json.dumps(doc))
    analysis = analyze([case], geoip_dbs=[city_db])
    out = write_report(analysis, tmp_path_factory.mktemp("out") / "report.pdf")
    pages = [p.extract_text() for p in PdfReader(out).pages]
    return analysis, pages


def _section(pages, start, end):
    text = "\n".join(pages)
    body = text[text.index(start, text.index("Findings")):]
    return " ".join(body[:body.index(end)].split())


def test_scope_states_the_cloudtrail_gap(report_text):
    analysis, pages = report_text
    _, _, coverage = analysis.cross_source()
    (gap,) = [g for g in coverage.gaps if g.source == "cloudtrail"]
    text = " ".join("\n".join(pages).split())
    scope = text[text.index("What the data could not answer"):]
    assert "Gaps in time per source" in scope
    assert f"{gap.start:%Y-%m-%d %H:%M} {gap.end:%Y-%m-%d %H:%M} {gap.hours:.1f} h" in scope


def test_alices_four_names_are_together_in_people(report_text):
    _, pages = report_text
    people = _section(pages, "People across sources", "Credential lineage")
    alice = people[people.index("alice@contoso.com"):]
    alice = alice[:alice.index("Findings")]
    for name in ("alice@contoso.com (entra_signin)", "alice@contoso.com (entra_audit)",
                 "AWSReservedSSO_AdministratorAccess_5f1e2d3c4b5a6978/alice@contoso.com (cloudtrail)",
                 "alice@contoso.com (workspace)"):
        assert name in alice.replace("- ", "-").replace(" /", "/").replace("_ ", "_"), name


def test_key_used_from_new_ip_is_listed_first_with_new_ip(report_text):
    _, pages = report_text
    lineage = _section(pages, "Credential lineage", "Playbook steps")
    first = lineage.index("AKIAIOSFODNN7NEWKEY1")
    assert "new IP 185.220.101.34" in lineage
    assert "used from a new IP" in lineage[first - 60:first + 60]
    assert lineage.index("used from a new IP") < lineage.index("Used")


def test_markup_in_a_user_name_prints_literally(report_text):
    _, pages = report_text
    text = " ".join("\n".join(pages).split())
    assert PAYLOAD.replace(" ", "") in text.replace(" ", "")
