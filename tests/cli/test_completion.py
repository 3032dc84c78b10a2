"""Shell completion: scripts for bash, zsh and fish; bash completion exercised on the installed
command (commands, options, choice values, kernel names and parameters)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.conftest import convcli_path


def complete_bash(*words: str) -> list[str]:
    """What `convcli WORDS<TAB>` offers in bash (the last word is the one being completed)."""
    env = {**os.environ, "_CONVCLI_COMPLETE": "complete_bash",
           "COMP_WORDS": " ".join(("convcli", *words)), "COMP_CWORD": str(len(words))}
    result = subprocess.run([convcli_path()], capture_output=True, text=True, env=env,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_show_completion_prints_each_shells_script(shell):
    env = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    result = subprocess.run([convcli_path(), "--show-completion", shell], capture_output=True,
                            text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert f"_CONVCLI_COMPLETE=complete_{shell}" in result.stdout
    assert "convcli" in result.stdout


@pytest.mark.parametrize(("shell", "where"), [
    ("bash", ".bash_completions/convcli.sh"), ("zsh", ".zfunc/_convcli"),
    ("fish", ".config/fish/completions/convcli.fish"),
])  # fmt: skip
def test_install_completion_writes_the_script(shell, where, tmp_path):
    env = {**os.environ, "HOME": str(tmp_path),
           "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    result = subprocess.run([convcli_path(), "--install-completion", shell],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert f"complete_{shell}" in (tmp_path / where).read_text()


def test_bash_completes_commands_and_options():
    assert complete_bash("sm") == ["smooth"]
    assert set(complete_bash("")) >= {"smooth", "filter", "convolve", "pool", "bench", "kernels"}
    assert complete_bash("smooth", "x.csv", "--bo") == ["--boundary"]
    assert "--install-completion" in complete_bash("--")


def test_bash_completes_choice_values():
    assert complete_bash("smooth", "x.csv", "--mode", "") == ["full", "same", "valid"]
    assert complete_bash("filter", "x.png", "--boundary", "n") == ["nearest"]
    assert complete_bash("convolve", "x.npy", "box", "--nan", "") == [
        "ignore", "propagate", "zero", "error"]
    assert "median" in complete_bash("pool", "x.csv", "--op", "")


def test_bash_completes_kernel_names():
    assert complete_bash("smooth", "x.csv", "-k", "gau") == ["gaussian", "gauss"]
    assert complete_bash("filter", "x.png", "--kernel", "sob") == ["sobel"]
    assert "box" in complete_bash("convolve", "x.npy", "bo")  # the KERNEL argument
    assert "laplacian" in complete_bash("kernels", "show", "lap")


def test_zsh_completes_kernel_parameters():
    env = {**os.environ, "_CONVCLI_COMPLETE": "complete_zsh",
           "_TYPER_COMPLETE_ARGS": "convcli smooth x.csv -k gaussian:si"}
    out = subprocess.run([convcli_path()], capture_output=True, text=True, env=env,
                         timeout=60).stdout
    assert "gaussian\\\\:sigma=" in out and "standard deviation" in out


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_the_bash_script_completes_in_bash():
    """Source the generated script in a real bash and press TAB through its function."""
    script = ('source <(_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION=1 convcli '
              '--show-completion bash)\n'
              'COMP_WORDS=(convcli smooth x.csv -k gau); COMP_CWORD=4\n'
              '_convcli_completion convcli\n'
              'printf "%s\\n" "${COMPREPLY[@]}"\n')
    env = {**os.environ, "PATH": f"{Path(convcli_path()).parent}{os.pathsep}{os.environ['PATH']}"}
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env,
                         timeout=60)
    assert out.stdout.split() == ["gaussian", "gauss"], out.stderr
