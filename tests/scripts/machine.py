"""A fake Debian machine for the set-up scripts: stub executables on a PATH of its own.

Stubs append one line per call to `calls.log`, so a test sees what a script ran (apt-get, pip,
uv) with which arguments; nothing is downloaded or installed for real. In stub texts, @LOG@ is
that log and @MACHINE@ the machine's root directory.
"""

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The only real programs the scripts and stubs may run; anything else is a stub or absent.
TOOLS = ("bash", "cat", "chmod", "mkdir", "sort")

# An interpreter: `-c` reports @VERSION@ and @EXECUTABLE@ (what the probe prints); `-m venv DIR`
# makes a virtual environment whose pip installs a uv, or fails as Debian's python3 does while
# @NEEDS@ (python3-venv) is not installed.
PYTHON = """#!/usr/bin/env bash
echo "python $*" >> @LOG@
case "$1" in
  -c) echo "@VERSION@ @EXECUTABLE@" ;;
  -m) [ "$2" = venv ] || exit 2
      if [ -n "@NEEDS@" ] && [ ! -e @MACHINE@/installed/@NEEDS@ ]; then
        echo "The virtual environment was not created successfully because ensurepip is not" >&2
        echo "available. On Debian/Ubuntu systems, you need to install the python3-venv package" >&2
        exit 1
      fi
      dir="${@: -1}"
      mkdir -p "$dir/bin"
      cat > "$dir/bin/pip" <<'PIP'
#!/usr/bin/env bash
echo "pip $*" >> @LOG@
printf '#!/usr/bin/env bash\\necho "uv $*" >> @LOG@\\n' > "${0%/*}/uv"
chmod +x "${0%/*}/uv"
PIP
      chmod +x "$dir/bin/pip" ;;
  *) exit 2 ;;
esac
"""

# uv's `python find` and `python install`; FAKE_DOWNLOADS=fail plays a machine without access.
UV = """#!/usr/bin/env bash
echo "uv $* UV_PYTHON_INSTALL_DIR=$UV_PYTHON_INSTALL_DIR" >> @LOG@
version="${@: -1}"
bin="$UV_PYTHON_INSTALL_DIR/cpython-$version-linux-x86_64-gnu/bin"
case "$1 $2" in
  "python find")
    [ -x "$bin/python3.10" ] && { echo "$bin/python3.10"; exit 0; }
    echo "error: No interpreter found for Python $version in managed installations" >&2
    exit 2 ;;
  "python install")
    if [ "${FAKE_DOWNLOADS:-ok}" = fail ]; then
      echo "error: Failed to install cpython-$version-linux-x86_64-gnu: dns error" >&2
      exit 1
    fi
    mkdir -p "$bin"
    printf '#!/usr/bin/env bash\\necho "3.10 %s"\\n' "$bin/python3.10" > "$bin/python3.10"
    chmod +x "$bin/python3.10" ;;
  *) exit 2 ;;
esac
"""

# Installing a package marks it installed and puts its programs (from packages/) on the PATH.
APT_GET = """#!/usr/bin/env bash
echo "apt-get $*" >> @LOG@
[ "$1" = install ] || exit 0
mkdir -p @MACHINE@/installed
for package in "$@"; do
  case "$package" in -*|install) continue ;; esac
  : > @MACHINE@/installed/"$package"
  if [ -e @MACHINE@/packages/"$package" ]; then
    cat @MACHINE@/packages/"$package" > @MACHINE@/usr/bin/"$package"
    chmod +x @MACHINE@/usr/bin/"$package"
  fi
done
"""


class Machine:
    """A home, a PATH (`usr/bin`, then `tools/`) and a log of the stubs' calls, under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.bin = root / "usr" / "bin"
        self.log = root / "calls.log"
        for directory in (self.home, self.bin, root / "tools"):
            directory.mkdir(parents=True)
        for tool in TOOLS:
            real = shutil.which(tool)
            assert real, f"the set-up scripts need {tool}"
            (root / "tools" / tool).symlink_to(real)
        self.stub("tools/id", '#!/usr/bin/env bash\necho "${FAKE_UID:-0}"\n')
        self.log.touch()

    def stub(self, relative: str, text: str) -> Path:
        """An executable at `root/relative` running `text`."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("@LOG@", str(self.log)).replace("@MACHINE@", str(self.root)))
        path.chmod(0o755)
        return path

    def python(self, relative: str, version: str, executable: str = "", needs: str = "") -> Path:
        """A stub interpreter reporting `version` and `executable` (itself by default)."""
        text = PYTHON.replace("@VERSION@", version).replace("@NEEDS@", needs)
        path = self.root / relative
        return self.stub(relative, text.replace("@EXECUTABLE@", executable or str(path)))

    def uv(self) -> Path:
        return self.stub("uv/bin/uv", UV)

    def apt_get(self) -> Path:
        return self.stub("usr/bin/apt-get", APT_GET)

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines()

    def run(self, script: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        """Run `scripts/<script>` with this machine's PATH and HOME, nothing else inherited."""
        environment = {"PATH": f"{self.bin}:{self.root / 'tools'}", "HOME": str(self.home), **env}
        return subprocess.run(
            [str(ROOT / "scripts" / script), *args],
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
