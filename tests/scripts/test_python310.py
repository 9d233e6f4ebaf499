"""Which Python 3.10 `make run` and `make test` build the environments with (scripts/python310.sh).

Run on a fake machine (tests/scripts/machine.py): stub interpreters, pyenv and uv; nothing is
downloaded.
"""

import sys
from pathlib import Path

import pytest

from tests.scripts.machine import Machine

VERSION = "3.10.22"


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    machine = Machine(tmp_path)
    machine.uv()
    return machine


def choose(machine: Machine, **env: str):
    install_dir = machine.root / "project" / ".venv" / "python"
    return machine.run(
        "python310.sh", str(machine.root / "uv/bin/uv"), VERSION, str(install_dir), **env
    )


def uv_calls(machine: Machine) -> list[str]:
    return [call for call in machine.calls() if call.startswith("uv ")]


def test_python310_variable_comes_first(machine):
    chosen = machine.python("opt/py/bin/python3.10", "3.10")
    machine.python("usr/bin/python3.10", "3.10")

    result = choose(machine, PYTHON310=str(chosen))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(chosen)
    assert uv_calls(machine) == []


def test_python310_variable_that_is_not_310_is_an_error_not_a_fall_back(machine):
    wrong = machine.python("opt/py/bin/python3", "3.11")
    machine.python("usr/bin/python3.10", "3.10")

    result = choose(machine, PYTHON310=str(wrong))

    assert result.returncode == 1
    assert result.stdout == ""
    assert f"PYTHON310={wrong}: Python 3.11, not Python 3.10" in result.stderr


def test_python310_on_path_before_pyenv(machine):
    on_path = machine.python("usr/bin/python3.10", "3.10")
    machine.python("home/.pyenv/versions/3.10.13/bin/python3.10", "3.10")

    result = choose(machine)

    assert result.stdout.strip() == str(on_path)
    assert uv_calls(machine) == []


def test_a_pyenv_shim_gives_the_real_interpreter(machine):
    real = "/home/someone/.pyenv/versions/3.10.13/bin/python3.10"
    machine.python("usr/bin/python3.10", "3.10", executable=real)

    assert choose(machine).stdout.strip() == real


@pytest.mark.parametrize(
    ("versions", "newest"),
    [(("3.10.8", "3.10.9"), "3.10.9"), (("3.10.9", "3.10.13"), "3.10.13")],
)
def test_pyenv_newest_310_when_path_has_none_that_runs(machine, versions, newest):
    # pyenv's shim is on PATH but answers "command not found" when 3.10 is not selected.
    machine.stub("usr/bin/python3.10", "#!/usr/bin/env bash\nexit 127\n")
    for version in versions:
        machine.python(f"home/.pyenv/versions/{version}/bin/python3.10", "3.10")
    # A newer one that does not run (a half-built pyenv version) is passed over.
    machine.stub("home/.pyenv/versions/3.10.99/bin/python3.10", "#!/usr/bin/env bash\nexit 1\n")

    result = choose(machine)

    expected = machine.home / ".pyenv" / "versions" / newest / "bin" / "python3.10"
    assert result.stdout.strip() == str(expected)
    assert uv_calls(machine) == []


def test_pyenv_root_is_asked_to_pyenv(machine):
    elsewhere = machine.python("opt/pyenv/versions/3.10.4/bin/python3.10", "3.10")
    machine.stub(
        "usr/bin/pyenv", f'#!/usr/bin/env bash\n[ "$1" = root ] && echo {machine.root}/opt/pyenv\n'
    )
    machine.python("home/.pyenv/versions/3.10.13/bin/python3.10", "3.10")

    assert choose(machine).stdout.strip() == str(elsewhere)


def test_no_310_anywhere_uv_installs_the_pinned_one_in_the_project(machine):
    machine.python("usr/bin/python3", "3.11")
    machine.python("home/.pyenv/versions/3.11.7/bin/python3.11", "3.11")
    install_dir = machine.root / "project" / ".venv" / "python"

    result = choose(machine)

    assert result.returncode == 0, result.stderr
    managed = install_dir / f"cpython-{VERSION}-linux-x86_64-gnu" / "bin" / "python3.10"
    assert result.stdout.strip() == str(managed)
    installs = [call for call in uv_calls(machine) if call.startswith("uv python install")]
    # --no-bin: nothing lands in ~/.local/bin; the directory is the project's own.
    assert installs == [f"uv python install --no-bin {VERSION} UV_PYTHON_INSTALL_DIR={install_dir}"]
    assert f"uv installs CPython {VERSION} in {install_dir}" in result.stderr


def test_a_managed_interpreter_already_installed_is_not_installed_again(machine):
    assert choose(machine).returncode == 0
    first = choose(machine)

    assert first.returncode == 0
    installs = [call for call in uv_calls(machine) if call.startswith("uv python install")]
    assert len(installs) == 1


def test_nothing_can_be_had_says_what_was_tried_and_how_to_set_python310(machine):
    machine.python("usr/bin/python3", "3.11")

    result = choose(machine, FAKE_DOWNLOADS="fail")

    assert result.returncode == 1
    assert result.stdout == ""
    message = result.stderr
    assert "dns error" in message  # uv's own error is shown
    assert "No Python 3.10 could be had" in message
    assert "python3.10 on PATH: none" in message
    assert f"nothing in {machine.home}/.pyenv/versions/3.10.*" in message
    assert f"uv python install {VERSION}: failed" in message
    assert "Set PYTHON310=/path/to/python3.10" in message


def test_a_real_interpreter_is_probed(machine):
    """The probe itself against the interpreter running this test (the API env's Python 3.10)."""
    result = choose(machine, PYTHON310=sys.executable)

    if sys.version_info[:2] == (3, 10):
        assert result.stdout.strip() == sys.executable
    else:
        assert f"Python {sys.version_info[0]}.{sys.version_info[1]}, not" in result.stderr
