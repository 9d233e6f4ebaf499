#!/usr/bin/env bash
# Install uv VERSION into the virtual environment DIR with the machine's python3, whatever its
# version (uv is a standalone binary). Installs Debian's python3 and python3-venv when missing.
# Usage: scripts/bootstrap-uv.sh VERSION DIR
set -euo pipefail
version=$1 dir=$2

apt_install() {
  local sudo=()
  [ "$(id -u)" = 0 ] || sudo=(sudo)
  if ! command -v apt-get >/dev/null; then
    echo "bootstrap-uv.sh: needs $* (no apt-get here: install them, then run again)" >&2
    exit 1
  fi
  echo "bootstrap-uv.sh: installing Debian's $* to bootstrap uv" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq >&2
  "${sudo[@]}" apt-get install -y -qq "$@" >&2
}

command -v python3 >/dev/null || apt_install python3 python3-venv
# Debian's python3 lacks ensurepip (so venv fails) until python3-venv is installed.
if ! error=$(python3 -m venv --clear "$dir" 2>&1); then
  case "$error" in
    *ensurepip*) apt_install python3-venv; python3 -m venv --clear "$dir" >&2 ;;
    *) echo "$error" >&2; exit 1 ;;
  esac
fi
# No pip cache: nothing of the bootstrap stays outside DIR.
"$dir/bin/pip" install -q --no-cache-dir "uv==$version" >&2
