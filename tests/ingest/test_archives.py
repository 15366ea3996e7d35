import gzip
import json
import zipfile

from workbench.ingest import load
from workbench.events import raw_record


def _zip(path, members):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_zip_members_load_by_content_and_the_archive_is_untouched(data_dir, tmp_path):
    trail = (data_dir / "cloudtrail" / "records.json").read_bytes()
    archive = _zip(tmp_path / "export.zip", {
        "AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/04/a.json.gz": gzip.compress(trail),
        "var/log/auth.log": (data_dir / "authlog" / "secure_rfc3339.log").read_bytes(),
        "../../outside.log": (data_dir / "authlog" / "secure_rfc3339.log").read_bytes(),  # never extracted
        "notes/readme.txt": b"collected by the IR team\n",
    })
    before = sorted(p.name for p in tmp_path.iterdir())
    result = load([tmp_path])
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written beside the evidence
    by_name = {i.path.split("!", 1)[1]: i for i in result.inputs}
    assert by_name["AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/04/a.json.gz"].format == "cloudtrail"
    assert by_name["var/log/auth.log"].events == 3 and by_name["../../outside.log"].events == 3
    assert by_name["notes/readme.txt"].rejected
    assert all(i.path.startswith(f"{archive}!") for i in result.inputs)
    # the SHA-256 of a member is that of its own (compressed-as-given) bytes
    import hashlib

    assert by_name["var/log/auth.log"].sha256 == hashlib.sha256(
        (data_dir / "authlog" / "secure_rfc3339.log").read_bytes()).hexdigest()
    # an original record is read back out of the archive
    row = result.table.column("ref").to_pylist().index("3fcfb1a4-6f0e-4b39-9d6e-2f4ad2c1a004")
    assert json.loads(raw_record(result.table, row))["eventName"] == "CreateAccessKey"


def test_a_zip_bomb_member_is_refused_and_the_rest_loads(data_dir, tmp_path):
    _zip(tmp_path / "bomb.zip", {
        "big.log": b"\0" * (64 * 1024 * 1024),
        "auth.log": (data_dir / "authlog" / "secure_rfc3339.log").read_bytes(),
    })
    result = load([tmp_path / "bomb.zip"])
    bomb = next(i for i in result.inputs if i.path.endswith("big.log"))
    auth = next(i for i in result.inputs if i.path.endswith("auth.log"))
    assert bomb.rejected and "zip bomb" in bomb.errors[0]
    assert auth.events == 3


def test_a_corrupt_zip_is_one_clear_error(tmp_path):
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    (info,) = load([tmp_path / "broken.zip"]).inputs
    assert info.rejected and info.errors == ("a damaged zip archive: its list of members cannot be read",)
