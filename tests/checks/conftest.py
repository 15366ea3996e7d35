"""An ASN database (GeoLite2-ASN record shape) for the first-seen network checks."""

from pathlib import Path

import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

# network → (AS number, organisation): two US access networks, one UK, and a hosting provider
ASNS = {"73.162.0.0/16": (7922, "COMCAST-7922"), "24.5.0.0/16": (7922, "COMCAST-7922"),
        "81.2.69.0/24": (20712, "Andrews & Arnold Ltd"), "73.93.0.0/16": (701, "UUNET"),
        "45.155.205.0/24": (49505, "Selectel"), "185.220.101.0/24": (208294, "CIA TRIAD SECURITY LLC")}


@pytest.fixture(scope="session")
def asn_db(tmp_path_factory) -> Path:
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-ASN", languages=["en"],
                        description="workbench check tests")
    for network, (number, org) in ASNS.items():
        writer.insert_network(IPSet([network]), {"autonomous_system_number": number,
                                                 "autonomous_system_organization": org})
    path = tmp_path_factory.mktemp("asn") / "GeoLite2-ASN.mmdb"
    writer.to_db_file(str(path))
    return path


@pytest.fixture(scope="session")
def org_geo(tmp_path_factory) -> list[Path]:
    """City (with accuracy radius) and ASN databases of the evaluation organisation's real networks
    (``workbench.synth.org.network``): mobile carriers, Zscaler egress, hosting, broadband."""
    from workbench.synth.org.network import write_geoip

    return write_geoip(tmp_path_factory.mktemp("org-geo"))
