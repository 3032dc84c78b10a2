import io

import numpy as np
import pytest

import convcli.io.arrays as arrays
from convcli.errors import InputError
from convcli.io.arrays import read_array, write_array


def test_round_trip(tmp_path):
    array = np.arange(12, dtype=np.float32).reshape(3, 4)
    write_array(array, tmp_path / "a.npy")
    back = read_array(tmp_path / "a.npy")
    assert back.dtype == np.float32 and np.array_equal(back, array)
    assert not isinstance(back, np.memmap)


def test_large_files_are_memory_mapped(tmp_path, monkeypatch):
    np.save(tmp_path / "a.npy", np.ones(1000))
    monkeypatch.setattr(arrays, "MMAP_BYTES", 100)
    back = read_array(tmp_path / "a.npy")
    assert isinstance(back, np.memmap) and not back.flags.writeable


def test_bytes_and_streams():
    buffer = io.BytesIO()
    np.save(buffer, np.array([1, 2, 3]))
    assert read_array(buffer.getvalue()).tolist() == [1, 2, 3]
    assert read_array(io.BytesIO(buffer.getvalue())).tolist() == [1, 2, 3]


def test_not_npy(tmp_path):
    (tmp_path / "a.npy").write_text("1,2,3\n")
    with pytest.raises(InputError, match=rf"^{tmp_path / 'a.npy'}: not a \.npy file"):
        read_array(tmp_path / "a.npy")
    np.savez(tmp_path / "b.npz", a=np.ones(2))
    with pytest.raises(InputError, match=r"not a \.npy file"):
        read_array(tmp_path / "b.npz")


def test_truncated_and_corrupt(tmp_path, monkeypatch):
    buffer = io.BytesIO()
    np.save(buffer, np.ones(1000))
    (tmp_path / "a.npy").write_bytes(buffer.getvalue()[:-100])
    with pytest.raises(InputError, match="corrupt or truncated"):
        read_array(tmp_path / "a.npy")
    monkeypatch.setattr(arrays, "MMAP_BYTES", 100)
    with pytest.raises(InputError, match="corrupt or truncated"):
        read_array(tmp_path / "a.npy")
    with pytest.raises(InputError, match="corrupt or truncated"):
        read_array(buffer.getvalue()[:20])


def test_non_numeric_arrays(tmp_path):
    np.save(tmp_path / "s.npy", np.array(["a", "b"]))
    with pytest.raises(InputError, match="holds <U1 values, not numbers"):
        read_array(tmp_path / "s.npy")
    np.save(tmp_path / "o.npy", np.array([{}, 1], dtype=object), allow_pickle=True)
    with pytest.raises(InputError, match="corrupt or truncated"):
        read_array(tmp_path / "o.npy")


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_array(tmp_path / "nope.npy")
