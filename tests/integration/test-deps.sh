#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Fail closed: when a layer cannot be set up, srt refuses to run the command and says why.
. "$(dirname "$0")/libtest.sh"
require_sandbox
cd "$T/proj" || exit 1

# no bubblewrap on PATH
OUT=$(env PATH=/nonexistent "$SRT" /bin/touch "$T/ran" 2>&1)
RC=$?
is "$RC" 125 "bwrap missing: status 125"
like "$OUT" "bubblewrap ('bwrap') was not found" "bwrap missing: says so"
like "$OUT" "Hint: install it" "bwrap missing: with a hint"
[ ! -e "$T/ran" ]
ok $? "bwrap missing: the command did not run"

# user namespaces disabled (the limit is per user namespace, so a child namespace with the
# limit at 0 shows srt exactly what a host with them disabled looks like)
if unshare -U --map-root-user true 2>/dev/null; then
	OUT=$(unshare -U --map-root-user sh -c \
		'echo 0 > /proc/sys/user/max_user_namespaces && exec "$0" /bin/touch "$1"' \
		"$SRT" "$T/ran2" 2>&1)
	RC=$?
	is "$RC" 125 "user namespaces disabled: status 125"
	like "$OUT" "user namespaces are disabled" "user namespaces disabled: says so"
	like "$OUT" "Hint: sysctl" "user namespaces disabled: with a hint"
	[ ! -e "$T/ran2" ]
	ok $? "user namespaces disabled: the command did not run"
else
	skip_all "cannot create a user namespace to simulate the condition"
fi

# a bwrap too old for srt (a fake binary without the options srt needs)
mkdir -p "$T/fakebin"
printf '#!/bin/sh\nexit 0\n' >"$T/fakebin/bwrap"
chmod +x "$T/fakebin/bwrap"
OUT=$(env PATH="$T/fakebin:/usr/bin:/bin" "$SRT" /bin/touch "$T/ran3" 2>&1)
RC=$?
is "$RC" 125 "unusable bwrap: status 125"
like "$OUT" "lacks the option" "unusable bwrap: names the missing option"
[ ! -e "$T/ran3" ]
ok $? "unusable bwrap: the command did not run"

done_testing
