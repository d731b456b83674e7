#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Refuses functions we never use (see docs/style.md): unbounded string writes, unchecked
# number parsing, shell-outs, dup without CLOEXEC, signal(). Prints TAP.
cd "$(dirname "$0")/.." || exit 1
banned='\b(sprintf|vsprintf|strcpy|strcat|gets|strtok|atoi|atol|system|popen|dup|signal|basename|dirname)\s*\('
n=0
fail=0
for f in $(git ls-files 'src/*.c' 'src/*.h' 2>/dev/null || find src -name '*.[ch]'); do
	n=$((n + 1))
	hits=$(grep -nP "$banned" "$f" | grep -vE '^\s*[0-9]+:\s*(/\*|\*)' || true)
	if [ -n "$hits" ]; then
		echo "not ok $n - $f"
		echo "$hits" | sed 's/^/#   /'
		fail=1
	else
		echo "ok $n - $f"
	fi
done
echo "1..$n"
exit $fail
