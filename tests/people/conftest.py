"""The multi-source identity case (tests/data/identity/, written by identity_samples.py), analyzed once."""

from pathlib import Path

import pytest

from workbench.pipeline import analyze

CASE = Path(__file__).resolve().parents[1] / "data" / "identity"


@pytest.fixture(scope="module")
def analysis(city_db):
    return analyze([CASE], geoip_dbs=[city_db])


@pytest.fixture(scope="module")
def alice_keys():
    return {
        "entra": "entra_signin||alice@contoso.com",
        "audit": "entra_audit||alice@contoso.com",
        "aws": "cloudtrail||AWSReservedSSO_AdministratorAccess_5f1e2d3c4b5a6978/alice@contoso.com",
        "google": "workspace||alice@contoso.com",
        "bastion": "authlog|bastion-01|alice",
        "web": ["authlog|web-01|alice", "authlog|web-02|alice", "authlog|web-03|alice"],
    }
