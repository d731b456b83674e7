# SPDX-License-Identifier: Apache-2.0
"""Mandatory-deny walk benchmark. Called by bench/mandatory-walk, which makes WORKDIR."""

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

# The reference's scan (sandbox-runtime 0.0.21, linuxGetMandatoryDenyPaths), as documented in
# /work/shared/reference/srt-behaviour.md section 7.2; allowGitConfig false.
RG_GLOBS = [".gitconfig", ".gitmodules", ".bashrc", ".bash_profile", ".zshrc", ".zprofile",
            ".profile", ".ripgreprc", ".mcp.json", "**/.vscode/**", "**/.idea/**",
            "**/.claude/commands/**", "**/.claude/agents/**", "**/.git/hooks/**",
            "**/.git/config"]


def rg_argv(rg, depth, root):
    argv = [rg, "--files", "--hidden", "--max-depth", str(depth)]
    for g in RG_GLOBS:
        argv += ["--iglob", g]
    return argv + ["-g", "!**/node_modules/**", root]


def touch(path, data=""):
    with open(path, "w") as f:
        f.write(data)


def fake_repo(top):
    """A directory that looks like a git repository to srt (.git with config and hooks)."""
    g = os.path.join(top, ".git")
    for d in ("hooks", "objects/pack", "refs/heads", "info"):
        os.makedirs(os.path.join(g, d), exist_ok=True)
    touch(os.path.join(g, "config"), "[core]\n\trepositoryformatversion = 0\n")
    touch(os.path.join(g, "HEAD"), "ref: refs/heads/main\n")
    touch(os.path.join(g, "description"), "x\n")
    for h in ("pre-commit.sample", "pre-push.sample", "commit-msg.sample"):
        touch(os.path.join(g, "hooks", h), "#!/bin/sh\n")
    touch(os.path.join(g, "info", "exclude"), "")


def make_tree(root, dirs, subdirs, files):
    """dirs x subdirs x files regular files, plus dot-directories, nested repositories at
    depths 1-3, a few protected files and a node_modules-like deep tree."""
    os.makedirs(root)
    for i in range(dirs):
        for j in range(subdirs):
            d = os.path.join(root, f"d{i:03d}", f"s{j:02d}")
            os.makedirs(d)
            for k in range(files):
                open(os.path.join(d, f"f{k:03d}.txt"), "w").close()
    # The tree itself is a repository; nested ones at depth 1, 2 and 3 (their .git one deeper).
    fake_repo(root)
    fake_repo(os.path.join(root, "vendored"))
    fake_repo(os.path.join(root, "d001", "sub-repo"))
    fake_repo(os.path.join(root, "d002", "s03", "deep-repo"))
    # Dot-directories and protected names at various depths.
    for rel in (".cache/a", ".cache/b/c", ".config/tool", ".vscode", "d003/.idea",
                ".claude/commands", "d004/s01/.claude/agents", "d005/.hidden/x/y"):
        os.makedirs(os.path.join(root, rel), exist_ok=True)
        for n in range(5):
            touch(os.path.join(root, rel, f"item{n}"))
    touch(os.path.join(root, ".vscode", "settings.json"), "{}\n")
    touch(os.path.join(root, "d006", ".bashrc"), "echo hi\n")
    touch(os.path.join(root, "d007", "s02", ".mcp.json"), "{}\n")
    os.makedirs(os.path.join(root, "d008", "s01", "x"))
    touch(os.path.join(root, "d008", "s01", "x", ".zshrc"), "")  # depth 4
    # node_modules: 40 packages, each 8 levels deep with a few files per level.
    nm = os.path.join(root, "node_modules")
    for p in range(40):
        d = os.path.join(nm, f"pkg{p:02d}")
        for lvl in range(8):
            d = os.path.join(d, f"l{lvl}")
            os.makedirs(d)
            for n in range(3):
                touch(os.path.join(d, f"m{n}.js"))
        touch(os.path.join(nm, f"pkg{p:02d}", "package.json"), "{}\n")
    n_files = n_dirs = 0
    for _, ds, fs in os.walk(root):
        n_dirs += len(ds)
        n_files += len(fs)
    return n_files, n_dirs


def skeleton_argv(argv, tree, skel, placeholders):
    """(argv without srt's descriptors, paths under tree moved to skel), creating under skel an
    empty file or directory for each path the argv names: bind mounts cost the same whatever
    the source holds, and srt's own placeholders in tree come and go with other srt runs."""
    kinds = dict((p, k) for k, p in placeholders)
    out, _ = bl.strip_srt_only_fds(argv)
    res = []
    for x in out:
        if x == tree or x.startswith(tree + "/"):
            y = skel + x[len(tree):]
            is_dir = kinds.get(x) == "directory" if x in kinds else os.path.isdir(x)
            if is_dir:
                os.makedirs(y, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(y), exist_ok=True)
                if not os.path.lexists(y):
                    open(y, "w").close()
            x = y
        res.append(x)
    return res


