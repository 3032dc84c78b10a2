import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"


def convcli_path() -> str:
    beside = Path(sys.executable).parent / "convcli"
    found = str(beside) if beside.exists() else shutil.which("convcli")
    if not found:
        pytest.fail("the convcli command is not installed (pip install -e .)")
    return found


def run(*args, input=None, cwd=None, check=True):
    """Run the installed convcli; returns the CompletedProcess (bytes)."""
    result = subprocess.run([convcli_path(), *map(str, args)], input=input, cwd=cwd,
                            capture_output=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"convcli {args} failed: {result.stderr.decode()}")
    return result


def fails(*args, input=None, cwd=None) -> str:
    """Run convcli expecting a user error: exit 2, one error line, no traceback."""
    result = run(*args, input=input, cwd=cwd, check=False)
    err = result.stderr.decode()
    assert result.returncode == 2, (result.returncode, err)
    assert err.startswith("convcli: error: "), err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return err
