#!/usr/bin/env bash
# Print the Python 3.10 both environments are built with (rasa 3.6 refuses 3.11): the first of
# $PYTHON310, python3.10 on PATH, pyenv's newest 3.10.x, and CPython VERSION installed by uv in
# INSTALL_DIR (downloaded from python-build-standalone the first time, nothing installed elsewhere).
# Usage: scripts/python310.sh UV VERSION INSTALL_DIR
set -euo pipefail
uv=$1 version=$2 install_dir=$3

# Prints "MAJOR.MINOR EXECUTABLE" of an interpreter (the real one, not a pyenv shim).
probe() {
  "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2], sys.executable)' 2>/dev/null
}

# Prints the interpreter's real executable when it is a working Python 3.10.
is310() {
  local out
  out=$(probe "$1") || return 1
  [ "${out%% *}" = 3.10 ] && echo "${out#* }"
}

# An explicit choice is never second-guessed: a wrong PYTHON310 is an error, not a fall-back.
if [ -n "${PYTHON310:-}" ]; then
  is310 "$PYTHON310" && exit 0
  reported=$(probe "$PYTHON310") && reported="Python ${reported%% *}" || reported="does not run"
  echo "PYTHON310=$PYTHON310: $reported, not Python 3.10. Unset it or point it at a 3.10." >&2
  exit 1
fi

on_path="none"
if path=$(command -v python3.10); then
  is310 "$path" && exit 0
  on_path="$path does not run as Python 3.10"
fi

pyenv_root=$(pyenv root 2>/dev/null) || pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
shopt -s nullglob
candidates=("$pyenv_root"/versions/3.10.*/bin/python3.10)
if [ ${#candidates[@]} -gt 0 ]; then
  while IFS= read -r path; do
    is310 "$path" && exit 0
  done < <(printf '%s\n' "${candidates[@]}" | sort -V -r)
fi

managed() {
  local path
  path=$(UV_PYTHON_INSTALL_DIR=$install_dir "$uv" python find --managed-python \
    --no-python-downloads "$version" 2>/dev/null) && is310 "$path"
}
managed && exit 0

echo "python310.sh: no Python 3.10 on this machine; uv installs CPython $version in $install_dir" >&2
if UV_PYTHON_INSTALL_DIR=$install_dir "$uv" python install --no-bin "$version" >&2 && managed; then
  exit 0
fi
cat >&2 <<MESSAGE

No Python 3.10 could be had. Tried, in order:
  - PYTHON310: not set
  - python3.10 on PATH: $on_path
  - pyenv: nothing in $pyenv_root/versions/3.10.*
  - uv python install $version: failed, uv's error is above (uv downloads CPython from
    github.com/astral-sh/python-build-standalone, or from \$UV_PYTHON_INSTALL_MIRROR if set)
Set PYTHON310=/path/to/python3.10 (for instance one built by \`pyenv install 3.10\`) and run the
command again, or give this machine access to those downloads.
MESSAGE
exit 1
