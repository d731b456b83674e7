#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Second command of the README (and all that .ci/run does): installs what is missing, builds
# with -Werror under ASan+UBSan (and a release build, compiled only, and a portable network build
# that runs the network tests again: -Dportable_net=true), runs every test suite as
# the current user (unit, integration, escape battery, fuzz-corpus replay, lint), runs the
# integration suite and the escape battery again as an unprivileged user when started as root,
# and ends with "N passed, N failed[, N skipped]" counted per TAP assertion.
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD

./scripts/install-deps.sh || exit 1

B=build-asan
if [ ! -d "$B" ]; then
	meson setup "$B" -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug >/dev/null || exit 1
fi
meson compile -C "$B" >/dev/null || { meson compile -C "$B"; exit 1; }
# The release build too: some warnings (-Wnull-dereference, -Wformat-truncation) appear only
# with optimisation, and users and the benchmarks build it.
R=build-release
if [ ! -d "$R" ]; then
	meson setup "$R" -Dwerror=true -Dbuildtype=release >/dev/null || exit 1
fi
meson compile -C "$R" >/dev/null || { meson compile -C "$R"; exit 1; }
# The portable network build (-Dportable_net=true, ASan+UBSan): the proxy with the code macOS
# uses (poll() loop, accept+fcntl, pipes for eventfd, copy-only relay), run below on the network
# tests. Only what those tests need is compiled.
P=build-portable
PORTABLE_UNIT=(evloop compat proxy proxy-ask relay resolver)
PORTABLE_TESTS=("${PORTABLE_UNIT[@]}" test-network.sh test-http-proxy.sh test-proxy-load.sh
	test-net-tunnel.sh test-net-dns.sh)
portable_t0=$(date +%s)
if [ ! -d "$P" ]; then
	meson setup "$P" -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug -Dportable_net=true >/dev/null || exit 1
fi
portable_targets=(srt:executable srt-probe srt-connect srt-exec srt-launch srt-report esc-probe)
for t in "${PORTABLE_UNIT[@]}"; do portable_targets+=("test-$t"); done
meson compile -C "$P" "${portable_targets[@]}" >/dev/null ||
	{ meson compile -C "$P" "${portable_targets[@]}"; exit 1; }
portable_build_s=$(($(date +%s) - portable_t0))

export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1
export SRT_TESTS_MUST_WORK=1

meson test -C "$B" --print-errorlogs --num-processes 2 >"$B/meson-test.out" 2>&1
meson_rc=$?
tail -n 15 "$B/meson-test.out"

results=$(mktemp)
# Per-assertion counts from meson's log (each test's TAP output is in its stdout).
count_meson_log() {
	python3 - "$1" "$2" >>"$results" <<'PY'
import json, re, sys
for line in open(sys.argv[1]):
    t = json.loads(line)
    name = t.get("name", "?")
    out = t.get("stdout", "") or ""
    p = f = s = 0
    for l in out.splitlines():
        if re.match(r"^ok \d+", l):
            if "# SKIP" in l: s += 1
            else: p += 1
        elif re.match(r"^not ok \d+", l):
            if "# TODO" in l: s += 1
            else: f += 1
        elif re.match(r"^1\.\.0 # SKIP", l):
            s += 1
    if t.get("result") not in ("OK", "SKIP", "EXPECTEDFAIL") and f == 0:
        f = 1  # crashed or timed out without a failing assertion: still a failure
    print(f"{sys.argv[2]} {name.replace(' ', '')} {p} {f} {s}")
PY
}
count_meson_log "$B/meson-logs/testlog.json" root

# The network tests again in the portable build (the poll() loop and the portable calls).
portable_t1=$(date +%s)
meson test -C "$P" --no-rebuild --print-errorlogs --num-processes 2 "${PORTABLE_TESTS[@]}" \
	>"$P/meson-test.out" 2>&1
portable_rc=$?
[ "$portable_rc" -eq 0 ] || tail -n 30 "$P/meson-test.out"
count_meson_log "$P/meson-logs/testlog.json" portable
if [ "$portable_rc" -ne 0 ] && [ "$meson_rc" -eq 0 ]; then
	meson_rc=$portable_rc
fi
# The proxy's objects in that build must not use a Linux-only call (evloop.c keeps its epoll
# back-end on Linux for comparison, and is left out).
linux_only='accept4|pipe2|eventfd|getrandom|splice|epoll_[a-z_]*|pthread_condattr_setclock'
# (it fails, not passes, when it cannot look: no directory, fewer objects than the proxy has,
# or nm failing on one)
bad=$(cd "$P/src/lib/libsrt-internal.a.p" 2>/dev/null || { echo "no object directory"; exit; }
	n=0
	for o in net_*.o shared_compat.c.o; do
		[ -f "$o" ] || continue
		n=$((n + 1))
		syms=$(nm -u "$o") || { echo "$o: nm failed"; continue; }
		printf '%s\n' "$syms" | grep -Ew "$linux_only" | sed "s|^|$o: |"
	done
	[ "$n" -ge 8 ] || echo "only $n of the proxy's objects found")
