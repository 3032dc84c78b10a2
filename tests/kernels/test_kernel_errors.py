"""Every user mistake is a KernelError with a one-line message that says what to do."""

from __future__ import annotations

import json

import numpy as np
import pytest

from convcli.errors import KernelError
from convcli.kernels import MAX_SIDE, MAX_TAPS, parse_kernel


def error_of(spec: str, ndim: int | None = None) -> str:
    with pytest.raises(KernelError) as info:
        parse_kernel(spec, ndim)
    message = str(info.value)
    assert "\n" not in message and message.strip() == message
    assert isinstance(info.value, ValueError)
    return message


CASES = [
    # unknown names, with the closest suggested (difflib)
    ("gausian", None, "unknown kernel 'gausian'; did you mean 'gaussian'"),
    ("sobell:direction=x", None, "did you mean 'sobel'"),
    ("zzzzqq", None, "unknown kernel 'zzzzqq' (`convcli kernels` lists them all)"),
    ("gauss ian", None, "unknown kernel 'gauss ian'"),
    # unknown or malformed parameters
    ("gaussian:sigm=2", None, "gaussian: unknown parameter 'sigm' (did you mean 'sigma'?)"),
    ("gaussian:size=3", None, "gaussian takes sigma, radius; any kernel takes normalize"),
    ("edge:amount=2", None, "edge: unknown parameter 'amount'"),
    ("[1,2,1]:sigma=2", None, "inline kernel: unknown parameter 'sigma'"),
    ("gaussian:=2", None, "gaussian: malformed parameter '=2'; write key=value"),
    ("gaussian:0x2", None, "malformed parameter '0x2'"),
    ("gaussian:sigma=1,,radius=2", None, "malformed parameter ''"),
    ("gaussian:sigma=1,sigma=2", None, "gaussian: parameter 'sigma' given twice"),
    ("gaussian:sigma", None, "gaussian: sigma needs a value, e.g. sigma=1.0"),
    ("gaussian:sigma=abc", None, "gaussian: sigma must be a number, got 'abc'"),
    ("box:size=2.5", None, "box: size must be a whole number, got '2.5'"),
    ("kirsch:direction=up", None, "kirsch: direction must be one of e, se, s, sw, w, nw, n, ne"),
    ("laplacian:neighbors=6", None, "laplacian: neighbors must be one of 4, 8"),
    ("box:normalize=maybe", None, "box: normalize must be true or false, got 'maybe'"),
    ("exponential:tau=2,alpha=0.3", None, "exponential: give tau or alpha, not both"),
    ("exponential:alpha=1.5", None, "exponential: alpha must be at most 1, got 1.5"),
    # negative or zero sizes
    ("box:size=0", None, "box: size must be >= 1, got 0"),
    ("box:size=-3", None, "box: size must be >= 1, got -3"),
    ("gaussian:sigma=0", None, "gaussian: sigma must be > 0, got 0"),
    ("gaussian:sigma=-1", None, "gaussian: sigma must be > 0, got -1"),
    ("gaussian:radius=-1", None, "gaussian: radius must be >= 0, got -1"),
    ("disk:radius=0", None, "disk: radius must be > 0, got 0"),
    ("motion:length=0", None, "motion: length must be >= 1, got 0"),
    ("savgol:window=0", None, "savgol: window must be >= 1, got 0"),
    ("exponential:tau=-4", None, "exponential: tau must be > 0, got -4"),
    ("exponential:length=0", None, "exponential: length must be >= 1, got 0"),
    ("hann:size=2", None, "hann: the weights are all zero with size=2; use a larger size"),
    # parameter combinations
    ("savgol:window=6", None, "savgol: window must be odd, got 6"),
    ("savgol:window=5,polyorder=5", None, "savgol: polyorder must be less than window"),
    ("savgol:polyorder=2,deriv=3", None, "savgol: deriv must be at most polyorder"),
    ("derivative:accuracy=3", None, "derivative: accuracy must be even (2, 4, 6, …), got 3"),
    ("dog:sigma1=2,sigma2=2", None, "dog: sigma1 and sigma2 must differ"),
    ("sobel:direction=z", None, "direction z needs a 3-D kernel"),
    # non-finite values
    ("[1,nan,2]", None, "inline kernel: non-finite value 'nan'; kernel values must be finite"),
    ("[1,inf]", None, "non-finite value 'inf'"),
    ("[1,1e999]", None, "non-finite value '1e999'"),
    ("[[1, NaN]]", None, "inline kernel: non-finite value nan"),
    ("gaussian:sigma=inf", None, "gaussian: sigma must be a finite number, got 'inf'"),
    ("[1,2]:scale=nan", None, "inline kernel: scale must be a finite number, got 'nan'"),
    ("3x1: 1,inf,1", None, "non-finite value 'inf'"),
    ("[1,abc]", None, "inline kernel: 'abc' is not a number"),
    ("[1,true]", None, "inline kernel: 'true' is not a number"),
    ('[[1,"2"]]', None, 'inline kernel: "2" is not a number'),
    # ragged rows and empty kernels
    ("[1,2,3; 4,5]", None, "inline kernel: row 2 has 2 values but row 1 has 3"),
    ("[[1,2],[3]]", None, "inline kernel: rows have different lengths (1, 2)"),
    ("[1,2;;3,4]", None, "inline kernel: row 2 is empty"),
    ("[1,,2]", None, "empty value (two commas in a row, or one at an end)"),
    ("[]", None, "inline kernel is empty"),
    ("[[]]", None, "inline kernel: empty list"),
    ("[1,2,1", None, "inline kernel: missing ']'"),
    ("[1,2,1]x", None, "inline kernel: unexpected 'x' after ']'"),
    ("", None, "empty kernel spec"),
    ("   ", None, "empty kernel spec"),
    # ImageMagick strings
    (
        "3x3: 1,2,1 2,4,2",
        None,
        "ImageMagick-style kernel '3x3:' needs 9 values (3 wide, 3 high), got 6",
    ),
    ("3x3@: 1,2,1", None, "ImageMagick-style kernel: cannot read the size '3x3@'"),
    ("0x3: 1", None, "the size must be at least 1x1"),
    ("3x1+5+0: 1,2,1", None, "origin +5+0 is outside the kernel"),
    ("3x1: 1,2,1; 3x1: 1,1,1", None, "only one kernel is allowed"),
    ("1,2,1", None, "3 values without a size; give a square number of values"),
    # modifiers
    ("[1,2,1]:origin=3", None, "inline kernel: origin 3 is outside the 3 kernel"),
    ("[1,2;3,4]:origin=0;0;0", None, "origin needs 2 values (one per axis), got 3"),
    ("[1,2,1]:origin=a", None, "origin must be whole numbers, one per axis"),
    ("[1,2,1]:origin", None, "origin needs a value"),
    ("[1,2;3,4]:rotate=45", None, "rotate must be 90, 180 or 270"),
    ("[1,2;3,4]:rotate", None, "rotate must be 90, 180 or 270"),
    ("[1,2,1]:rotate=90", None, "only a 2-D kernel turns by 90°"),
    ("[1,2,1]:transpose", None, "transpose needs a 2-D kernel, this one is 1-D"),
    ("[1,2;3,4]:outer", None, "outer needs a 1-D kernel, this one is 2-D"),
    ("[1,2,1]:scale", None, "scale needs a value"),
    # dimensions
    ("sobel", 1, "kernel 'sobel' is 2-D or 3-D only; it has no 1-D form"),
    ("edge", 1, "kernel 'edge' is 2-D only"),
    ("exponential", 2, "kernel 'exponential' is 1-D only; it has no 2-D form"),
    ("[1,2;3,4]", 1, "inline kernel is 2-D (2×2); a 1-D kernel is needed"),
    ("3x3: 1,2,1 2,4,2 1,2,1", 1, "ImageMagick-style kernel is 2-D (3×3)"),
    ("box", 4, "a kernel has 1, 2 or 3 axes, not 4"),
    # too large: the limit is stated
    (f"box:size={MAX_SIDE + 1}", None, f"box: size must be at most {MAX_SIDE}, got {MAX_SIDE + 1}"),
    ("gaussian:sigma=1000", None, f"too large: the limit is {MAX_SIDE} taps per side"),
    ("gaussian:sigma=1e308", None, "with sigma=1e+308 would be wider than 4097 taps, too large"),
    ("dog:sigma2=1e300", None, "kernel 'dog' with sigma=1e+300 would be wider than 4097 taps"),
    ("log:sigma=600", None, "kernel 'log' with sigma=600 would be wider than 4097 taps"),
    ("savgol:deriv=2,delta=1e-300", None, "savgol: delta=1e-300 is out of range for deriv=2"),
    (
        "box:size=2000",
        2,
        f"kernel 'box' would be 2000×2000 taps, too large: the limit is {MAX_SIDE}",
    ),
    ("gaussian:sigma=30", 3, f"and {MAX_TAPS} in all"),
    ("log:sigma=40", 3, "kernel 'log' would be 321×321×321 taps, too large"),
    ("motion:length=4097,angle=45", None, "kernel 'motion' would be"),
    ("5000x1: 1", None, "ImageMagick-style kernel '5000x1:' would be 1×5000 taps, too large"),
    ("exponential:length=4097,outer", None, "would be 4097×4097 taps, too large"),
]


