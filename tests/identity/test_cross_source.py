import shutil

import yaml
from identity_samples import OUT as CASE

from workbench.identity import LinkDecision
from workbench.pipeline import analyze


def _of(analysis, check):
    return [f for f in analysis.findings if f.check == check]


def test_new_country_sign_in_then_ssh_to_three_hosts(analysis):
    (f,) = _of(analysis, "cross_new_country_then_hosts")
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


def test_linked_only_by_suggestion_is_medium_until_the_analyst_confirms(tmp_path, city_db):
    folder = _ssh_from_elsewhere(tmp_path)
    (f,) = _of(analyze([folder], geoip_dbs=[city_db]), "cross_new_country_then_hosts")
    assert f.severity == "medium" and f.facts["linked_by"] == "suggestion"
    assert "confirm the link" in f.explanation
    entra = "entra_signin||alice@contoso.com"
    confirm = [LinkDecision(entra, f"authlog|web-0{i}|alice", "confirm") for i in (1, 2, 3)]
    (f,) = _of(analyze([folder], geoip_dbs=[city_db], identity_links=confirm), "cross_new_country_then_hosts")
    assert f.severity == "high" and f.facts["linked_by"] == "identity"
    reject = [LinkDecision(entra, f"authlog|web-0{i}|alice", "reject") for i in (1, 2, 3)]
    analysis = analyze([folder], geoip_dbs=[city_db], identity_links=[d.to_dict() for d in reject])
    assert not _of(analysis, "cross_new_country_then_hosts")
