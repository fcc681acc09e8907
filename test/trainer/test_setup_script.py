"""scripts/setup-python.sh as callers use it: --print-python prints only the interpreter, --check installs nothing,
and the environment's folder is keyed by the requirements and by a local torch wheel when pip's find-links has one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

SCRIPT = ROOT / "scripts" / "setup-python.sh"


def setup(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=120
    )


def test_print_python_is_the_running_interpreter_and_cached() -> None:
    done = setup("--print-python")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [done.stdout.strip()]  # one line: the path, nothing else on stdout
    assert Path(done.stdout.strip()).resolve() == Path(sys.executable).resolve()  # this suite runs in it
    assert "cached:" in done.stderr and (Path(sys.prefix) / ".pixtune-setup-complete").is_file()


def test_check_installs_nothing_and_a_local_torch_wheel_is_its_own_environment(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    done = setup("--check", PIXTUNE_CACHE=str(cache))
    assert done.returncode == 1 and "not set up" in done.stderr and "scripts/setup-python.sh" in done.stderr
    assert not cache.exists() or not any(cache.iterdir())
    without = done.stderr

    links = tmp_path / "wheels"
    links.mkdir()
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    (links / f"torch-2.13.0+cpu-{tag}-{tag}-manylinux_2_28_x86_64.whl").touch()
    done = setup("--check", PIXTUNE_CACHE=str(cache), PIP_FIND_LINKS=str(links))
    assert done.returncode == 1 and done.stderr != without  # another venv-<hash>: the CPU wheel's environment

    done = setup("--frobnicate")
    assert done.returncode == 2 and "unknown option" in done.stderr
    done = setup("--check", "--print-python")
    assert done.returncode == 2 and "only one of" in done.stderr


def test_dev_tools_are_a_layer_of_their_own(tmp_path: Path) -> None:
    # pytest and ruff are not in users' requirements; --dev asks for them (this suite's own environment has them).
    requirements = (ROOT / "src" / "trainer" / "requirements.txt").read_text()
    assert "pytest" not in requirements and "ruff" not in requirements
    assert setup("--check", "--dev").returncode == 0  # this suite runs in the --dev environment
    done = setup("--check", "--dev", PIXTUNE_CACHE=str(tmp_path / "cache"))
    assert done.returncode == 1 and "scripts/setup-python.sh --dev" in done.stderr
