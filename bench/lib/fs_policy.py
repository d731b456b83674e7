# SPDX-License-Identifier: Apache-2.0
"""Filesystem policy scan benchmark (issue 5). Called by bench/fs-policy, which makes WORKDIR."""

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

# Deny globs of the kind users write (field notes 1.1 A, CC#84681), relative to the tree.
GLOBS = ["**/*.pem", "**/.env", "**/.env.*", "**/secrets/**", "**/*.key"]
# The reference's mandatory-deny scan (sandbox-runtime 0.0.21, srt-behaviour.md section 7.2).
RG_MANDATORY = [".gitconfig", ".gitmodules", ".bashrc", ".bash_profile", ".zshrc", ".zprofile",
                ".profile", ".ripgreprc", ".mcp.json", "**/.vscode/**", "**/.idea/**",
                "**/.claude/commands/**", "**/.claude/agents/**", "**/.git/hooks/**",
                "**/.git/config"]


def touch(path, data=None):
    if data is None:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o644))
    else:
        with open(path, "w") as f:
            f.write(data)


def files_in(d, names):
    os.makedirs(d, exist_ok=True)
    for n in names:
        touch(os.path.join(d, n))
    return len(names)


def fake_repo(top, objects=0):
    g = os.path.join(top, ".git")
    for d in ("hooks", "refs/heads", "info", "objects/pack"):
        os.makedirs(os.path.join(g, d), exist_ok=True)
    touch(os.path.join(g, "config"), "[core]\n\trepositoryformatversion = 0\n")
    touch(os.path.join(g, "HEAD"), "ref: refs/heads/main\n")
    n = 2 + files_in(os.path.join(g, "hooks"), [f"{h}.sample" for h in
                                                ("pre-commit", "pre-push", "commit-msg")])
    for i in range(objects):
        n += files_in(os.path.join(g, "objects", f"{i % 256:02x}"), [f"{i:038x}"])
    return n


