from workbench.ingest import cloudtrail, load


def test_progress_moves_within_a_large_file(data_dir, tmp_path, monkeypatch):
    import json

    records = json.loads((data_dir / "cloudtrail" / "records.json").read_text())["Records"] * 50
    path = tmp_path / "trail.jsonl"
    path.write_text("\n".join(json.dumps(dict(r, eventID=f"e{i}")) for i, r in enumerate(records)) + "\n")
    monkeypatch.setattr(cloudtrail, "CHUNK", 20_000)
    seen = []
    load([path], progress=lambda done, total, message: seen.append((done, total)))
    size = path.stat().st_size
    inside = [d for d, t in seen if 0 < d < size]
    assert len(inside) >= 5 and inside == sorted(inside)  # several steps inside the one file, forward only
    assert seen[-1] == (size, size)
