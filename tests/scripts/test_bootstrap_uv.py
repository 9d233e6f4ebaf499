"""uv is bootstrapped with whatever python3 the machine has (scripts/bootstrap-uv.sh).

Run on a fake Debian machine (tests/scripts/machine.py): apt-get, sudo, python3 and pip are
stubs, so nothing is installed for real.
"""

from pathlib import Path

import pytest

from tests.scripts.machine import Machine

UV_VERSION = "0.13.9"


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    machine = Machine(tmp_path)
    machine.apt_get()
    return machine


def bootstrap(machine: Machine, **env: str):
    return machine.run("bootstrap-uv.sh", UV_VERSION, str(machine.root / "project/.venv/uv"), **env)


def test_any_python3_makes_the_uv_environment(machine):
    machine.python("usr/bin/python3", "3.11")

    result = bootstrap(machine)

    assert result.returncode == 0, result.stderr
    assert (machine.root / "project/.venv/uv/bin/uv").exists()
    assert f"pip install -q --no-cache-dir uv=={UV_VERSION}" in machine.calls()
    assert not [call for call in machine.calls() if call.startswith("apt-get")]


def test_debian_python3_without_venv_gets_python3_venv(machine):
    machine.python("usr/bin/python3", "3.11", needs="python3-venv")

    result = bootstrap(machine)

    assert result.returncode == 0, result.stderr
    assert "apt-get install -y -qq python3-venv" in machine.calls()
    assert (machine.root / "project/.venv/uv/bin/uv").exists()
    assert "installing Debian's python3-venv" in result.stderr


def test_no_python3_at_all_gets_python3_and_venv(machine):
    machine.python("packages/python3", "3.11")

    result = bootstrap(machine)

    assert result.returncode == 0, result.stderr
    assert "apt-get install -y -qq python3 python3-venv" in machine.calls()
    assert (machine.root / "project/.venv/uv/bin/uv").exists()


def test_not_root_installs_through_sudo(machine):
    machine.python("usr/bin/python3", "3.11", needs="python3-venv")
    machine.stub("usr/bin/sudo", '#!/usr/bin/env bash\necho "sudo $*" >> @LOG@\nexec "$@"\n')

    result = bootstrap(machine, FAKE_UID="1000")

    assert result.returncode == 0, result.stderr
    assert "sudo apt-get install -y -qq python3-venv" in machine.calls()


def test_without_apt_get_it_says_what_to_install(machine):
    (machine.bin / "apt-get").unlink()
    machine.python("usr/bin/python3", "3.11", needs="python3-venv")

    result = bootstrap(machine)

    assert result.returncode == 1
    assert "needs python3-venv" in result.stderr
