# SPDX-License-Identifier: Apache-2.0
"""Start-up benchmark: srt against bare bwrap. Called by bench/startup, which makes WORKDIR."""

import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402

BARE_NS = ["--unshare-user", "--disable-userns", "--unshare-ipc", "--unshare-pid", "--unshare-uts",
           "--unshare-cgroup-try", "--unshare-net", "--cap-drop", "ALL", "--die-with-parent",
           "--new-session"]


def make_project(root):
    """A project with the 50 rules' targets; returns the settings dict.

    20 denyRead (14 directories, 6 files), 10 allowRead (a directory inside each of the first
    10 denied directories), 10 allowWrite directories, 10 denyWrite (a directory in each)."""
    deny_read, allow_read, allow_write, deny_write = [], [], [], []
    for i in range(14):
        d = os.path.join(root, f"private{i:02d}")
        os.makedirs(d)
        for j in range(5):
            with open(os.path.join(d, f"data{j}.txt"), "w") as f:
                f.write("secret\n")
        deny_read.append(d)
        if i < 10:
            k = os.path.join(d, "public")
            os.makedirs(k)
            with open(os.path.join(k, "readme.txt"), "w") as f:
                f.write("public\n")
            allow_read.append(k)
    conf = os.path.join(root, "conf")
    os.makedirs(conf)
    for i in range(6):
        p = os.path.join(conf, f"secret{i}.env")
        with open(p, "w") as f:
            f.write("TOKEN=x\n")
        deny_read.append(p)
    for i in range(10):
        w = os.path.join(root, f"out{i}")
        os.makedirs(os.path.join(w, "frozen"))
        with open(os.path.join(w, "log.txt"), "w") as f:
            f.write("x\n")
        allow_write.append(w)
        deny_write.append(os.path.join(w, "frozen"))
    return {
        "network": {"allowedDomains": [], "deniedDomains": []},
        "filesystem": {"denyRead": deny_read, "allowRead": allow_read,
                       "allowWrite": allow_write, "denyWrite": deny_write},
    }


def remap(path, old, new):
    if path == old or path.startswith(old + "/"):
        return new + path[len(old):]
    return path


def create_placeholders(items):
    """Create the placeholders srt would create; return what was created, deepest last."""
    created = []
    for kind, path in items:
        parent = os.path.dirname(path)
        missing = []
        while not os.path.lexists(parent):
            missing.append(parent)
            parent = os.path.dirname(parent)
        for d in reversed(missing):
            os.mkdir(d)
            created.append(d)
        if os.path.lexists(path):
            continue
        if kind == "directory":
            os.mkdir(path)
        else:
            with open(path, "x"):
                pass
        created.append(path)
    return created


