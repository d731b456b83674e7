#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack (field notes 6; runc CVE-2019-5736 class, Ona's /proc/self/root bypass): reach a
# denied file through a /proc magic link instead of its path: /proc/self/root/..., the root,
# cwd and fd links of bubblewrap's pid 1, an O_PATH descriptor re-opened for writing through
# /proc/self/fd, open_by_handle_at, and /proc/<host pid>/root.
# Checks: the policy is made of mounts, so every spelling meets the same mount: hidden files
# stay unreadable, read-only ones unwritable; the host files are unchanged.
. "$(dirname "$0")/libescape.sh"

mkdir -p "$HOME/secret" && echo top-secret >"$HOME/secret/key"
echo original >"$T/proj/protected.txt"
SM=$T/magic.json
settings "$SM" "{\"denyRead\":[\"$HOME/secret\"],\"allowWrite\":[\".\"],\"denyWrite\":[\"$T/proj/protected.txt\"]}"
before=$(host_snapshot "$T/proj"; host_snapshot "$HOME")
inside "$SM" 'echo self_root=$(cat /proc/self/root'"$HOME"'/secret/key 2>&1 || echo FAIL)
echo pid1_root=$(cat /proc/1/root'"$HOME"'/secret/key 2>&1 || echo FAIL)
echo pid1_cwd=$($Q append /proc/1/cwd/protected.txt)
echo self_cwd=$($Q append /proc/self/cwd/protected.txt)
echo reopen=$($P reopen-write '"$T"'/proj/protected.txt)
echo reopen_root=$($P reopen-write /proc/self/root'"$T"'/proj/protected.txt)
echo handle=$($P open-by-handle '"$T"'/proj/protected.txt)
echo host_root=$(ls /proc/'$$'/root/ 2>&1 >/dev/null | grep -c "No such")'
like "$(res self_root)" FAIL "/proc/self/root/<denied file>: unreadable"
unlike "$OUT" top-secret "the secret never appears in the output"
like "$(res pid1_root)" FAIL "/proc/1/root/<denied file> (bubblewrap's pid 1): unreadable"
failed "$(res pid1_cwd)" "append through /proc/1/cwd/<read-only file>"
failed "$(res self_cwd)" "append through /proc/self/cwd/<read-only file>"
failed "$(res reopen)" "O_PATH descriptor re-opened for writing through /proc/self/fd"
failed "$(res reopen_root)" "the same through /proc/self/root"
failed "$(res handle)" "open_by_handle_at (needs CAP_DAC_READ_SEARCH)"
is "$(res host_root)" 1 "/proc/<host pid>/root does not exist inside"
is "$(cat "$T/proj/protected.txt")" original "the read-only file is unchanged on the host"
is "$(host_snapshot "$T/proj"; host_snapshot "$HOME")" "$before" "nothing was created or changed on the host"
done_testing
