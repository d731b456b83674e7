# SPDX-License-Identifier: Apache-2.0
# Shared helpers for the integration tests (bash, TAP output).
#
# Environment: SRT (the srt binary), SRT_PROBE (tests/helpers/srt-probe), SRT_TEST_DATA.
# Each test file gets a fresh temporary directory $T (removed at exit unless
# TEST_SKIP_CLEANUP=1) and runs with HOME=$T/home, so the user's real ~/.srt-settings.json and
# dotfiles are never touched.
set -u

: "${SRT:?SRT must point at the srt binary}"
: "${SRT_PROBE:?SRT_PROBE must point at srt-probe}"

_tap_n=0
_tap_failed=0

T=$(mktemp -d /tmp/srt-itest.XXXXXX)
chmod 755 "$T"
mkdir -p "$T/home" "$T/proj"
export HOME="$T/home"
unset SRT_DEBUG

cleanup() {
	if [ -z "${TEST_SKIP_CLEANUP:-}" ]; then
		chmod -R u+rwX "$T" 2>/dev/null
		rm -rf "$T"
	fi
}
trap cleanup EXIT

# skip_all REASON: the whole file cannot run here. Fails instead when SRT_TESTS_MUST_WORK=1.
skip_all() {
	if [ "${SRT_TESTS_MUST_WORK:-0}" = 1 ]; then
		echo "1..1"
		echo "not ok 1 - cannot run but SRT_TESTS_MUST_WORK=1: $*"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	exit 0
}

ok() { # ok CONDITION-STATUS DESCRIPTION
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
	fi
}

# is GOT WANT DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2"
	fi
}

# like GOT SUBSTRING DESCRIPTION
like() {
	case "$1" in
	*"$2"*) ok 0 "$3" ;;
	*)
		ok 1 "$3"
		printf '#   %s\n#   does not contain: %s\n' "$1" "$2"
		;;
	esac
}

unlike() {
	case "$1" in
	*"$2"*)
		ok 1 "$3"
		printf '#   %s\n#   contains: %s\n' "$1" "$2"
		;;
	*) ok 0 "$3" ;;
	esac
}

done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
	exit $?
}

# settings FILE JSON-FILESYSTEM-PART [EXTRA-TOP-LEVEL]: writes a settings file with no network.
settings() {
	local f=$1 fs=$2 extra=${3:-}
	printf '{"network":{"allowedDomains":[],"deniedDomains":[]},"filesystem":%s%s}\n' \
		"$fs" "${extra:+,$extra}" >"$f"
}

# srt_run ARGS...: runs srt, capturing stdout in $OUT, stderr in $ERR, status in $RC.
srt_run() {
	OUT=$("$SRT" "$@" 2>"$T/.stderr")
	RC=$?
	ERR=$(cat "$T/.stderr")
}

# landlock_applies SETTINGS PART: whether srt's Landlock layer applies PART ("TCP bind/connect",
# "filesystem writes", ...) with these settings on this kernel, as `srt --debug` reports it.
landlock_applies() {
	local line
	line=$("$SRT" --debug -s "$1" -- true 2>&1 | grep -m1 'landlock: ')
	line=${line%%not applied*}
	case "$line" in
	*"landlock: full"* | *"landlock: partial"*) [[ "$line" == *"$2"* ]] ;;
	*) return 1 ;;
	esac
}

# probe SETTINGS SUBCOMMAND ARGS...: runs srt-probe inside a sandbox; $OUT is its one-line result.
probe() {
	local s=$1
	shift
	srt_run -s "$s" -- "$SRT_PROBE" "$@"
}

# The sandbox needs bwrap and user namespaces.
require_sandbox() {
	command -v bwrap >/dev/null 2>&1 || skip_all "bwrap not installed"
	if ! bwrap --unshare-user --ro-bind / / true >/dev/null 2>&1; then
		skip_all "bwrap cannot create a user namespace here"
	fi
}

# host_snapshot DIR: a listing (paths, types, sizes, modes) to compare before/after a run.
host_snapshot() {
	(cd "$1" && find . -printf '%p %y %s %m\n' 2>/dev/null | LC_ALL=C sort)
}

# gone PATH: whether PATH does not exist, waiting up to 10 s for it to go. A placeholder stays
# while any sandbox uses it, and a concurrent test's sandbox with a write root above it (a scan
# of /tmp, say) may hold this test's placeholder for a moment after this test's run ended.
gone() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ -e "$1" ] || [ -L "$1" ] || return 0
		sleep 0.1
	done
	return 1
}
