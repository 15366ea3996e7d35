from workbench.gui.app import selftest


def test_selftest(qtbot, capsys):
    assert selftest() == 0
    out = capsys.readouterr().out
    assert "selftest: passed" in out and "FAILED" not in out


def test_selftest_names_the_failed_step(qtbot, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr("workbench.gui.app.demo_dir", lambda: tmp_path / "missing")
    assert selftest() == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].startswith("selftest: FAILED analyze the demo case") and "no demo case" in lines[-1]
