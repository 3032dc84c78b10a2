"""The app pauses Python's cyclic garbage collector for a job and leaves it as it found it;
the jobs that run long (a stream) collect again."""

from __future__ import annotations

import gc
import sys

import pytest

from convcli.cli.app import main
from convcli.cli.jobs import signal as signal_job
from convcli.io.csv import stream as csv_stream

CSV = "t,x\n" + "".join(f"{i},{i % 7}\n" for i in range(50))


def _run(args, monkeypatch) -> int:
    monkeypatch.setattr(sys, "argv", ["convcli", *args])
    with pytest.raises(SystemExit) as ended:
        main()
    return ended.value.code or 0


def _recording(monkeypatch, module, name, seen):
    original = getattr(module, name)

    def recorded(*args, **kwargs):
        seen.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, recorded)


@pytest.mark.parametrize("enabled", [True, False])
def test_a_batch_job_runs_paused_and_the_state_comes_back(tmp_path, monkeypatch, enabled):
    source = tmp_path / "in.csv"
    source.write_text(CSV)
    seen: list[bool] = []
    _recording(monkeypatch, signal_job, "apply", seen)
    (gc.enable if enabled else gc.disable)()
    try:
        code = _run(["smooth", str(source), "-o", str(tmp_path / "out.csv"), "-q"],
                    monkeypatch)
        after = gc.isenabled()
    finally:
        gc.enable()
    assert code == 0 and seen == [False]
    assert after is enabled


def test_a_stream_collects_while_it_runs(tmp_path, monkeypatch):
    source = tmp_path / "in.csv"
    source.write_text(CSV)
    seen: list[bool] = []
    _recording(monkeypatch, csv_stream.StreamTable, "feed", seen)
    code = _run(["smooth", str(source), "--stream", "-o", str(tmp_path / "out.csv"), "-q"],
                monkeypatch)
    assert code == 0 and seen and all(seen)
    assert gc.isenabled()


def test_the_console_entry_pauses_it_before_the_app_loads(monkeypatch):
    import convcli.cli
    import convcli.cli.app

    seen: list[bool] = []
    monkeypatch.setattr(convcli.cli.app, "entry", lambda: seen.append(gc.isenabled()))
    try:
        convcli.cli.entry()
    finally:
        gc.enable()
    assert seen == [False]
