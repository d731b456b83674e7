# SPDX-License-Identifier: Apache-2.0
# Shared helpers of the escape battery (tests/escape/test-*.sh), on top of the integration
# tests' libtest.sh (TAP, $T, HOME=$T/home, srt_run, probe, host_snapshot).
#
# Environment: SRT, SRT_PROBE, ESC_PROBE (tests/escape/esc-probe).
# Every test states its attack at the top, runs it inside a real srt sandbox, and checks both
# that the attempt failed and that the host is unchanged. They run as root (CI) and again as
# the unprivileged user srt-test (scripts/test.sh).
. "$(dirname "${BASH_SOURCE[0]}")/../integration/libtest.sh"
: "${ESC_PROBE:?ESC_PROBE must point at esc-probe}"
require_sandbox
cd "$T/proj" || exit 1

# The settings most tests use: no network, the project directory writable.
S=$T/s.json
settings "$S" '{"denyRead":[],"allowWrite":["."],"denyWrite":[]}'

# esc SETTINGS SUBCOMMAND ARGS...: esc-probe inside a sandbox; $OUT is its one-line result.
esc() {
	local s=$1
	shift
	srt_run -s "$s" -- "$ESC_PROBE" "$@"
}

# failed RESULT DESCRIPTION: the attempt did not work (any errno or signal, never OK).
failed() {
	case "$1" in
	OK | "" | USAGE)
		ok 1 "$2"
		printf '#   got: %s (the attempt worked or the probe did not run)\n' "${1:-nothing}"
		;;
	*) ok 0 "$2 ($1)" ;;
	esac
}

# known_escape STATUS DESCRIPTION REASON: an escape that cannot be closed yet. STATUS 0 means
# the attack failed (then this is an ordinary passing assertion, which meson reports as an
# unexpected pass so that the TODO is removed); otherwise a TAP TODO, counted as skipped.
known_escape() {
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2 # TODO known escape: $3"
	else
		echo "not ok $_tap_n - $2 # TODO known escape: $3"
	fi
}

# host_procs MARK: pids of host processes whose command line contains MARK (none expected).
host_procs() {
	local p c out=
	for p in /proc/[0-9]*; do
		c=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)
		[[ $c == *"$1"* ]] && out="$out ${p#/proc/}"
	done
	echo "${out# }"
}

# wait_for FILE: up to 5 s for FILE to exist and be non-empty.
wait_for() {
	local i
	for i in $(seq 100); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# inside SETTINGS SCRIPT: runs the sh SCRIPT in one sandbox (many attempts for the price of one
# start); SCRIPT prints KEY=RESULT lines, which `res KEY` returns. $P is esc-probe inside.
inside() {
	local s=$1
	shift
	srt_run -s "$s" -- /bin/sh -c "P='$ESC_PROBE'; Q='$SRT_PROBE'; $1"
}
res() {
	sed -n "s/^$1=//p" <<<"$OUT" | head -n 1
}
