import shutil

import yaml
from identity_samples import OUT as CASE

from workbench.people.identity import LinkDecision
from workbench.pipeline import analyze


def _of(analysis, check):
    return [f for f in analysis.findings if f.check == check]


ALICE_ENTRA = "entra_signin||alice@contoso.com"
CONFIRM_ALICE = [LinkDecision(ALICE_ENTRA, f"authlog|web-0{i}|alice", "confirm") for i in (1, 2, 3)]


def test_new_country_sign_in_then_ssh_to_three_hosts(analysis, city_db):
    # Entra alice@contoso.com and Linux alice are only suggested to be one person: a low note, not a finding
    (note,) = _of(analysis, "cross_new_country_then_hosts")
    assert note.severity == "low" and note.facts["linked_by"] == "suggestion"
    assert note.title.startswith("Note (unconfirmed link)") and "confirm the link" in note.explanation
    confirmed = analyze([CASE], geoip_dbs=[city_db], identity_links=CONFIRM_ALICE)
    (f,) = _of(confirmed, "cross_new_country_then_hosts")
    assert f.severity == "high" and f.hosts == ("web-01", "web-02", "web-03")
    assert f.techniques == ("T1078", "T1021", "T1021.004") and f.playbook == "T1078"  # the first technique with a playbook
    assert [e.source for e in f.evidence] == ["entra_signin", "authlog", "authlog", "authlog"]
    assert f.users == ("alice@contoso.com", "alice")
    assert f.explanation.startswith("alice@contoso.com signed in from RU for the first time at 2024-03-11 09:00:00 UTC")
    assert f.facts["linked_by"] == "identity"


def test_failed_entra_sign_ins_then_aws_console_login_of_the_sso_session(analysis):
    (f,) = _of(analysis, "cross_failed_signins_then_aws_console")
    assert f.severity == "high" and f.facts["failures"] == 8 and f.facts["same_ip"] is True
    assert f.users == ("bob@contoso.com", "AWSReservedSSO_AdministratorAccess_5f1e2d3c4b5a6978/bob@contoso.com")
    assert [e.source for e in f.evidence] == ["entra_signin"] * 8 + ["cloudtrail"]
    assert "8 failed Entra ID sign-ins for bob@contoso.com from 1 IP (185.220.101.34) in the 25 min" in f.explanation


def test_threshold_from_config(tmp_path, city_db):
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"cross_failed_signins_then_aws_console": {"min_failures": 9},
                                      "cross_new_country_then_hosts": {"min_hosts": 4}}))
    analysis = analyze([CASE], geoip_dbs=[city_db], config_files=[config])
    assert not _of(analysis, "cross_failed_signins_then_aws_console")
    assert not _of(analysis, "cross_new_country_then_hosts")


def _ssh_from_elsewhere(tmp_path):
    """The case with the SSH logons from another RU address than the sign-in's."""
    folder = tmp_path / "case"
    shutil.copytree(CASE, folder)
    log = folder / "auth.log"
    log.write_text(log.read_text().replace("from 45.155.205.99", "from 62.76.41.7"))
    return folder


def test_linked_only_by_suggestion_is_a_note_until_the_analyst_confirms(tmp_path, city_db):
    folder = _ssh_from_elsewhere(tmp_path)
    (f,) = _of(analyze([folder], geoip_dbs=[city_db]), "cross_new_country_then_hosts")
    assert f.severity == "low" and f.facts["linked_by"] == "suggestion"
    assert "confirm the link" in f.explanation
    (f,) = _of(analyze([folder], geoip_dbs=[city_db], identity_links=CONFIRM_ALICE), "cross_new_country_then_hosts")
    assert f.severity == "high" and f.facts["linked_by"] == "identity"
    reject = [LinkDecision(ALICE_ENTRA, f"authlog|web-0{i}|alice", "reject") for i in (1, 2, 3)]
    analysis = analyze([folder], geoip_dbs=[city_db], identity_links=[d.to_dict() for d in reject])
    assert not _of(analysis, "cross_new_country_then_hosts")


def test_routine_logons_of_a_suggested_name_raise_nothing(tmp_path, city_db):
    """The Linux alice logged on to web-01..03 the day before: the same logons after the RU sign-in are her
    routine, and the names are only suggested to be one person: no finding, not even a note."""
    folder = _ssh_from_elsewhere(tmp_path)
    log = folder / "auth.log"
    lines = log.read_text().splitlines(keepends=True)
    ssh = [ln for ln in lines if "Accepted" in ln and " alice from 62.76.41.7" in ln]
    assert len(ssh) >= 3
    earlier = [ln.replace("2024-03-11T", "2024-03-10T").replace("62.76.41.7", "81.2.69.20") for ln in ssh]
    log.write_text("".join(sorted(lines + earlier, key=lambda ln: ln[:25])))
    assert not _of(analyze([folder], geoip_dbs=[city_db]), "cross_new_country_then_hosts")
    (f,) = _of(analyze([folder], geoip_dbs=[city_db], identity_links=CONFIRM_ALICE), "cross_new_country_then_hosts")
    assert f.severity == "high"  # confirmed: the person's own logons right after a new-country sign-in count
