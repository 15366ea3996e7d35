"""Non-public ranges are labelled, IPv4 and IPv6 alike; strings that are not addresses get no class."""

import pytest

from workbench.enrich.ipclass import classify, ip_class, parse


@pytest.mark.parametrize("ip,label", [
    ("8.8.8.8", "public"), ("81.2.69.160", "public"), ("2a02:6b8::1", "public"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("172.31.255.255", "private"), ("192.168.1.1", "private"),
    ("172.32.0.1", "public"), ("fc00::1", "private"), ("fd12:3456::1", "private"),
    ("127.0.0.1", "loopback"), ("127.255.255.254", "loopback"), ("::1", "loopback"),
    ("169.254.10.10", "link-local"), ("fe80::1", "link-local"), ("fe80::1%eth0", "link-local"),
    ("100.64.0.1", "cgnat"), ("100.127.255.255", "cgnat"), ("100.128.0.1", "public"), ("100.63.255.255", "public"),
    ("192.0.2.1", "documentation"), ("198.51.100.7", "documentation"), ("203.0.113.250", "documentation"),
    ("2001:db8::1", "documentation"), ("2001:db8:ffff::1", "documentation"),
    ("224.0.0.251", "multicast"), ("ff02::fb", "multicast"),
    ("0.0.0.0", "reserved"), ("255.255.255.255", "reserved"), ("240.0.0.1", "reserved"), ("::", "reserved"),
    ("198.18.0.1", "reserved"),
    # IPv4-mapped IPv6 is the IPv4 address it carries
    ("::ffff:10.0.0.1", "private"), ("::ffff:100.64.1.1", "cgnat"), ("::ffff:192.0.2.9", "documentation"),
    ("::ffff:81.2.69.160", "public"), ("::ffff:127.0.0.1", "loopback"),
    # 6to4 and Teredo are left alone: public IPv6, not unwrapped
    ("2002:c000:0201::1", "public"), ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "public"),
])
def test_labels(ip, label):
    assert ip_class(ip) == label


@pytest.mark.parametrize("text", ["", "bogus", "1.2.3", "256.1.1.1", "01.2.3.4", "1.2.3.4 ", "1.2.3.4:443",
                                  ":::", "2001:db8::1::2", "example.com"])
def test_not_an_address(text):
    assert ip_class(text) is None


def test_vectorized_classes_match_one_at_a_time_and_keep_nulls():
    ips = ["8.8.8.8", None, "10.0.0.1", "fe80::2", "junk", "::ffff:8.8.4.4", "2a00:1450::1"]
    labels = classify(parse(ips)).to_pylist()
    assert labels == [None if ip is None else ip_class(ip) for ip in ips]
    assert labels[1] is None and labels[4] is None


def test_mapped_addresses_become_ipv4():
    addrs = parse(["::ffff:81.2.69.160", "81.2.69.160"])
    assert list(addrs.version) == [4, 4] and addrs.lo[0] == addrs.lo[1]
    assert str(addrs.ip(0)) == "81.2.69.160"
