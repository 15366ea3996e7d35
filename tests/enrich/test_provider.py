"""Provider class: the vectorized range lookup agrees with iporigin's own reader, known addresses get their
class, AS classes fill what the ranges miss, non-public addresses are never classified."""

import random

import numpy as np
import pytest

from workbench.enrich.geoip import GeoIP
from workbench.enrich.ipclass import PUBLIC, classify, parse
from workbench.enrich.provider import NOT_OPENLY_LICENSED, AsnClasses, ListError, ProviderLists, RangeList
from workbench.paths import default_provider_lists

RANGES, ASN_CLASSES = default_provider_lists()
needs_ranges = pytest.mark.skipif(not RANGES, reason="the iporigin provider ranges are not installed")


def _classify(lists, ips, asn=None, org=None):
    addrs = parse(ips)
    public = np.array([c == PUBLIC for c in classify(addrs).to_pylist()])
    n = len(ips)
    return lists.classify(addrs, public, asn or [None] * n, org or [None] * n)


@needs_ranges
def test_ranges_agree_with_iporigins_reader():
    import iporigin._data as reference

    data = reference.dataset()
    rng = random.Random(7)
    ips = []
    for _ in range(1500):  # inside, at the ends of, and just past random ranges of both families
        i = rng.randrange(len(data.v4_starts))
        ips += [str(__import__("ipaddress").IPv4Address(v)) for v in
                (data.v4_starts[i], data.v4_ends[i], min(data.v4_ends[i] + 1, 2**32 - 1))]
        j = rng.randrange(len(data.v6_starts))
        ips += [str(__import__("ipaddress").IPv6Address(v)) for v in
                (data.v6_starts[j], data.v6_ends[j], min(data.v6_ends[j] + 1, 2**128 - 1))]
    ips += [f"{rng.randrange(1, 224)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}"
            for _ in range(3000)]
    lists = ProviderLists(RANGES)
    classes, providers = _classify(lists, ips)
    checked = 0
    for ip, cls, provider in zip(ips, classes, providers):
        if classify(parse([ip]))[0].as_py() != PUBLIC:
            assert cls is None
            continue
        ref = reference.dataset().find(*_value(ip))
        if ref is None or ref[0] in NOT_OPENLY_LICENSED:
            assert (cls, provider) == (None, None), ip
        else:
            assert provider == ("Tor exit" if ref[1] == "tor" else ref[0]), ip
            assert cls in ("cloud", "hosting", "vpn", "tor"), ip
            checked += 1
    assert checked > 5000


def _value(ip):
    import ipaddress

    addr = ipaddress.ip_address(ip)
    return int(addr), addr.version


@needs_ranges
def test_known_addresses():
    lists = ProviderLists(RANGES, ASN_CLASSES)
    classes, providers = _classify(lists, ["8.8.8.8", "52.95.110.1", "10.0.0.1", "192.0.2.7", "2001:db8::1",
                                           "100.64.1.1"])
    assert (classes[0], providers[0]) == ("cloud", "Google")
    assert (classes[1], providers[1]) == ("cloud", "Amazon AWS")
    assert list(classes[2:]) == [None] * 4 and list(providers[2:]) == [None] * 4


def test_asn_classes_fill_what_ranges_miss(tmp_path):
    csv = tmp_path / "asn-classes.csv"
    csv.write_text("# built: 2026-11-30\nasn,class,provider\n7922,residential,Comcast\n9009,hosting,M247\n")
    lists = ProviderLists([], [csv])
    classes, providers = _classify(lists, ["73.162.1.1", "89.1.1.1", "90.1.1.1", "91.1.1.1", "10.0.0.1", "92.1.1.1",
                                           "93.1.1.1", "94.1.1.1"],
                                   asn=[7922, 9009, 64500, None, 7922, 64501, 64502, 64503],
                                   org=["Comcast", "M247", "Example Mobile Telecom", None, "Comcast",
                                        "Exxon Mobil Corporation", "Example Data Centers Inc", "Ghostnet Telecom"])
    assert list(classes) == ["residential", "hosting", "mobile", None, None, None, "hosting", None]
    assert list(providers) == ["Comcast", "M247", "Example Mobile Telecom", None, None, None,
                               "Example Data Centers Inc", None]
    assert lists.lists[0].built.date().isoformat() == "2026-11-30" and lists.lists[0].entries == 2


def test_bad_lists_are_reported_not_used(tmp_path):
    bad_class = tmp_path / "a.csv"
    bad_class.write_text("# built: 2026-11-30\nasn,class,provider\n1,datacenter,X\n")
    undated = tmp_path / "b.csv"
    undated.write_text("asn,class,provider\n1,hosting,X\n")
    junk = tmp_path / "r.bin"
    junk.write_bytes(b"NOTIPORIGIN" + b"\0" * 40)
    lists = ProviderLists([junk], [bad_class, undated])
    assert not lists.available and len(lists.errors) == 3
    assert "datacenter" in lists.errors[1] and "built" in lists.errors[2]
    with pytest.raises(ListError):
        RangeList(junk)
    with pytest.raises(ListError):
        AsnClasses(undated)


def test_stale_list_warns(tmp_path):
    csv = tmp_path / "asn-classes.csv"
    csv.write_text("# built: 2024-01-01\nasn,class,provider\n7922,residential,Comcast\n")
    assert ProviderLists([], [csv]).warnings and not ProviderLists([], ASN_CLASSES).warnings


@needs_ranges
def test_enriched_columns_carry_the_class(city_mmdb, asn_mmdb):
    with GeoIP([city_mmdb, asn_mmdb], providers=ProviderLists(RANGES, ASN_CLASSES)) as geo:
        google, london, private = geo.lookup_many(["8.8.8.8", "81.2.69.160", "192.168.1.1"])
    assert (google.provider_class, google.provider) == ("cloud", "Google")
    assert private.provider_class is None and private.country is None
    assert london.asn == 20712 and london.provider_class is None  # an AS no list knows: unknown, not residential
