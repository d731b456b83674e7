#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Attack (field notes 19-22; own ideas): change a read-only (denyWrite) file or reach a hidden
# (denyRead) one through calls other than write(): chmod, utimes, truncate(), open(O_TRUNC),
# a FICLONE reflink and copy onto it, a FIFO or a new file renamed over it, a hard link to it
# (then written), a symlink planted in the write root pointing at it, and a new file created
# inside the hidden directory.
# Checks: every attempt fails; the host files keep their content, mode and times.
. "$(dirname "$0")/libescape.sh"

mkdir -p "$HOME/secret" && echo top-secret >"$HOME/secret/key"
echo original >"$T/proj/protected.txt"
chmod 644 "$T/proj/protected.txt"
touch -d 2020-01-01 "$T/proj/protected.txt"
SF=$T/fsmeta.json
settings "$SF" "{\"denyRead\":[\"$HOME/secret\"],\"allowWrite\":[\".\"],\"denyWrite\":[\"$T/proj/protected.txt\"]}"
stat_before=$(stat -c '%s %a %Y' "$T/proj/protected.txt")
home_before=$(host_snapshot "$HOME")
F=$T/proj/protected.txt
inside "$SF" 'r() { "$@" 2>/dev/null && echo OK || echo FAIL; }
echo chmod=$(r chmod 666 '"$F"')
echo utime=$(r touch '"$F"')
echo truncate=$(r truncate -s 0 '"$F"')
echo otrunc=$(r sh -c ": >'"$F"'")
echo reflink=$(r cp --reflink=always /etc/hostname '"$F"')
echo copy=$(r cp /etc/hostname '"$F"')
mkfifo fifo 2>/dev/null; echo fifo=$($Q rename fifo '"$F"')
echo x >new; echo over=$($Q rename new '"$F"')
echo hardlink=$($Q link '"$F"' hl)
echo hlwrite=$($Q append hl)
ln -s '"$F"' sl 2>/dev/null; echo symlink=$($Q append sl)
echo secret=$(cat '"$HOME"'/secret/key 2>/dev/null || echo FAIL)
echo hidden_new=$($Q open-write '"$HOME"'/secret/new)
echo hidden_chmod=$(r chmod 777 '"$HOME"'/secret)'
for k in chmod utime truncate otrunc reflink copy fifo over hlwrite symlink hidden_new hidden_chmod; do
	failed "$(res $k)" "protected file or hidden directory: $k"
done
failed "$(res hardlink)" "a hard link to the read-only file (EXDEV across mounts)"
is "$(res secret)" FAIL "the hidden file stays unreadable"
is "$(cat "$F")" original "the read-only file's content is unchanged on the host"
is "$(stat -c '%s %a %Y' "$F")" "$stat_before" "...and its size, mode and time"
is "$(host_snapshot "$HOME")" "$home_before" "the hidden directory is unchanged on the host"
done_testing
