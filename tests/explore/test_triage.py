"""Triage: each playbook question gets the evidence that bears on it, each escalation criterion is met / not met /
unknown from the evidence, honestly unknown where the logs cannot say."""

from dataclasses import replace

import pytest

from workbench.paths import demo_dir
from workbench.pipeline import analyze
from workbench.explore.triage import MET, NOT_MET, UNKNOWN, assess, clauses, probes_for


@pytest.fixture(scope="module")
def demo(city_db):
    return analyze([demo_dir()], geoip_dbs=[city_db])


def _one(analysis, check, user):
    (found,) = [f for f in analysis.findings if f.check == check and user in f.users]
    return found


def test_expected_ip_question_shows_the_accounts_usual_places_beside_this_one(demo):
    view = assess(demo, _one(demo, "brute_force_success", "j.smith"))
    assert view.playbook == "T1110.001"
    question = next(q for q in view.questions if "new for this account" in q.question)
    (origin,) = [f for f in question.facts if f.probe == "origin"]
    assert origin.verdict == "suspicious" and "country new for the account: RU" in origin.summary
    assert "usual: US ×178" in origin.summary and "before 2024-03-18 03:41 UTC" in origin.summary
    usual = next(d for d in origin.details if d.startswith("usual:"))
    assert "countries" in usual and "RU" not in usual.split(";")[0]  # RU is not among the usual countries
    this = next(d for d in origin.details if d.startswith("this:"))
    assert "45.155.205.99" in this and "RU" in this


def test_brute_force_criteria(demo):
    view = assess(demo, _one(demo, "brute_force_success", "j.smith"))
    status = {c.criterion.split()[1]: c.status for c in view.criteria}
    assert status["success"] == MET  # "A success follows the failures from an IP the account has not used before."
    assert status["session"] == MET  # new credentials and privilege changes in the hour after
    assert status["user"] == UNKNOWN  # "The user cannot confirm ...": not in any log
    assert view.suggestion == "escalate" and "criteria met" in view.suggestion_reason
    after = next(q for q in view.questions if q.question.startswith("What did the account do"))
    (fact,) = [f for f in after.facts if f.probe == "after"]
    assert "credential.create 2" in fact.summary and "privilege.change 1" in fact.summary
    assert not [f for f in after.facts if f.probe == "hours"]  # "in the hour after" is not about usual hours
    mfa = next(q for q in view.questions if "MFA" in q.question)
    assert mfa.answer == "outside the logs"  # nothing in these logs says whether MFA was satisfied


def test_spray_criteria_and_conjunctions(demo):
    view = assess(demo, _one(demo, "password_spray", "admin"))
    by_start = {c.criterion[:20]: c for c in view.criteria}
    assert by_start["Any login from a spr"].status == NOT_MET
    # "Privileged ... accounts were among the targets and the protocol used does not enforce MFA": the
    # accounts are there, whether the protocol enforces MFA the logs cannot say → unknown, not met
    assert by_start["Privileged, executiv"].status == UNKNOWN
    assert by_start["Lockouts from the sp"].status == UNKNOWN
    assert view.suggestion == "undecided"
    tried = next(q for q in view.questions if q.question.startswith("How many distinct accounts"))
    assert any(f.probe == "targets" and "20 accounts tried from 103.152.220.10" in f.summary for f in tried.facts)


def test_credential_criteria_outside_the_logs_are_unknown(demo):
    view = assess(demo, _one(demo, "new_credentials", "svc-backup"))
    unauthorized = next(c for c in view.criteria if c.criterion.startswith("Unauthorized"))
    assert unauthorized.status == UNKNOWN
    habit = next(c for c in view.criteria if "typically do not perform" in c.criterion)
    assert habit.status == MET and "first time the account does this" in habit.why


def test_without_audit_logs_or_geography_the_answer_is_unknown(tmp_path):
    analysis = analyze([demo_dir() / "auth.log"], geoip_dbs=[])
    finding = next(f for f in analysis.findings if f.check == "brute_force_success")
    view = assess(analysis, finding)
    after = next(q for q in view.questions if q.question.startswith("What did the account do"))
    changes = next(f for f in after.facts if f.probe == "changes")
    assert changes.verdict == UNKNOWN and "no audit log" in changes.summary
    (after_fact,) = [f for f in after.facts if f.probe == "after"]
    assert after_fact.verdict == "suspicious" and "privilege.use 1" in after_fact.summary  # sudo right after
    origin = next(f for q in view.questions for f in q.facts if f.probe == "origin")
    assert origin.verdict == UNKNOWN and "cannot be located" in origin.summary  # no GeoIP: new IP, place unknown
    assert "usual: countries none; IPs 10.0.4.12" in origin.details[0]


def test_no_playbook_means_undecided(demo):
    finding = replace(demo.findings[0], techniques=("T1499",), playbook=None)
    view = assess(demo, finding)
    assert (view.questions, view.criteria, view.suggestion) == ((), (), "undecided")


def test_clauses_and_rules():
    assert clauses("Escalate if the authentication is from an unknown IP address or geolocation, occurs during "
                   "unusual hours, or there are multiple failed login attempts followed by a successful one.") == [
        "the authentication is from an unknown IP address or geolocation", "occurs during unusual hours",
        "there are multiple failed login attempts followed by a successful one"]
    assert clauses("Privileged, executive or service accounts were among the targets.") == [
        "Privileged, executive or service accounts were among the targets"]
    assert probes_for("Is there any recent evidence of phishing attempts targeting the user?") == [""]
    assert probes_for("Was the access at a time that aligns with the user's normal activity hours?") == ["hours"]
    assert probes_for("What did the account do in the hour after the success?") == ["after"]
    assert probes_for("Something no rule knows") == []


def test_findings_json_carries_each_findings_computed_answers_and_criteria(demo):
    doc = demo.to_json()
    by_id = {f["id"]: f for f in doc["findings"]}
    creds = next(f for f in demo.findings if f.check == "new_credentials" and "j.smith" in f.users)
    rows = by_id[creds.id]["triage"]
    assert {r["kind"] for r in rows} == {"question", "criterion"}
    assert all(r["answer"] in ("suspicious", "normal", "unknown", "outside the logs") and r["basis"] for r in rows)
    when = next(r for r in rows if r["kind"] == "question" and "business hours" in r["question"])
    # the attacker's own RU events minutes earlier (other findings' evidence) do not make 03:58 from RU usual
    assert when["answer"] == "suspicious" and "RU" in when["basis"] and "at an unusual hour (03–04h UTC)" in when["basis"]
    assert set(when["probes"]) == {"hours", "origin"}
    unauthorized = next(r for r in rows if r["kind"] == "criterion" and r["question"].startswith("Unauthorized"))
    assert unauthorized["answer"] == "outside the logs" and unauthorized["status"] == "unknown"
    assert all("triage" in f for f in doc["findings"])
    assert "triage" not in {k for f in demo.to_json(triage=False)["findings"] for k in f}


def test_a_table_without_some_columns_is_triaged_with_those_answers_unknown(demo):
    from dataclasses import replace as copy

    from workbench.explore.triage import assess_all

    thin = copy(demo, table=demo.table.drop_columns(["bytes", "session_id", "target_user", "asn"]))
    views = assess_all(thin)
    assert set(views) == {f.id for f in demo.findings}
    surge = next(f for f in demo.findings if f.check == "access_surge")
    data = next(q for q in views[surge.id].questions if "exfiltration" in q.question)
    assert data.answer == "suspicious"  # the access surge finding still speaks for itself
