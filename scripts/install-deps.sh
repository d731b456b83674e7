#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Installs what srt needs to build, run and test on Debian/Ubuntu, skipping what is there.
# Uses sudo when not root. Everything comes from the distribution's packages.
set -euo pipefail

pkgs=(
	# build
	gcc meson ninja-build pkg-config libseccomp-dev libjansson-dev
	# run time
	bubblewrap
	# tests: real clients and tools used by the integration suite
	python3 git curl util-linux bsdutils passwd procps coreutils findutils
	openssh-server openssh-client
	# fuzzing (libFuzzer comes with clang's runtime)
	clang libclang-rt-14-dev
	# benchmarks
	hyperfine
)

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || {
		echo "install-deps: not root and no sudo; install: ${missing[*]}" >&2
		exit 1
	}
	SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
