#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack (field notes 8; reference S5): create a nested user namespace, where the command has
# every capability over a private copy of the mount tree, then unmount a mask, remount a
# read-only bind read-write or mount over a denied path; also join another namespace.
# Checks, default settings: unshare(CLONE_NEWUSER), clone(CLONE_NEWUSER) and the unshare
# program fail. With allowNestedUserNamespaces (documented as weaker), the namespace can be
# made, but mounts inherited from the sandbox are locked: the mask stays, the read-only
# binds stay read-only, and the host files are unchanged.
. "$(dirname "$0")/libescape.sh"
command -v unshare >/dev/null || skip_all "unshare (util-linux) needed"

mkdir -p "$HOME/secret" && echo top-secret >"$HOME/secret/key"
echo original >"$T/proj/protected.txt"
fs="{\"denyRead\":[\"$HOME/secret\"],\"allowWrite\":[\".\"],\"denyWrite\":[\"$T/proj/protected.txt\"]}"
SN=$T/nested.json
settings "$SN" "$fs"
SY=$T/nested-yes.json
settings "$SY" "$fs" '"allowNestedUserNamespaces":true'

inside "$SN" 'echo unshare=$($Q unshare-user); echo clone=$($Q clone-newuser)
unshare -Urm true 2>/dev/null; echo prog=$?
echo netns=$($P setns /proc/self/ns/net); echo userns=$($P setns /proc/self/ns/user)'
is "$(res unshare)" EPERM "unshare(CLONE_NEWUSER): EPERM"
is "$(res clone)" EPERM "clone(CLONE_NEWUSER): EPERM"
[ "$(res prog)" != 0 ]
ok $? "unshare -Urm fails"
failed "$(res netns)" "setns into a network namespace"
failed "$(res userns)" "setns into a user namespace"

# The weaker setting: a nested namespace with capabilities over locked mounts.
# esc-probe nested: unshare(CLONE_NEWUSER | CLONE_NEWNS) and, without an exec that would drop
# them, use the capabilities it gives over the private copy of the mount tree.

srt_run -s "$SY" -- "$ESC_PROBE" nested "$HOME/secret" "$T/proj/protected.txt" "$T/proj"
is "$(res unshare)" OK "allowNestedUserNamespaces: the nested namespace is made (documented)"
is "$(res capeff)" 000001ffffffffff "allowNestedUserNamespaces: with every capability inside it"
srt_run -s "$SY" -- /bin/sh -c "'$ESC_PROBE' nested '$HOME/secret' '$T/proj/protected.txt' '$T/proj'; cat '$HOME/secret/key' 2>/dev/null || echo unmask=FAIL"
failed "$(res umount)" "allowNestedUserNamespaces: the mask over the denied directory cannot be unmounted (locked)"
is "$(res unmask)" FAIL "allowNestedUserNamespaces: the denied file stays unreadable"
unlike "$OUT" top-secret "allowNestedUserNamespaces: the secret is never read"
failed "$(res remount)" "allowNestedUserNamespaces: a read-only bind cannot be remounted read-write"
failed "$(res write)" "allowNestedUserNamespaces: the protected file stays unwritable"
failed "$(res rootrw)" "allowNestedUserNamespaces: / cannot be remounted read-write"
is "$(cat "$T/proj/protected.txt")" original "the protected file is unchanged on the host"
echo "# a tmpfs over the write root inside the nested namespace: $(res tmpfs) (its own view only)"
grep -qF "$T/proj" /proc/self/mountinfo
ok $((!$?)) "the host's mount table has nothing of the sandbox's"
done_testing
