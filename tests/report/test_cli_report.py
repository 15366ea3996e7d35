"""`workbench analyze --report` with a case folder and the cover options: the analyst's triage, recorded in
the case file, is in the PDF."""

from __future__ import annotations

from report_samples import CYRILLIC_USER, EVIL_USER, flat, outline, pages_of
from workbench.__main__ import main
from workbench.case.folder import Case
from workbench.pipeline import analyze


def test_case_triage_reaches_the_report(evidence, city_db, tmp_path, capsys):
    result = analyze(evidence, geoip_dbs=[city_db], year=2024)
    evil = next(f for f in result.findings if EVIL_USER in f.users)
    creds = next(f for f in result.findings if CYRILLIC_USER in f.users and f.check == "new_credentials")
    book = result.playbook_for(evil)
    folder = tmp_path / "case"
    with Case.create(folder, evidence, analyst="Ана Analyst", title="Acme breach") as case:
        case.set_state(evil.id, "escalated")
        case.set_answer(evil.id, book.questions[0], "yes", "<i>seen</i> from RU & nowhere else")
        case.set_criterion(evil.id, book.escalation[1], "met", "root-equivalent console user")
        case.set_decision(evil.id, "escalate", "Hands-on-keyboard login after guessing")
        case.set_check(evil.id, "containment", book.containment[0], True)
        case.set_state(creds.id, "false positive")
        case.set_note("", "Case note: customer informed at 10:00")
        case.add_bookmark(evil.evidence[-1].file, evil.evidence[-1].ref, "cloudtrail", evil.id, "the success")
    out = tmp_path / "out" / "r.pdf"
    out.parent.mkdir()
    code = main(["analyze", *map(str, evidence), "--geoip-db", str(city_db), "--no-default-geoip", "--year", "2024",
                 "--report", str(out), "--case", str(folder), "--case-id", "IR-7", "--organisation", "Acme GmbH",
                 "--classification", "TLP:RED", "-q"])
    assert code == 3  # auth.log has a bad line; the report is still written
    pages = pages_of(out)
    text = flat("\n".join(pages))
    cover = flat(pages[0])
    for fact in ("Case id IR-7", "Organisation Acme GmbH", "Classification TLP:RED", "Analyst Ана Analyst",
                 "Acme breach"):
        assert fact in cover
    assert f"{evil.severity.upper()} {evil.title} Escalated · Credential Access · brute_force_success ·" in text
    assert "<i>seen</i> from RU & nowhere else" in text
    assert "root-equivalent console user" in text
    assert "Triage: the analyst decided to escalate (Ана Analyst" in text
    assert "Hands-on-keyboard login after guessing" in text
    assert f"☑ {flat(book.containment[0])} (done: Ана Analyst" in text
    assert "Case note: customer informed at 10:00" in text
    assert "the success" in text
    entries = outline(out)
    fp = next(t for t in entries if t.endswith(creds.title))
    assert entries[fp] >= entries["False positives"] > entries["Appendix"] > entries["Incidents"]
    assert pages[1].count("TLP:RED") >= 2 and "IR-7" in pages[1]


def test_a_folder_that_is_no_case_is_a_usage_error(evidence, tmp_path, capsys):
    out = tmp_path / "r.pdf"
    code = main(["analyze", str(evidence[0]), "--no-geoip", "--report", str(out), "--case", str(tmp_path / "nope")])
    assert code == 2
    assert "not a case folder" in capsys.readouterr().err
    assert not out.exists()