if [ -z "$bad" ]; then
	echo "portable linux-only-symbols 1 0 0" >>"$results"
else
	echo "--- portable build: Linux-only calls in the proxy's objects:"
	echo "$bad"
	echo "portable linux-only-symbols 0 1 0" >>"$results"
fi
echo "portable network build: compile ${portable_build_s}s, tests $(($(date +%s) - portable_t1))s"

# The integration suite and the escape battery again as an unprivileged user (CI runs as root; root must not mean
# "no sandbox" and the unprivileged path must work too).
if [ "$(id -u)" -eq 0 ]; then
	user=srt-test
	id "$user" >/dev/null 2>&1 || useradd -m -s /bin/bash "$user"
	D=$(mktemp -d /tmp/srt-ci-user.XXXXXX)
	mkdir -p "$D/cli" "$D/lib" "$D/tests" "$D/connect" "$D/exec" "$D/launch" "$D/report"
	cp "$B/src/cli/srt" "$D/cli/"
	cp "$B/src/connect/srt-connect" "$D/connect/"
	cp "$B/src/exec/srt-exec" "$D/exec/"
	cp "$B/src/launch/srt-launch" "$D/launch/"
	cp "$B/src/report/srt-report.so" "$D/report/"
	find "$B/src/lib" -maxdepth 1 -name "libsrt.so*" ! -name "*.p" -exec cp -P {} "$D/lib/" \;
	cp "$B/tests/helpers/srt-probe" "$B/tests/integration/srt-api-test" "$D/"
	cp "$B/tests/escape/esc-probe" "$D/"
	cp -r tests/integration tests/escape tests/data "$D/tests/"
	cp -r examples "$D/"
	chmod -R a+rX "$D"
	uhome=$(getent passwd "$user" | cut -d: -f6)
	for t in tests/integration/test-*.sh tests/escape/test-*.sh test-api; do
		name=$(basename "$t")
		if [ "$t" = test-api ]; then
			cmd=("$D/srt-api-test") # libsrt through its header (tests/api)
		else
			cmd=(bash "$D/$t")
			name=$(basename "$(dirname "$t")")/$name
		fi
		out=$(cd / && setpriv --reuid="$user" --regid="$user" --init-groups \
			env -i HOME="$uhome" PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
			LD_LIBRARY_PATH="$D/lib" \
			SRT="$D/cli/srt" SRT_PROBE="$D/srt-probe" SRT_TEST_DATA="$D/tests/data" \
			SRT_CONNECT="$D/connect/srt-connect" SRT_EXEC="$D/exec/srt-exec" \
			SRT_TESTS_DIR="$D/tests/integration" SRT_TESTS_MUST_WORK=1 ESC_PROBE="$D/esc-probe" \
			UBSAN_OPTIONS="$UBSAN_OPTIONS" ASAN_OPTIONS="$ASAN_OPTIONS" \
			timeout 300 "${cmd[@]}" 2>"$D/${name//\//-}.err")
		rc=$?
		p=$(grep -cE '^ok [0-9]+' <<<"$out" | tr -d ' ')
		s=$(grep -cE '^ok [0-9]+.*# SKIP|^1\.\.0 # SKIP' <<<"$out")
		# a known escape is "not ok ... # TODO" (counted as skipped, as in the root run)
		s=$((s + $(grep -cE '^not ok [0-9]+.*# TODO' <<<"$out")))
		f=$(grep -E '^not ok [0-9]+' <<<"$out" | grep -cv '# TODO')
		p=$((p - $(grep -cE '^ok [0-9]+.*# SKIP' <<<"$out")))
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
		if [ "$f" -ne 0 ]; then
			echo "--- as $user: $name failed:"
			grep -E '^not ok|^#' <<<"$out" | head -40
			head -20 "$D/${name//\//-}.err"
		fi
		echo "user $name $p $f $s" >>"$results"
	done
	rm -rf "$D"
fi

echo "--- per test (who name passed failed skipped):"
column -t "$results" 2>/dev/null || cat "$results"
read -r P F S < <(awk '{p+=$3; f+=$4; s+=$5} END {print p+0, f+0, s+0}' "$results")
rm -f "$results"
if [ "$meson_rc" -ne 0 ] && [ "$F" -eq 0 ]; then
	F=1
fi
if [ "$S" -gt 0 ]; then
	echo "$P passed, $F failed, $S skipped"
else
	echo "$P passed, $F failed"
fi
[ "$F" -eq 0 ]
