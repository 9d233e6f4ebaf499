"""scripts/chromium.sh installs Debian's chromium for the browser tests only when missing.

Run on a fake Debian machine (tests/scripts/machine.py): apt-get and sudo are stubs, so
nothing is installed for real.
"""

from pathlib import Path

import pytest

from tests.scripts.machine import Machine


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    machine = Machine(tmp_path)
    machine.apt_get()
    machine.stub("packages/chromium", "#!/usr/bin/env bash\necho chromium\n")
    return machine


def chromium(machine: Machine, **env: str):
    browser = str(machine.bin / "chromium")
    return machine.run("chromium.sh", EMILE_CHROMIUM=browser, **env)


def test_a_machine_without_chromium_gets_debian_s_package(machine):
    result = chromium(machine)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(machine.bin / "chromium")
    installs = [call for call in machine.calls() if call.startswith("apt-get install")]
    assert len(installs) == 1 and " chromium" in installs[0]
    assert (machine.root / "installed" / "chromium").exists()


def test_a_machine_with_chromium_installs_nothing(machine):
    machine.stub("usr/bin/chromium", "#!/usr/bin/env bash\n")

    result = chromium(machine)

    assert result.returncode == 0, result.stderr
    assert not [call for call in machine.calls() if call.startswith("apt-get")]


def test_not_root_it_goes_through_sudo(machine):
    machine.stub("usr/bin/sudo", '#!/usr/bin/env bash\necho "sudo $*" >> @LOG@\n"${@:2}"\n')

    result = chromium(machine, FAKE_UID="1000")

    assert result.returncode == 0, result.stderr
    assert any(c.startswith("sudo -n apt-get install") for c in machine.calls())