@pytest.mark.parametrize("spec,ndim,expected", CASES, ids=[c[0][:40] for c in CASES])
def test_error_messages(spec, ndim, expected):
    assert expected in error_of(spec, ndim)


def test_non_string_spec():
    with pytest.raises(KernelError, match="empty kernel spec"):
        parse_kernel(None)  # type: ignore[arg-type]


# --- files -------------------------------------------------------------------------------


def write(tmp_path, name: str, content: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


FILE_CASES = [
    ("e.csv", "", "is empty"),
    ("c.csv", "# only a comment\n\n", "has no values (only blank or comment lines)"),
    ("r.csv", "1,2,3\n4,5\n", "line 2 has 2 values but line 1 has 3; every row needs the same"),
    ("r.txt", "1 2 3\n\n4 5 6 7\n", "line 3 has 4 values but line 1 has 3"),
    ("n.csv", "1,nan,1\n", ", line 1: non-finite value 'nan'"),
    ("w.csv", "1,x,1\n", ", line 1: 'x' is not a number"),
    ("h.csv", "a,b,c\n1,2,3\n", "line 1: 'a' is not a number"),
    ("g.csv", "1,,1\n", "empty value (two commas in a row, or one at an end)"),
    ("b.txt", b"\xff\xfe\x00\x01garbage", "is not a UTF-8 text file"),
    ("j.json", "{", "is not valid JSON"),
    ("j.json", '{"kernal": [1]}', "unknown key 'kernal' (did you mean 'kernel'?)"),
    ("j.json", '{"origin": [0]}', 'has no "kernel" key'),
    ("j.json", '"text"', 'must hold a list of rows or an object with a "kernel" key'),
    ("j.json", '{"kernel": [[1, 2], [3]]}', "rows have different lengths"),
    ("j.json", '{"kernel": [1, NaN]}', "non-finite value nan"),
    ("j.json", '{"kernel": []}', "empty list"),
    ("j.json", '{"kernel": [1, 2], "origin": [5]}', '"origin" [5] does not fit the 2 kernel'),
    ("j.json", '{"kernel": [1, 2], "origin": "x"}', '"origin" must be a whole number'),
    ("j.json", '{"kernel": [1, 2], "normalize": "yes"}', '"normalize" must be true or false'),
    ("j.json", '{"kernel": [1, 2], "scale": "2"}', '"scale" must be a number'),
    ("j.json", '{"kernel": [[[[1]]]]}', "has 4 axes; a kernel has 1, 2 or 3"),
    ("k.dat", "1,2,1\n", "unknown type .dat; use .csv, .tsv, .txt, .npy or .json"),
    ("k.npy", b"not an npy file", "is not a valid .npy file"),
]


@pytest.mark.parametrize("name,content,expected", FILE_CASES, ids=[c[2][:30] for c in FILE_CASES])
def test_file_errors(tmp_path, name, content, expected):
    path = write(tmp_path, name, content)
    message = error_of(path)
    assert expected in message
    assert message.startswith(f"kernel file {path!r}")


def test_npy_errors(tmp_path):
    cases = [
        (np.array([1.0, np.nan]), "has non-finite values (NaN or inf)"),
        (np.zeros((0, 3)), "is empty (shape (0, 3))"),
        (np.array([1 + 2j]), "values must be real numbers, not complex128"),
        (np.array(["a"]), "values must be real numbers"),
        (np.zeros((1, 1, 1, 1)), "has 4 axes"),
        (np.zeros(MAX_SIDE + 1), f"too large: the limit is {MAX_SIDE} taps per side"),
    ]
    for array, expected in cases:
        path = tmp_path / "k.npy"
        np.save(path, array)
        assert expected in error_of(str(path))


def test_missing_files_and_directories(tmp_path):
    assert error_of("no/such/kernel.csv") == "kernel file 'no/such/kernel.csv' not found"
    assert error_of("missing.npy:normalize") == "kernel file 'missing.npy' not found"
    assert "is a directory" in error_of(str(tmp_path))


def test_large_text_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "wb") as handle:
        handle.truncate(65 * 2**20)  # sparse: no disk used
    assert "too large to be a kernel" in error_of(str(path))


def test_json_file_kernel_too_large(tmp_path):
    path = write(tmp_path, "big.json", json.dumps({"kernel": [0.0] * (MAX_SIDE + 1)}))
    assert f"the limit is {MAX_SIDE} taps per side" in error_of(path)
