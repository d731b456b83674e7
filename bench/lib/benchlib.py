# SPDX-License-Identifier: Apache-2.0
"""Shared helpers for the srt benchmarks: running hyperfine, statistics, srt debug output."""

import json
import os
import shlex
import subprocess
import sys
import tempfile

DEBUG_CMD_PREFIX = "[SandboxDebug] bwrap command: "


def die(msg):
    print(f"bench: {msg}", file=sys.stderr)
    sys.exit(1)


def percentile(values, q):
    """Linear-interpolation percentile (q in 0..100) of a non-empty list."""
    v = sorted(values)
    if len(v) == 1:
        return v[0]
    pos = (len(v) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


class Result:
    def __init__(self, name, times_s):
        self.name = name
        self.times_ms = [t * 1000.0 for t in times_s]
        self.median = percentile(self.times_ms, 50)
        self.p90 = percentile(self.times_ms, 90)
        self.runs = len(self.times_ms)


def hyperfine(name, argv, runs, warmup, cwd=None, env=None, pass_fds=(), json_dir=None):
    """Run argv (no shell) `runs` times after `warmup` runs; return a Result.

    hyperfine -N splits its command string with shell-word rules, so argv is quoted here.
    A command that exits non-zero makes hyperfine, and so the benchmark, fail.
    """
    with tempfile.TemporaryDirectory(prefix="srt-bench-hf-") as d:
        out = os.path.join(d, "hf.json")
        cmd = ["hyperfine", "-N", "--style", "none", "--warmup", str(warmup), "--runs", str(runs),
               "--export-json", out, shlex.join(argv)]
        p = subprocess.run(cmd, cwd=cwd, env=env, pass_fds=pass_fds, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            q = subprocess.run(argv, cwd=cwd, env=env, pass_fds=pass_fds,
                               stdin=subprocess.DEVNULL, capture_output=True, text=True)
            die(f"hyperfine failed for {name} (status {p.returncode}):\n{p.stderr}"
                f"command: {shlex.join(argv)[:300]}...\n"
                f"run once more by itself: status {q.returncode}, stderr: {q.stderr[-2000:]}")
        with open(out) as f:
            data = json.load(f)
        if json_dir:
            os.makedirs(json_dir, exist_ok=True)
            safe = "".join(c if c.isalnum() else "-" for c in name).strip("-")
            with open(os.path.join(json_dir, safe + ".json"), "w") as f:
                json.dump(data, f, indent=1)
    return Result(name, data["results"][0]["times"])


def srt_debug(srt, args, cwd, env):
    """Run `srt -d ARGS` once; return (status, list of debug lines)."""
    p = subprocess.run([srt, "-d", *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return p.returncode, p.stderr.splitlines()


def bwrap_argv_from_debug(lines):
    """The bwrap argv srt printed. srt joins the words with single spaces and does not quote
    them, so this is only exact for paths without whitespace (the benchmarks generate such
    paths)."""
    for line in lines:
        if line.startswith(DEBUG_CMD_PREFIX):
            return line[len(DEBUG_CMD_PREFIX):].split(" ")
    return None


def placeholders_from_debug(lines):
    """[(kind, path)] for each placeholder srt said it creates; kind is 'file' or 'directory'."""
    out = []
    for line in lines:
        pre = "[SandboxDebug] protecting missing "
        if line.startswith(pre):
            rest = line[len(pre):]
            kind, _, path = rest.partition(" via placeholder ")
            out.append((kind, path))
    return out


def strip_srt_only_fds(argv):
    """Drop the options whose descriptors only srt has (--seccomp FD, --json-status-fd FD);
    return (new argv, list of dropped option names)."""
    out, dropped, i = [], [], 0
    while i < len(argv):
        if argv[i] in ("--seccomp", "--json-status-fd"):
            dropped.append(argv[i])
            i += 2
            continue
        out.append(argv[i])
        i += 1
    return out, dropped


def count_mount_ops(argv):
    """Number of mount operations in a bwrap argv (binds, tmpfs, data binds, dev, proc)."""
    ops = {"--bind", "--ro-bind", "--dev-bind", "--bind-try", "--ro-bind-try", "--tmpfs",
           "--ro-bind-data", "--bind-data", "--dev", "--proc", "--remount-ro"}
    return sum(1 for a in argv if a in ops)


def rebind_data_fds(argv):
    """Give every --ro-bind-data its own descriptor open on /dev/null (srt uses an empty memfd;
    both read as empty). Returns (new argv, fds to pass to the child); the caller closes them."""
    out, fds, i = [], [], 0
    while i < len(argv):
        if argv[i] == "--ro-bind-data" and i + 2 < len(argv):
            fd = os.open("/dev/null", os.O_RDONLY)  # O_CLOEXEC is cleared by pass_fds
            fds.append(fd)
            out += ["--ro-bind-data", str(fd), argv[i + 2]]
            i += 3
            continue
        out.append(argv[i])
        i += 1
    return out, fds


def fmt_ratio(a, b):
    return f"{a / b:.2f}x" if b > 0 else "n/a"


def print_table(rows, headers):
    widths = [max(len(str(r[i])) for r in rows + [headers]) for i in range(len(headers))]
    line = "  ".join(h.ljust(widths[i]) if i == 0 else h.rjust(widths[i])
                     for i, h in enumerate(headers))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(str(c).ljust(widths[i]) if i == 0 else str(c).rjust(widths[i])
                        for i, c in enumerate(r)))
