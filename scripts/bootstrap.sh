#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# First command of the README: install what is missing, build, and run srt on a real example
# with the embedded default settings (no network, writes only to the private TMPDIR).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
[ -d build ] || meson setup build -Dwerror=true >/dev/null
meson compile -C build >/dev/null

cat <<'MSG' >&2
== srt is built: ./build/src/cli/srt
== Running a sandboxed shell with the embedded default settings:
MSG
./build/src/cli/srt sh -c '
	echo "inside: uid=$(id -u), pid of this shell=$$, network interfaces: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\n" " ")"
	echo "writing to \$TMPDIR ($TMPDIR): $(echo ok > "$TMPDIR/x" && cat "$TMPDIR/x")"
	if (echo x > "$HOME/.srt-bootstrap-test") 2>/dev/null; then echo "UNEXPECTED: wrote to \$HOME"; else echo "writing to \$HOME: refused (read-only)"; fi
	if curl -s --max-time 2 http://127.0.0.1:9 >/dev/null 2>&1; then echo "UNEXPECTED: network"; else echo "network: none"; fi
'
