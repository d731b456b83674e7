#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The shared rule table (tests/data/rule-table.txt), which test-seatbelt-rules.c checks against
# the macOS profile generator, run against the Linux sandbox: every rule set becomes a settings
# file below a private root ($T/root stands for "/"), every checked path a real file or
# directory there, and one sandbox per set reports what it can read and write. Both backends
# must agree on every check. Two documented differences are mapped, not skipped:
#   - paths under /dev: the macOS profile allows writing the standard devices; the Linux sandbox
#     has a /dev of its own, so a file the table puts there is an ordinary read-only file;
#   - the mandatory names are found to mandatoryDenySearchDepth on Linux (any depth on macOS):
#     the sets run with the maximum depth, 10, which holds every check of the table.
. "$(dirname "$0")/libtest.sh"
require_sandbox
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"

TABLE=$SRT_TEST_DATA/rule-table.txt
R=$T/root
mkdir -p "$R" "$T/sets"

# Builds the tree and, per set, SET.json (settings), SET.paths (mapped paths, one per line) and
# SET.want (the wanted access, one per line, in the same order).
python3 - "$TABLE" "$R" "$T/sets" <<'EOF' || exit 1
import json, os, sys

table, root, out = sys.argv[1:4]
sets, cur = [], None
for line in open(table, encoding="utf-8"):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    word, _, rest = line.partition(" ")
    if word == "set":
        cur = {"name": rest, "rules": [], "checks": [], "git": False}
        sets.append(cur)
    elif word == "option":
        cur["git"] = rest == "allowGitConfig"
    elif word == "rule":
        kind, _, pat = rest.partition(" ")
        cur["rules"].append((kind, pat))
    elif word == "check":
        rw, _, path = rest.partition(" ")
        cur["checks"].append((rw, path))

def mapped(p):
    return root if p == "/" else root + p

for s in sets:
    paths = [p for _, p in s["checks"]]
    # a checked path with another checked path below it is a directory, the others files
    dirs = {p for p in paths if any(q != p and (q.startswith(p.rstrip("/") + "/")) for q in paths)}
    for p in sorted(paths, key=len):
        m = mapped(p)
        if p in dirs or p == "/":
            os.makedirs(m, exist_ok=True)
        elif not os.path.exists(m):
            os.makedirs(os.path.dirname(m), exist_ok=True)
            with open(m, "w") as f:
                f.write("x\n")
    fs = {"denyRead": [], "allowRead": [], "allowWrite": [], "denyWrite": [],
          "allowGitConfig": s["git"]}
    for kind, pat in s["rules"]:
        fs[kind].append(mapped(pat))
    cfg = {"network": {"allowedDomains": [], "deniedDomains": []}, "filesystem": fs,
           "mandatoryDenySearchDepth": 10}
    with open(os.path.join(out, s["name"] + ".json"), "w") as f:
        json.dump(cfg, f)
    with open(os.path.join(out, s["name"] + ".paths"), "w") as f:
        for _, p in s["checks"]:
            f.write(mapped(p) + "\n")
    with open(os.path.join(out, s["name"] + ".want"), "w") as f:
        for rw, p in s["checks"]:
            # /dev: the Linux sandbox's own /dev (see the top of this file)
            if p.startswith("/dev/"):
                rw = "r-"
            f.write(rw + "\n")
EOF
chmod -R a+rX "$T/sets"

n_sets=0
for json in "$T"/sets/*.json; do
	set_name=$(basename "$json" .json)
	n_sets=$((n_sets + 1))
	srt_run -s "$json" -- sh -c '
		while IFS= read -r p; do
			r=-; w=-
			[ -r "$p" ] && r=r
			[ -w "$p" ] && w=w
			echo "$r$w"
		done <"$1"' sh "$T/sets/$set_name.paths"
	is "$RC" 0 "set $set_name: the sandbox ran"
	[ "$RC" = 0 ] || printf '#   %s\n' "$ERR"
	got_lines=()
	mapfile -t got_lines <<<"$OUT"
	mapfile -t want_lines <"$T/sets/$set_name.want"
	mapfile -t path_lines <"$T/sets/$set_name.paths"
	for i in "${!want_lines[@]}"; do
		is "${got_lines[$i]:-}" "${want_lines[$i]}" "set $set_name: ${want_lines[$i]} ${path_lines[$i]#"$R"}"
	done
done
[ "$n_sets" -ge 8 ]
ok $? "every rule set of the table was run ($n_sets)"
done_testing