def package(d, files, nested):
    """A node_modules package: metadata, lib/, dist/, test/ (with a fixture key now and then)."""
    n = files_in(d, ["package.json", "README.md", "index.js", "LICENSE"])
    per = max(1, (files - 4) // 4)
    n += files_in(os.path.join(d, "lib"), [f"m{i}.js" for i in range(per)])
    n += files_in(os.path.join(d, "lib", "util"), [f"u{i}.js" for i in range(per)])
    n += files_in(os.path.join(d, "dist"), [f"d{i}.js" for i in range(per)])
    n += files_in(os.path.join(d, "test"), [f"t{i}.js" for i in range(per)])
    for k in range(nested):
        n += package(os.path.join(d, "node_modules", f"dep{k}"), max(8, files // 3), 0)
    return n


def make_tree(root, scale):
    """About 300,000 files at scale 1.0 (see bench/README.md for the shape)."""
    n = 0
    os.makedirs(root)
    n += fake_repo(root, objects=int(10000 * scale))
    for v in range(3):  # vendored repositories
        vd = os.path.join(root, "vendor", f"v{v}")
        n += fake_repo(vd)
        for m in range(int(60 * scale)):
            n += files_in(os.path.join(vd, "src", f"m{m}"), [f"f{i}.c" for i in range(50)])
    nm = os.path.join(root, "node_modules")
    for p in range(int(1800 * scale)):
        name = f"@scope{p % 20}/pkg{p}" if p % 7 == 0 else f"pkg{p}"
        n += package(os.path.join(nm, name), 60, 3 if p % 5 == 0 else 0)
        if p % 40 == 0:
            touch(os.path.join(nm, name, "test", "fixture.pem"))
            n += 1
    for m in range(int(250 * scale)):
        for s in range(10):
            n += files_in(os.path.join(root, "src", f"mod{m:03d}", f"s{s}"),
                          [f"f{i}.ts" for i in range(40)])
        if m % 10 == 0:
            touch(os.path.join(root, "src", f"mod{m:03d}", ".env"), "K=v\n")
            touch(os.path.join(root, "src", f"mod{m:03d}", "s1", "server.key"))
            n += 2
    for b in range(int(500 * scale)):
        n += files_in(os.path.join(root, "build", f"b{b:03d}"), [f"o{i}.o" for i in range(100)])
    for s in range(5):
        n += files_in(os.path.join(root, "config", f"env{s}", "secrets"), ["db.pem", "token"])
    touch(os.path.join(root, ".env"), "ROOT=1\n")
    touch(os.path.join(root, ".env.local"), "X=1\n")
    n += 2
    n_files = n_dirs = 0
    for _, ds, fs in os.walk(root):
        n_dirs += len(ds)
        n_files += len(fs)
    return n_files, n_dirs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--srt", required=True)
    ap.add_argument("--scan", required=True)
    ap.add_argument("--rg")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--json-dir")
    a = ap.parse_args()

    tree = os.path.join(a.workdir, "tree")
    cache = os.path.join(a.workdir, "cache")
    home = os.path.join(a.workdir, "home")
    os.makedirs(home)
    os.makedirs(cache, mode=0o700)
    t0 = time.monotonic()
    n_files, n_dirs = make_tree(tree, a.scale)
    t_gen = time.monotonic() - t0
    # directories changed within a second before a scan are never cached (timestamp ticks)
    time.sleep(1.2)

    env = {k: v for k, v in os.environ.items() if k not in ("SRT_DEBUG", "RIPGREP_CONFIG_PATH")}
    env["HOME"] = home
    globs = [os.path.join(tree, g) for g in GLOBS]
    scan = [a.scan, "--cache", cache, "--root", tree]
    for g in globs:
        scan += ["--glob", g]

    def run_once(argv):
        p = subprocess.run(argv, env=env, capture_output=True, text=True)
        if p.returncode != 0:
            bl.die(f"{argv[0]} failed ({p.returncode}): {p.stderr}")
        return p.stdout.strip()

    first_line = run_once(scan + ["--drop-cache"])
    again_line = run_once(scan)
    print("srt filesystem policy scan benchmark (issue 5)")
    print(f"  scan:   {a.scan} (srt's fs-scan.c from the internal library)")
    print(f"  rg:     {a.rg or 'not found: ripgrep comparison skipped'}")
    print(f"  kernel: {os.uname().release}, {os.cpu_count()} CPUs, uid {os.getuid()}")
    print(f"  tree:   {n_files} files, {n_dirs} directories (node_modules fan-out, src, build,"
          f" 4 .git directories, .pem/.env/.key files); generated in {t_gen:.1f} s")
    print(f"  rules:  {', '.join(GLOBS)} + mandatory denies, depth 3, one walk")
    print(f"  first:  {first_line}")
    print(f"  again:  {again_line}")
    print(f"  runs:   {a.runs} per command after {a.warmup} warm-up runs (hyperfine -N),"
          " page cache warm; the first scan drops srt's scan cache before each run")
    print(flush=True)

    res = {}
    res["first"] = bl.hyperfine("srt scan, first (no scan cache)", scan + ["--drop-cache"],
                                a.runs, a.warmup, env=env, json_dir=a.json_dir)
    res["again"] = bl.hyperfine("srt scan, repeated (scan cache)", scan, max(a.runs, 30),
                                a.warmup, env=env, json_dir=a.json_dir)
    # the scan's own time, as the driver measures it around fs_scan(): what srt pays, without
    # starting a process (exec, dynamic linking), which srt has already done when it scans
    inproc = []
    for _ in range(max(a.runs, 30)):
        line = run_once(scan)
        if "from-cache 1" not in line:
            bl.die(f"the repeated scan did not use its cache: {line}")
        inproc.append(float(line.rsplit(" ms ", 1)[1]))
    inproc.sort()
    in_med = inproc[len(inproc) // 2]
    in_p90 = inproc[min(len(inproc) - 1, (len(inproc) * 9) // 10)]
    res["nocache"] = bl.hyperfine("srt scan, no cache at all",
                                  [x for x in scan if x not in ("--cache", cache)],
                                  a.runs, a.warmup, env=env, json_dir=a.json_dir)
    if a.rg:
        argv = [a.rg, "--files", "--hidden"]
        for g in GLOBS:
            argv += ["-g", g]
        argv.append(tree)
        p = subprocess.run(argv, env=env, capture_output=True, text=True)
        if p.returncode not in (0, 1):
            bl.die(f"ripgrep failed ({p.returncode}): {p.stderr}")
        res["rg"] = bl.hyperfine(f"rg --files --hidden, {len(GLOBS)} globs, one run"
                                 f" ({len(p.stdout.splitlines())} paths)", argv, a.runs,
                                 a.warmup, env=env, json_dir=a.json_dir)
        per = []
        for g in GLOBS:
            r = bl.hyperfine(f"rg --files --hidden -g {g}",
                             [a.rg, "--files", "--hidden", "-g", g, tree],
                             a.runs, a.warmup, env=env, json_dir=a.json_dir)
            per.append(r)
        res["rg-per"] = per
        margv = [a.rg, "--files", "--hidden", "--max-depth", "3"]
        for g in RG_MANDATORY:
            margv += ["--iglob", g]
        margv += ["-g", "!**/node_modules/**", tree]
        res["rg-mand"] = bl.hyperfine("rg mandatory-deny scan (reference, depth 3)", margv,
                                      a.runs, a.warmup, env=env, json_dir=a.json_dir)

    # srt end to end, repeated in the same directory: the scan cache, placeholders and mounts
    # (and with the five globs as denyRead entries: the scan's matches become mounts)
    for key, aw, dr in (("e2e-base", [], []), ("e2e", [tree], []), ("e2e-globs", [tree], globs)):
        s = {"network": {"allowedDomains": [], "deniedDomains": []},
             "filesystem": {"denyRead": dr, "allowWrite": aw, "denyWrite": []}}
        path = os.path.join(a.workdir, f"settings-{key}.json")
        with open(path, "w") as f:
            json.dump(s, f)
        res[key] = bl.hyperfine(
            "srt --settings S true, " + ("allowWrite [tree] + denyRead 5 globs, repeated" if dr
                                         else "allowWrite [tree], repeated" if aw else
                                         "no write root (baseline)"),
            [a.srt, "--settings", path, "true"], a.runs, a.warmup + 1, cwd=a.workdir, env=env,
            json_dir=a.json_dir)

    rows = []
    for key in ("first", "again", "nocache", "rg", "rg-mand", "e2e-base", "e2e", "e2e-globs"):
        if key in res:
            rows.append([res[key].name, f"{res[key].median:.2f}", f"{res[key].p90:.2f}"])
        if key == "again":
            rows.append(["srt scan, repeated, fs_scan() alone (driver's own clock)",
                         f"{in_med:.2f}", f"{in_p90:.2f}"])
    for r in res.get("rg-per", []):
        rows.append([r.name, f"{r.median:.2f}", f"{r.p90:.2f}"])
    bl.print_table(rows, ["benchmark", "median ms", "p90 ms"])
    print()
    first, again = res["first"].median, res["again"].median
    print(f"fs-policy: {n_files} files: first scan = {first:.1f} ms (target < 1000 ms:"
          f" {'met' if first < 1000 else 'NOT met'}), repeated = {again:.1f} ms (target < 50 ms:"
          f" {'met' if again < 50 else 'NOT met'}, as a whole process); fs_scan() alone"
          f" repeated = {in_med:.1f} ms ({'met' if in_med < 50 else 'NOT met'})")
    if "rg" in res:
        rg = res["rg"].median
        per = sum(r.median for r in res["rg-per"])
        both = rg + res["rg-mand"].median
        print(f"fs-policy: ripgrep glob expansion = {rg:.1f} ms in one run, {per:.1f} ms one run"
              f" per glob; with the reference's mandatory scan {both:.1f} ms")
        print(f"fs-policy: ratio ripgrep (globs + mandatory) / srt first scan = "
              f"{bl.fmt_ratio(both, first)}; / srt repeated scan = {bl.fmt_ratio(both, again)};"
              f" ripgrep one run per glob / srt repeated = {bl.fmt_ratio(per + res['rg-mand'].median, again)}")
    else:
        print("fs-policy: ripgrep not installed: no comparison")
    e2e = res["e2e"].median - res["e2e-base"].median
    print(f"fs-policy: srt true with allowWrite [tree], repeated: +{e2e:.1f} ms over no write root"
          " (scan cache + placeholders + mounts)")
    e2g = res["e2e-globs"].median - res["e2e-base"].median
    print(f"fs-policy: srt true with allowWrite [tree] and the {len(GLOBS)} globs as denyRead,"
          f" repeated: +{e2g:.1f} ms over no write root (one mount per match)")


if __name__ == "__main__":
    main()
