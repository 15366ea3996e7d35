"""The override order: the analyst's databases in the order given, first answer per part wins; the bundled
default only when none is given, or to fill parts the given ones cannot answer; never with --no-geoip."""

import json
import subprocess
import sys

import pytest

from workbench.enrich.geoip import open_geoip

IP = "81.2.69.160"  # City db: GB London; Country db: FR; default stand-in: DE Berlin; ASN db: AS20712


def _lookup(paths, default, **kw):
    with open_geoip(paths, default=default, **kw) as geo:
        return geo, geo.lookup(IP)


def test_nothing_given_means_the_bundled_default_alone(default_mmdb):
    geo, r = _lookup(None, default_mmdb)
    assert [d.path for d in geo.databases] == [str(default_mmdb)] and geo.databases[0].bundled
    assert (r.country, r.city) == ("DE", "Berlin")


def test_an_empty_list_means_no_database(default_mmdb):
    geo, r = _lookup([], default_mmdb)
    assert geo.databases == [] and not geo.available and not geo.locates
    assert r.ip_class == "public" and r.country is None


def test_a_city_database_given_shuts_the_default_out(city_mmdb, default_mmdb):
    geo, r = _lookup([city_mmdb], default_mmdb)
    assert [d.path for d in geo.databases] == [str(city_mmdb)]
    assert (r.country, r.city) == ("GB", "London")


def test_the_first_database_that_answers_a_part_wins(city_mmdb, country_mmdb, default_mmdb):
    _, r = _lookup([country_mmdb, city_mmdb], default_mmdb)
    assert (r.country, r.city) == ("FR", "London")
    assert r.sources["country"] == str(country_mmdb) and r.sources["city"] == str(city_mmdb)
    _, r = _lookup([city_mmdb, country_mmdb], default_mmdb)
    assert r.country == "GB" and r.sources["country"] == str(city_mmdb)


def test_a_part_one_database_lacks_comes_from_the_next(city_mmdb, country_mmdb, default_mmdb):
    """89.160.20.0/24 is only in the Country database: its country comes from there, after the City one."""
    with open_geoip([city_mmdb, country_mmdb], default=default_mmdb) as geo:
        r = geo.lookup("89.160.20.112")
    assert (r.country, r.city, r.sources) == ("SE", None, {"country": str(country_mmdb)})


def test_the_default_fills_parts_the_given_databases_cannot_answer(asn_mmdb, default_mmdb):
    geo, r = _lookup([asn_mmdb], default_mmdb)
    assert [(d.path, d.bundled) for d in geo.databases] == [(str(asn_mmdb), False), (str(default_mmdb), True)]
    assert (r.asn, r.country, r.city) == (20712, "DE", "Berlin")
    assert r.sources == {"asn": str(asn_mmdb), "country": str(default_mmdb), "city": str(default_mmdb),
                         "location": str(default_mmdb)}


def test_a_country_database_alone_still_gets_cities_from_the_default(country_mmdb, default_mmdb):
    geo, r = _lookup([country_mmdb], default_mmdb)
    assert len(geo.databases) == 2
    assert (r.country, r.city) == ("FR", "Berlin")  # the given database's country wins


def test_no_default_means_only_the_given_ones(asn_mmdb, default_mmdb):
    geo, r = _lookup([asn_mmdb], default_mmdb, use_default=False)
    assert [d.path for d in geo.databases] == [str(asn_mmdb)]
    assert r.asn == 20712 and r.country is None
    assert geo.available and not geo.locates  # an ASN database cannot place anyone: location checks do not run


def test_a_given_database_that_cannot_be_opened_is_not_replaced_by_the_default(tmp_path, default_mmdb, asn_mmdb):
    missing = tmp_path / "GeoLite2-City.mmdb"
    geo, r = _lookup([missing, asn_mmdb], default_mmdb)
    assert [d.path for d in geo.databases] == [str(asn_mmdb)]
    assert geo.errors == [f"{missing}: cannot use this GeoIP database: no such file"]
    assert r.country is None and r.asn == 20712


def test_asn_only_analysis_reports_the_location_checks_could_not_run(tmp_path, asn_mmdb, data_dir):
    from workbench.pipeline import analyze

    analysis = analyze([data_dir / "cloudtrail"], geoip_dbs=[asn_mmdb], default_geoip=False)
    status = {c.id: c for c in analysis.checks}
    assert not status["new_country"].ran and status["new_country"].reason == "no GeoIP database"
    assert 13238 in analysis.table.column("asn").to_pylist()  # the sample's Yandex address
    assert analysis.table.column("country").null_count == analysis.events_total
    assert [d.path for d in analysis.geoip] == [str(asn_mmdb)]


@pytest.mark.parametrize("extra", [[], ["--no-default-geoip"]])
def test_the_cli_passes_the_order_on(asn_mmdb, city_mmdb, extra):
    proc = subprocess.run([sys.executable, "-m", "workbench", "lookup", IP, "--json", "--geoip-db", str(asn_mmdb),
                           "--geoip-db", str(city_mmdb), *extra], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert [d["path"] for d in doc["databases"]] == [str(asn_mmdb), str(city_mmdb)]
    (r,) = doc["results"]
    assert r["country"] == "GB" and r["asn"] == 20712


def test_no_geoip_wins_over_geoip_db(city_mmdb):
    proc = subprocess.run([sys.executable, "-m", "workbench", "lookup", IP, "--json", "--no-geoip",
                           "--geoip-db", str(city_mmdb)], capture_output=True, text=True)
    doc = json.loads(proc.stdout)
    assert doc["databases"] == [] and doc["results"][0]["country"] is None
