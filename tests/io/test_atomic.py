import os
import stat

import pytest

from convcli.errors import OutputError
from convcli.io.atomic import STALE_SECONDS, atomic_output, check_not_input, temp_path


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_writes_the_file_and_leaves_no_temp(tmp_path):
    dest = tmp_path / "out.bin"
    with atomic_output(dest) as out:
        out.write(b"hello")
    assert dest.read_bytes() == b"hello"
    assert leftovers(tmp_path) == []


def test_a_failing_writer_leaves_no_partial_file(tmp_path):
    dest = tmp_path / "out.bin"
    with pytest.raises(RuntimeError), atomic_output(dest) as out:
        out.write(b"partial")
        raise RuntimeError("boom")
    assert not dest.exists()
    assert leftovers(tmp_path) == []


def test_a_failing_writer_keeps_the_old_file(tmp_path):
    dest = tmp_path / "out.bin"
    dest.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(dest) as out:
        out.write(b"new but partial")
        raise RuntimeError("boom")
    assert dest.read_bytes() == b"old"
    assert leftovers(tmp_path) == []


def test_replacing_keeps_the_file_mode(tmp_path):
    dest = tmp_path / "out.bin"
    dest.write_bytes(b"old")
    dest.chmod(0o640)
    with atomic_output(dest) as out:
        out.write(b"new")
    assert stat.S_IMODE(dest.stat().st_mode) == 0o640


