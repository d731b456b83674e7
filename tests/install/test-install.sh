#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `meson install` into a DESTDIR: the files land where a distribution expects them, the
# shared library has a versioned soname and exports only srt_* symbols, pkg-config describes
# it, and the embedding example builds against the installed tree alone and runs a sandbox.
# Environment: BUILD_ROOT (the meson build directory), SOURCE_ROOT.
set -u
n=0 failed=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi; }
: "${BUILD_ROOT:?}" "${SOURCE_ROOT:?}"
D=$(mktemp -d /tmp/srt-install.XXXXXX)
trap 'rm -rf "$D"' EXIT

meson install -C "$BUILD_ROOT" --destdir "$D" --no-rebuild --quiet >"$D/install.log" 2>&1
ok $? "meson install --destdir"
prefix=$(meson introspect "$BUILD_ROOT" --buildoptions | python3 -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
san = o.get("b_sanitize", "none")
san = ",".join(san) if isinstance(san, list) else san
print(o["prefix"], o["libdir"], o["libexecdir"], o["mandir"], o["includedir"], o["bindir"],
      "" if san in ("none", "") else "-fsanitize=" + san)')
# SAN: a sanitized build's library needs a program built with the same sanitizers
read -r P LIB LIBEXEC MAN INC BIN SAN <<<"$prefix"
R=$D$P
for f in "$BIN/srt" "$LIB/libsrt.so.0" "$LIB/libsrt.a" "$INC/srt/srt.h" "$LIB/pkgconfig/srt.pc" \
	"$LIBEXEC/srt/srt-connect" "$LIBEXEC/srt/srt-launch" "$MAN/man1/srt.1" "$MAN/man5/srt-settings.5"; do
	case $f in /*) path=$D$f ;; *) path=$R/$f ;; esac
	[ -e "$path" ]
	ok $? "installed: $f"
done
so=$(readlink -f "$R/$LIB/libsrt.so")
objdump -p "$so" | grep -q 'SONAME *libsrt.so.0$'
ok $? "soname libsrt.so.0"
bad=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBR]$/ && $3 !~ /^srt_/ {print $3}' | head -5)
[ -z "$bad" ]
ok $? "the shared library exports only srt_* symbols${bad:+ (also: $bad)}"
export PKG_CONFIG_PATH=$R/$LIB/pkgconfig
flags=$(pkg-config --define-variable=prefix="$R" --cflags --libs srt 2>&1)
ok $? "pkg-config srt ($flags)"
# shellcheck disable=SC2086
cc ${SAN:+"$SAN"} -o "$D/embed" "$SOURCE_ROOT/examples/embed.c" $flags >"$D/cc.log" 2>&1
ok $? "examples/embed.c builds against the installed tree with pkg-config"
out=$(cd "$D" && LD_LIBRARY_PATH=$R/$LIB "$D/embed" sh -c 'echo inside; touch written' 2>&1)
rc=$?
[ $rc -eq 0 ] && [[ $out == *inside* ]] && [ -e "$D/written" ]
ok $? "the example runs a sandbox that may write to its cwd (rc $rc)"
out=$(cd "$D" && LD_LIBRARY_PATH=$R/$LIB "$D/embed" sh -c 'touch /tmp/srt-install-escape 2>/dev/null; echo "touch=$?"' 2>&1)
[[ $out == *touch=1* ]] && [ ! -e /tmp/srt-install-escape ]
ok $? "... and nowhere else (${out%%$'\n'*})"
rm -f /tmp/srt-install-escape
echo "1..$n"
[ $failed -eq 0 ]