def remove_created(created):
    for p in reversed(created):
        if os.path.isdir(p) and not os.path.islink(p):
            os.rmdir(p)
        else:
            os.unlink(p)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--srt", required=True)
    ap.add_argument("--bwrap", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--json-dir")
    a = ap.parse_args()

    home = os.path.join(a.workdir, "home")
    proj = os.path.join(a.workdir, "project")
    os.makedirs(home)
    os.makedirs(proj)
    settings = make_project(proj)
    n_rules = sum(len(v) for v in settings["filesystem"].values())
    spath = os.path.join(a.workdir, "settings-50.json")
    with open(spath, "w") as f:
        json.dump(settings, f, indent=1)

    env = {k: v for k, v in os.environ.items() if k != "SRT_DEBUG"}
    env["HOME"] = home

    bare = [a.bwrap, *BARE_NS, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--", "true"]
    srt_true = [a.srt, "true"]
    srt_rules = [a.srt, "--settings", spath, "true"]
    # (f): the default filesystem rules, with the network through srt's proxy
    npath = os.path.join(a.workdir, "settings-net.json")
    with open(npath, "w") as f:
        json.dump({"network": {"allowedDomains": ["example.com"], "deniedDomains": []},
                   "filesystem": {"denyRead": [], "allowWrite": [], "denyWrite": []}}, f)
    srt_net = [a.srt, "--settings", npath, "true"]

    # The bwrap command srt runs for (c), from its debug output.
    st, lines = bl.srt_debug(a.srt, ["--settings", spath, "true"], proj, env)
    if st != 0:
        bl.die(f"srt --settings {spath} true failed with status {st}:\n" + "\n".join(lines))
    argv_c = bl.bwrap_argv_from_debug(lines)
    if not argv_c:
        bl.die("no '[SandboxDebug] bwrap command:' line in srt -d output")
    # (d) runs on an identical copy of the project, "mirror0" (same path length), holding
    # copies of the placeholders: other srt processes of this user (a test suite, say) may
    # remove srt's placeholders from the project at any time, so (d) must not rely on them.
    mirror = os.path.join(a.workdir, "mirror0")
    os.makedirs(mirror)
    make_project(mirror)
    placeholders = [(k, remap(p, proj, mirror)) for k, p in bl.placeholders_from_debug(lines)]
    argv_c = [remap(x, proj, mirror) for x in argv_c]
    same_mounts, dropped = bl.strip_srt_only_fds(argv_c)
    same_mounts, data_fds = bl.rebind_data_fds(same_mounts)
    n_mounts = bl.count_mount_ops(same_mounts)
    n_data = len(data_fds)

    st, lines_b = bl.srt_debug(a.srt, ["true"], proj, env)
    argv_b = bl.bwrap_argv_from_debug(lines_b)
    if st != 0 or not argv_b:
        bl.die(f"srt true failed with status {st}:\n" + "\n".join(lines_b))
    # (e): the bwrap srt runs for (b), minus its seccomp filter and status pipe.
    bare_b, _ = bl.strip_srt_only_fds(argv_b)

    print("srt start-up benchmark")
    print(f"  srt:    {a.srt} ({subprocess.run([a.srt, '--version'], capture_output=True, text=True).stdout.strip()})")
    print(f"  bwrap:  {a.bwrap} ({subprocess.run([a.bwrap, '--version'], capture_output=True, text=True).stdout.strip()})")
    print(f"  kernel: {os.uname().release}, {os.cpu_count()} CPUs, uid {os.getuid()}")
    print(f"  runs:   {a.runs} per command after {a.warmup} warm-up runs (hyperfine -N), wall time")
    print(f"  (b) srt's bwrap has {bl.count_mount_ops(argv_b)} mount operations:"
          f" {' '.join(argv_b[argv_b.index('--ro-bind'):argv_b.index('--')])}")
    print(f"  (c) {n_rules} rules -> srt's bwrap has {n_mounts} mount operations,"
          f" {len(placeholders)} of them on placeholders (srt creates them when missing, removes them after the run),"
          f" {n_data} --ro-bind-data masks")
    print(f"  (d) = (c)'s bwrap argv without {' and '.join(dropped) or 'nothing'}"
          f" (no seccomp filter); each --ro-bind-data reads its own fd open on /dev/null;"
          f" run on a copy of the project where srt's placeholders exist")
    print("  (e) = (b)'s bwrap argv without --seccomp and --json-status-fd")
    print("  (f) = (b) with allowedDomains: srt's network namespace, listeners and proxy thread")
    print(flush=True)

    try:
        results = {}
        for key, name, argv in (("a", "(a) bare bwrap true", bare),
                                ("b", "(b) srt true (default settings)", srt_true),
                                ("c", f"(c) srt --settings <{n_rules} rules> true", srt_rules),
                                ("f", "(f) srt true with allowedDomains (proxy)", srt_net)):
            results[key] = bl.hyperfine(name, argv, a.runs, a.warmup, cwd=proj, env=env,
                                        json_dir=a.json_dir)
        created = create_placeholders(placeholders)
        try:
            p = subprocess.run(same_mounts, cwd=mirror, env=env, pass_fds=data_fds,
                               capture_output=True, text=True)
            if p.returncode != 0:
                bl.die(f"bare bwrap with srt's mounts failed ({p.returncode}): {p.stderr}")
            results["d"] = bl.hyperfine(f"(d) bare bwrap, same {n_mounts} mounts as (c)",
                                        same_mounts, a.runs, a.warmup, cwd=mirror, env=env,
                                        pass_fds=data_fds, json_dir=a.json_dir)
            results["e"] = bl.hyperfine(f"(e) bare bwrap, same {bl.count_mount_ops(bare_b)} mounts as (b)",
                                        bare_b, a.runs, a.warmup, cwd=proj, env=env,
                                        json_dir=a.json_dir)
        finally:
            remove_created(created)
    finally:
        for fd in data_fds:
            os.close(fd)

    ra, rd = results["a"], results["d"]
    same = {"b": results["e"], "c": rd}
    rows = []
    for k in "abcdef":
        r = results[k]
        rows.append([r.name, f"{r.median:.2f}", f"{r.p90:.2f}", bl.fmt_ratio(r.median, ra.median),
                     bl.fmt_ratio(r.median, same[k].median) if k in same else ""])
    bl.print_table(rows, ["benchmark", "median ms", "p90 ms", "vs (a)",
                          "vs same mounts (b/e, c/d)"])
    print()
    rb, rc = results["b"], results["c"]
    print(f"startup: srt true / bare bwrap = {rb.median / ra.median:.2f}x"
          f" (median {rb.median:.1f} ms vs {ra.median:.1f} ms)")
    print(f"startup: srt {n_rules} rules / bare bwrap same mounts = {rc.median / rd.median:.2f}x")
    rf = results["f"]
    print(f"startup: srt true with network / bare bwrap = {rf.median / ra.median:.2f}x"
          f" (median {rf.median:.1f} ms)")


if __name__ == "__main__":
    main()
