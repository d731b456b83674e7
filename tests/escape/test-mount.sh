#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack (reference S1; field notes 9): change the mount table: remount / read-write (the
# reference's root escape), bind the write root over a protected path, unmount a mask,
# pivot_root or chroot out; and mount propagation: a mount the host makes later below a denied
# directory, or a mount made inside showing up on the host.
# Checks: every mount call fails; the host's mount table gains nothing; a mount made by the
# "host" below a denied directory while the sandbox runs is not visible inside (the host here
# is a private mount namespace of the test's own, so the test needs no privilege and leaves
# the real host's mounts alone; the kernel's propagation rules are the same).
. "$(dirname "$0")/libescape.sh"
command -v unshare >/dev/null || skip_all "unshare (util-linux) needed"

mkdir -p "$HOME/secret" && echo top-secret >"$HOME/secret/key"
echo original >"$T/proj/protected.txt"
SM=$T/mount.json
settings "$SM" "{\"denyRead\":[\"$HOME/secret\"],\"allowWrite\":[\".\"],\"denyWrite\":[\"$T/proj/protected.txt\"]}"
mounts_before=$(grep -c . /proc/self/mountinfo)
inside "$SM" 'echo rootrw=$($Q remount-rw /); echo bind=$($P mount-bind '"$T/proj $T/proj/protected.txt"')
echo umask=$($P umount '"$HOME"'/secret); echo tmpfs=$($Q mount-tmpfs '"$HOME"'/secret)
mkdir -p '"$T"'/proj/new/old; echo pivot=$($P pivot-root '"$T/proj/new $T/proj/new/old"')
echo chroot=$($P chroot '"$T"'/proj); echo key=$(cat '"$HOME"'/secret/key 2>/dev/null)'
for k in rootrw bind umask tmpfs pivot chroot; do
	failed "$(res $k)" "mount-table change: $k"
done
is "$(res key)" "" "the denied file stays unreadable"
is "$(cat "$T/proj/protected.txt")" original "the protected file is unchanged"
is "$(grep -c . /proc/self/mountinfo)" "$mounts_before" "the host's mount table is unchanged"

# Propagation: the "host" (a private user+mount namespace) mounts a tmpfs below the denied
# directory and another over a path the sandbox sees, after the sandbox has started.
mkdir -p "$HOME/secret/later" "$T/visible"
# srt runs as the caller's own uid there (a nested user namespace mapping it back): as uid 0 of
# the private namespace its state directory would be /tmp/srt-0, which is root's.
cat >"$T/prop.sh" <<'SH'
$AS_SELF "$SRT" -s "$SM" -- /bin/sh -c 'while [ ! -e "$T/proj/go" ]; do sleep 0.05; done
ls "$HOME/secret/later" 2>&1; cat "$HOME/secret/later/leak" 2>/dev/null && echo LEAKED
ls "$T/visible"' >"$T/prop.out" 2>&1 &
sleep 0.5
mount -t tmpfs none "$HOME/secret/later" && echo leak >"$HOME/secret/later/leak"
mount -t tmpfs none "$T/visible" && echo host-file >"$T/visible/after"
touch "$T/proj/go"
wait
SH
if unshare -Urm --propagation unchanged true 2>/dev/null; then
	as_self=
	[ "$(id -u)" -eq 0 ] || as_self="unshare --map-user=$(id -u) --map-group=$(id -g)"
	T=$T SM=$SM HOME=$HOME AS_SELF=$as_self unshare -Urm --propagation unchanged bash "$T/prop.sh"
	o=$(cat "$T/prop.out")
	unlike "$o" LEAKED "a mount made later below a denied directory is not visible inside"
	like "$o" "secret/later" "the sandbox ran and looked below the denied directory (got: $(tr '\n' ' ' <<<"$o"))"
else
	ok 1 "unshare -Urm works here (needed for the propagation check)"
fi
done_testing