def settings(allow_write, depth=None):
    s = {"network": {"allowedDomains": [], "deniedDomains": []},
         "filesystem": {"denyRead": [], "allowWrite": allow_write, "denyWrite": []}}
    if depth is not None:
        s["mandatoryDenySearchDepth"] = depth
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--srt", required=True)
    ap.add_argument("--rg")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--rg-runs", type=int, default=10)
    ap.add_argument("--json-dir")
    a = ap.parse_args()

    home = os.path.join(a.workdir, "home")
    tree = os.path.join(a.workdir, "tree")
    os.makedirs(home)
    t0 = time.monotonic()
    n_files, n_dirs = make_tree(tree, 100, 10, 100)
    t_gen = time.monotonic() - t0

    paths = {}
    for key, s in (("base", settings([])), ("d3", settings([tree])),
                   ("d10", settings([tree], 10))):
        paths[key] = os.path.join(a.workdir, f"settings-{key}.json")
        with open(paths[key], "w") as f:
            json.dump(s, f, indent=1)

    env = {k: v for k, v in os.environ.items() if k not in ("SRT_DEBUG", "RIPGREP_CONFIG_PATH")}
    env["HOME"] = home
    cwd = a.workdir  # outside the tree, so srt does not scan the cwd as a root of its own

    print("srt mandatory-deny walk benchmark")
    print(f"  srt:    {a.srt}")
    print(f"  rg:     {a.rg or 'not found: ripgrep comparison skipped'}")
    print(f"  kernel: {os.uname().release}, {os.cpu_count()} CPUs, uid {os.getuid()}")
    print(f"  tree:   {tree}: {n_files} files, {n_dirs} directories"
          f" (100 x 10 x 100 grid + dot-directories, 4 repositories, node_modules 8 deep);"
          f" generated in {t_gen:.1f} s")
    print(f"  runs:   srt {a.runs} per command after {a.warmup} warm-up runs;"
          f" ripgrep {a.rg_runs} after 2 (hyperfine -N), wall time")
    info, bare = {}, {}
    skel = os.path.join(a.workdir, "skel")  # same length as "tree"
    for key in ("base", "d3", "d10"):
        st, lines = bl.srt_debug(a.srt, ["--settings", paths[key], "true"], cwd, env)
        if st != 0:
            bl.die(f"srt --settings {paths[key]} true failed with status {st}:\n"
                   + "\n".join(lines[-20:]))
        argv = bl.bwrap_argv_from_debug(lines) or []
        bare[key] = skeleton_argv(argv, tree, skel, bl.placeholders_from_debug(lines))
        scans = [ln.split("] ", 1)[1] for ln in lines if "mandatory-deny scan of" in ln]
        info[key] = (bl.count_mount_ops(argv), len(bl.placeholders_from_debug(lines)), scans)
        print(f"  srt {key:>4}: {info[key][0]} mount operations ({info[key][1]} placeholders"
              " created by this run)"
              + (f"; {'; '.join(scans)}" if scans else ""))
    print(flush=True)

    res = {}
    names = {"base": "srt, no write root (baseline)",
             "d3": "srt, allowWrite [tree], depth 3",
             "d10": "srt, allowWrite [tree], depth 10"}
    for key in ("base", "d3", "d10"):
        res[key] = bl.hyperfine(names[key], [a.srt, "--settings", paths[key], "true"], a.runs,
                                a.warmup, cwd=cwd, env=env, json_dir=a.json_dir)
    for key in ("base", "d3", "d10"):
        res["bare-" + key] = bl.hyperfine(
            f"bare bwrap, mounts of {key} ({bl.count_mount_ops(bare[key])})", bare[key],
            a.runs, a.warmup, cwd=cwd, env=env, json_dir=a.json_dir)
    if a.rg:
        for depth in (3, 10):
            argv = rg_argv(a.rg, depth, tree)
            p = subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True)
            if p.returncode not in (0, 1):
                bl.die(f"ripgrep failed ({p.returncode}): {p.stderr}")
            n_match = len(p.stdout.splitlines())
            res[f"rg{depth}"] = bl.hyperfine(
                f"ripgrep scan, --max-depth {depth} ({n_match} matches)", argv, a.rg_runs, 2,
                cwd=tree, env=env, json_dir=a.json_dir)

    base = res["base"]
    rows = []
    bbase = res["bare-base"]
    for key in ("base", "d3", "d10", "bare-base", "bare-d3", "bare-d10", "rg3", "rg10"):
        if key not in res:
            continue
        r = res[key]
        extra = ""
        if key in ("d3", "d10"):
            extra = f"{r.median - base.median:+.2f}"
        elif key in ("bare-d3", "bare-d10"):
            extra = f"{r.median - bbase.median:+.2f}"
        rows.append([r.name, f"{r.median:.2f}", f"{r.p90:.2f}", extra])
    bl.print_table(rows, ["benchmark", "median ms", "p90 ms", "minus its baseline ms"])
    print()
    for depth in (3, 10):
        walk = res[f"d{depth}"].median - base.median
        mounts = res[f"bare-d{depth}"].median - bbase.median
        print(f"depth {depth}: walk + placeholders + srt bookkeeping, without the mounts'"
              f" cost in bwrap = {walk - mounts:.1f} ms ({walk:.1f} ms - {mounts:.1f} ms)")
    for depth in (3, 10):
        r = res[f"d{depth}"]
        walk = r.median - base.median
        line = (f"mandatory-walk: {n_files} files, depth {depth}: srt walk+mounts = {walk:.1f} ms"
                f" (median srt {r.median:.1f} ms - baseline {base.median:.1f} ms)")
        rg = res.get(f"rg{depth}")
        if rg:
            ratio = f"{rg.median / walk:.1f}x" if walk > 0 else "n/a (walk within noise)"
            line += f"; ripgrep scan alone = {rg.median:.1f} ms; ratio {ratio}"
        else:
            line += "; ripgrep not installed"
        print(line)


if __name__ == "__main__":
    main()