def test_a_new_file_gets_the_umask_mode(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_output(tmp_path / "out.bin") as out:
            out.write(b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out.bin").stat().st_mode) == 0o644


def test_dash_writes_stdout(capsysbinary):
    with atomic_output("-") as out:
        out.write(b"to stdout")
    assert capsysbinary.readouterr().out == b"to stdout"


def test_missing_directory_names_it(tmp_path):
    with pytest.raises(OutputError, match="does not exist") as info:
        with atomic_output(tmp_path / "nowhere" / "out.bin"):
            pass
    assert str(tmp_path / "nowhere") in str(info.value)


def test_unwritable_directory_names_the_path(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("convcli.io.atomic.os.open", refuse)
    with pytest.raises(OutputError, match="no permission to write in") as info:
        with atomic_output(tmp_path / "out.bin"):
            pass
    assert str(tmp_path / "out.bin") in str(info.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_directory(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="no permission"), atomic_output(folder / "x"):
            pass
    finally:
        folder.chmod(0o700)


def test_a_file_as_directory_is_an_output_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="cannot write"), atomic_output(tmp_path / "file" / "x"):
        pass


def test_a_directory_as_output_is_refused(tmp_path):
    with pytest.raises(OutputError, match="is a directory"), atomic_output(tmp_path):
        pass


def test_an_os_error_while_writing_becomes_an_output_error(tmp_path):
    with pytest.raises(OutputError, match="no space left"):
        with atomic_output(tmp_path / "out.bin"):
            raise OSError(28, "No space left on device")
    assert leftovers(tmp_path) == []


def test_output_equal_to_input_is_refused(tmp_path, monkeypatch):
    src = tmp_path / "in.csv"
    src.write_text("1\n")
    monkeypatch.chdir(tmp_path)
    for same in (src, "in.csv", "./in.csv", tmp_path / "." / "in.csv"):
        with pytest.raises(OutputError, match="is the input file"):
            check_not_input(same, src)
    os.link(src, tmp_path / "hard.csv")
    os.symlink(src, tmp_path / "soft.csv")
    for alias in ("hard.csv", "soft.csv"):
        with pytest.raises(OutputError, match="is the input file"):
            check_not_input(alias, src)


def test_other_outputs_are_allowed(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("1\n")
    check_not_input(tmp_path / "out.csv", src)
    check_not_input("-", src)
    check_not_input(src, "-")
    check_not_input(src, None)


def test_a_symlink_is_written_through_to_its_target(tmp_path):
    folder = tmp_path / "real"
    folder.mkdir()
    (folder / "target.csv").write_text("old")
    (tmp_path / "link.csv").symlink_to(folder / "target.csv")
    with atomic_output(tmp_path / "link.csv") as out:
        out.write(b"new")
    assert (tmp_path / "link.csv").is_symlink()
    assert (folder / "target.csv").read_text() == "new"
    assert leftovers(tmp_path) == [] and leftovers(folder) == []


def test_a_fifo_is_written_directly(tmp_path):
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    with atomic_output(fifo) as out:
        out.write(b"through the fifo")
    reader.join(10)
    assert got == [b"through the fifo"] and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_stale_temp_files_of_dead_processes_are_removed(tmp_path):
    dest = tmp_path / "out.csv"
    dead = tmp_path / f".out.csv.cv{2**22 + 12345}-abcdef.part"  # above any pid_max
    fresh = tmp_path / f".out.csv.cv{2**22 + 12346}-abcdef.part"
    mine = tmp_path / f".out.csv.cv{os.getpid()}-abcdef.part"
    other = tmp_path / ".out.csv.notes.part"
    for path in (dead, fresh, mine, other):
        path.write_text("x")
    old = os.stat(dead).st_mtime - STALE_SECONDS - 1
    for path in (dead, mine, other):
        os.utime(path, (old, old))
    with atomic_output(dest) as out:
        out.write(b"1")
    assert sorted(leftovers(tmp_path)) == sorted(p.name for p in (fresh, mine, other))


def test_temp_names_fit_a_long_output_name(tmp_path):
    dest = tmp_path / ("é" * 50 + "x" * 150 + ".csv")  # 254 bytes: the longest legal
    assert len(temp_path(dest).name.encode()) <= 255
    dest = tmp_path / ("y" * 240 + ".csv")
    with atomic_output(dest) as out:
        out.write(b"long")
    assert dest.read_bytes() == b"long"


def recorded_writeback(monkeypatch):
    """The calls start_writeback makes to sync_file_range, recorded instead of made."""
    import convcli.io.atomic as atomic

    calls = []
    monkeypatch.setattr(atomic, "_sync_file_range", lambda: lambda *args: calls.append(args))
    return calls


def test_writeback_is_started_on_the_temp_file_so_far(tmp_path, monkeypatch):
    """The buffered bytes reach the file first; the whole file's dirty pages are asked for."""
    from convcli.io.atomic import start_writeback

    calls = recorded_writeback(monkeypatch)
    dest = tmp_path / "out.csv"
    dest.write_bytes(b"the last run's")  # replaced: the rename would write the file out
    with atomic_output(dest) as out:
        out.write(b"a,b\n")
        start_writeback(out)
        assert os.fstat(out.fileno()).st_size == 4  # flushed before the call
        out.write(b"1,2\n")
    assert dest.read_bytes() == b"a,b\n1,2\n"
    ((fd, offset, count, flags),) = calls
    assert (offset, count, flags) == (0, 0, 2) and fd >= 0


def test_writeback_is_not_asked_for_a_new_file(tmp_path, monkeypatch):
    """Nothing to replace: the kernel's flusher writes it out in its own time."""
    from convcli.io.atomic import start_writeback

    calls = recorded_writeback(monkeypatch)
    with atomic_output(tmp_path / "new.csv") as out:
        out.write(b"a,b\n")
        start_writeback(out)
    assert calls == []


def test_writeback_is_not_asked_of_a_pipe_or_a_buffer(monkeypatch):
    import io

    from convcli.io.atomic import start_writeback

    calls = recorded_writeback(monkeypatch)
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb") as reader, os.fdopen(write_end, "wb") as writer:
        writer.write(b"x")
        start_writeback(writer)
        start_writeback(io.BytesIO(b"y"))  # no descriptor
        writer.flush()
        assert reader.read(1) == b"x"
    assert calls == []


def test_writeback_on_this_system_keeps_the_bytes(tmp_path):
    """The real call (where libc has it) changes nothing in what is written."""
    from convcli.io.atomic import start_writeback

    dest = tmp_path / "out.bin"
    dest.write_bytes(b"old")
    data = os.urandom(3 << 20)
    with atomic_output(dest) as out:
        for start in range(0, len(data), 1 << 20):
            out.write(data[start : start + (1 << 20)])
            start_writeback(out)
    assert dest.read_bytes() == data


def test_writeback_lets_a_failing_flush_be_the_writes_error(tmp_path):
    """A full disk met while flushing before the writeback is raised, not swallowed."""
    import errno

    from convcli.io.atomic import start_writeback

    class FullDisk:
        def __init__(self, f):
            self.fileno = f.fileno

        def flush(self):
            raise OSError(errno.ENOSPC, "No space left on device")

    dest = tmp_path / "out.bin"
    dest.write_bytes(b"old")
    with atomic_output(dest) as f, pytest.raises(OSError) as caught:
        start_writeback(FullDisk(f))
    assert caught.value.errno == errno.ENOSPC
