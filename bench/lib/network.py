# SPDX-License-Identifier: Apache-2.0
"""Network benchmark: srt's proxy against direct loopback. Called by bench/network, which makes
WORKDIR and finds (or compiles) the C server, client and reference relay (bench/net/)."""

import argparse
import json
import os
import re
import resource
import shlex
import shutil
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib as bl  # noqa: E402
from startup import BARE_NS  # noqa: E402  (the same bare bwrap as bench/startup's row (a))

MIB = 1024 * 1024
FDS_PER_TUNNEL = 2      # srt: client socket and upstream socket (an idle tunnel holds no pipe)
FD_MARGIN = 512         # srt's own descriptors, the listeners, the probes
PROXY_RESERVE = 100     # client connections left free for probes when capping at srt's limit

TARGETS = {"bulk": 0.8, "latency_ms": 0.2, "rss_mib": 64.0, "startup": 1.5}


# ---------------------------------------------------------------------------------------------
# processes

class Ctx:
    def __init__(self, a):
        self.a = a
        self.env = {k: v for k, v in os.environ.items()
                    if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
                    and k != "SRT_DEBUG"}
        self.env["HOME"] = os.path.join(a.workdir, "home")
        os.makedirs(self.env["HOME"], exist_ok=True)
        self.settings = os.path.join(a.workdir, "net.json")
        with open(self.settings, "w") as f:
            json.dump({"network": {"allowedDomains": ["localhost"], "deniedDomains": []},
                       "filesystem": {"denyRead": [], "allowWrite": [], "denyWrite": []}}, f)
        # for CONNECT 127.0.0.1:PORT, which skips the proxy's name resolution
        self.settings_ip = os.path.join(a.workdir, "net-ip.json")
        with open(self.settings_ip, "w") as f:
            json.dump({"network": {"allowedDomains": ["localhost", "127.0.0.1"],
                                   "deniedDomains": []},
                       "filesystem": {"denyRead": [], "allowWrite": [], "denyWrite": []}}, f)
        self.port = None
        self.server = None
        self.bulk_speed = {}

    def srt(self, argv, settings=None):
        return [self.a.srt, "-s", settings or self.settings, *argv]

    def client(self, mode, via, *args):
        """The client's argv: on the host for via "direct", else inside srt; via "connect-ip"
        is CONNECT to the literal 127.0.0.1 (allowed by literal in its own settings)."""
        if via == "connect-ip":
            argv = [self.a.client, mode, "--port", str(self.port), "--via", "connect", "--dest",
                    "127.0.0.1", *map(str, args)]
            return self.srt(argv, self.settings_ip)
        argv = [self.a.client, mode, "--port", str(self.port), "--via", via, *map(str, args)]
        return argv if via == "direct" else self.srt(argv)

    def run(self, argv, what, timeout=600):
        p = subprocess.run(argv, env=self.env, cwd=self.a.workdir, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=timeout)
        out = parse_kv(p.stdout)
        if p.returncode != 0 or "error" in out:
            bl.die(f"{what} failed (status {p.returncode}):\n{p.stdout[-1500:]}\n{p.stderr[-1500:]}"
                   f"\ncommand: {shlex.join(argv)}")
        return out

    def start_server(self):
        # Its stdin is a pipe: closing it (or this process dying) ends the server.
        self.server = subprocess.Popen([self.a.server], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, text=True, env=self.env)
        line = self.server.stdout.readline().split()
        if len(line) != 2 or line[0] != "port":
            bl.die(f"the server did not start: {line}")
        self.port = int(line[1])

    def stop_server(self):
        if self.server:
            self.server.stdin.close()
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
            self.server = None

    def check_server(self):
        if self.server.poll() is not None:
            bl.die(f"the server exited (status {self.server.returncode})")


def parse_kv(text):
    """'key v1 v2 ...' lines -> {key: [v1, v2, ...]} (a repeated key appends)."""
    out = {}
    for line in text.splitlines():
        words = line.split()
        if words:
            out.setdefault(words[0], []).extend(words[1:])
    return out


def floats(out, key):
    return [float(x) for x in out.get(key, [])]


# ---------------------------------------------------------------------------------------------
# /proc

def proc_status(pid):
    d = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            d[k] = v.strip()
    return d


def kib(status, key):
    v = status.get(key, "0 kB").split()
    return int(v[0]) if v else 0


def run_ns(pid):
    """CPU time of every thread of pid so far, in ns (/proc/PID/task/*/schedstat)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def count_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def pipe_sizes(pid):
    """{capacity in bytes: count} over the pipe descriptors of pid. Each pipe is opened again
    through /proc/PID/fd (read side, non-blocking) just to ask F_GETPIPE_SZ; -1 counts the pipes
    that could not be opened."""
    import fcntl
    get_sz = getattr(fcntl, "F_GETPIPE_SZ", 1032)
    sizes, seen = {}, set()
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return sizes
    for fd in names:
        path = f"/proc/{pid}/fd/{fd}"
        try:
            target = os.readlink(path)
        except OSError:
            continue
        if not target.startswith("pipe:") or target in seen:
            continue
        seen.add(target)  # each pipe has two descriptors in srt: count it once
        try:
            f = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            sizes[-1] = sizes.get(-1, 0) + 1
            continue
        try:
            sz = fcntl.fcntl(f, get_sz)
        finally:
            os.close(f)
        sizes[sz] = sizes.get(sz, 0) + 1
    return sizes


def fresh_pipe_size():
    """Capacity of a pipe this user makes now (the per-user pipe quota shrinks new pipes)."""
    import fcntl
    r, w = os.pipe()
    try:
        return fcntl.fcntl(w, getattr(fcntl, "F_GETPIPE_SZ", 1032))
    finally:
        os.close(r)
        os.close(w)


def fmt_sizes(sizes):
    return ", ".join(f"{n} of {sz // 1024} KiB" if sz >= 0 else f"{n} unreadable"
                     for sz, n in sorted(sizes.items(), reverse=True)) or "none"


def slab_kib():
    """Kernel slab memory in use, KiB: the sum of active objects x object size from
    /proc/slabinfo where readable (objects freed by an earlier step do not hide new ones), else
    /proc/meminfo's Slab (whole slab pages, so reuse of freed objects hides growth)."""
    try:
        total = 0
        with open("/proc/slabinfo") as f:
            for line in f:
                w = line.split()
                if len(w) > 3 and w[1].isdigit() and w[3].isdigit():
                    total += int(w[1]) * int(w[3])
        return total // 1024
    except OSError:
        pass
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("Slab:"):
                return int(line.split()[1])
    return 0


def slab_source():
    return "/proc/slabinfo objects in use" if os.access("/proc/slabinfo", os.R_OK) else \
        "/proc/meminfo Slab, whole pages: freed objects reused hide growth"


class Sample:
    def __init__(self, pid):
        st = proc_status(pid)
        self.t = time.monotonic()
        self.rss = kib(st, "VmRSS")
        self.hwm = kib(st, "VmHWM")
        self.threads = int(st.get("Threads", "0"))
        self.cpu_ns = run_ns(pid)
        self.fds = count_fds(pid)
        self.slab = slab_kib()


def cpu_pct(s0, s1):
    dt = s1.t - s0.t
    return 100.0 * (s1.cpu_ns - s0.cpu_ns) / 1e9 / dt if dt > 0 else 0.0


# ---------------------------------------------------------------------------------------------
# the measurements

def fmt_ms(us):
    return f"{us / 1000:.3f} ms"


def stats(us):
    return bl.percentile(us, 50), bl.percentile(us, 99)


class BulkAcc:
    """Throughputs and CPU times of one kind of bulk transfer, accumulated over the rounds."""

    def __init__(self, name):
        self.name = name
        self.speeds = []
        self.cpu = {}
        self.wall = 0.0
        self.gib = 0.0

    def median(self):
        return bl.percentile(self.speeds, 50)

    def use(self):
        """CPU seconds per GiB of each process."""
        return {k: v / self.gib for k, v in self.cpu.items()}

    def busy(self):
        """CPUs busy on average during the transfers."""
        return sum(self.cpu.values()) / self.wall if self.wall > 0 else 0.0

    def fmt_cpu(self):
        use = self.use()
        return (" + ".join(f"{k} {v:.2f}" for k, v in use.items()) +
                f" = {sum(use.values()):.2f} ({self.busy():.2f} CPUs busy)")


def bulk_once(ctx, acc, via, nbytes, relay=None):
    """One transfer (a new client; through srt a new sandbox) between the client's two
    checkpoints, with the CPU time that the server, the client and the relay in between (the
    srt process, or the reference relay) spent meanwhile."""
    cpu = {}
    if relay:
        argv = [ctx.a.client, "bulk", "--port", str(relay[1]), "--via", "direct", "--bytes",
                str(nbytes), "--checkpoints"]
    else:
        argv = ctx.client("bulk", via, "--bytes", nbytes, "--checkpoints")

    def on_cp(pid, name):
        mid = relay[0] if relay else (pid if via != "direct" else None)
        cpu[name] = (time.monotonic(), run_ns(ctx.server.pid), run_ns(mid) if mid else 0)
    r = Driven(ctx, argv, f"bulk transfer ({acc.name})", on_cp)
    (t0, sv0, m0), (t1, sv1, m1) = cpu["start"], cpu["end"]
    acc.speeds.append(speed_mib(r.out))
    acc.wall += t1 - t0
    acc.gib += nbytes / (1024 * MIB)
    add = {"server": (sv1 - sv0) / 1e9, "client": float(r.out["cpu_s"][0])}
    if relay:
        add["relay"] = (m1 - m0) / 1e9
    elif via != "direct":
        add["srt"] = (m1 - m0) / 1e9
    for k, v in add.items():
        acc.cpu[k] = acc.cpu.get(k, 0.0) + v


def start_relay(ctx):
    """srt-bench-net-relay (splice, 256 KiB pipes) on the host, to the server: (process, port)."""
    p = subprocess.Popen([ctx.a.relay, "--to", str(ctx.port)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True, env=ctx.env)
    w = p.stdout.readline().split()
    if len(w) != 2 or w[0] != "port":
        p.kill()
        bl.die(f"the reference relay did not start: {w}")
    return p, int(w[1])


def stop_proc(p):
    p.stdin.close()
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def bulk(ctx, rows):
    a = ctx.a
    nbytes = a.bulk_mib * MIB
    vias = ["connect"] + ([] if a.no_socks else ["socks5"])
    print(f"bulk: {a.bulk_mib} MiB per transfer, {a.bulk_runs} rounds of one transfer of each"
          " kind (interleaved, so that a slow spell of the machine hits all kinds alike),"
          " medians; a new connection each, timed by the client from the request to the last"
          " byte (srt's start-up and the tunnel set-up excluded); CPU from"
          " /proc/PID/task/*/schedstat and getrusage", flush=True)
    accs = {k: BulkAcc(k) for k in ["direct", "ref"] + vias}
    rp, rport = start_relay(ctx)
    try:
        for _ in range(a.bulk_runs):
            bulk_once(ctx, accs["direct"], "direct", nbytes)
            bulk_once(ctx, accs["ref"], "direct", nbytes, relay=(rp.pid, rport))
            for via in vias:
                bulk_once(ctx, accs[via], via, nbytes)
    finally:
        stop_proc(rp)
    ctx.check_server()
    dacc, racc = accs["direct"], accs["ref"]
    d, r = dacc.median(), racc.median()
    print(f"bulk-direct   {d:7.0f} MiB/s  cpu s/GiB: {dacc.fmt_cpu()}", flush=True)
    print(f"bulk-relay    direct {d:7.0f} MiB/s  ref {r:7.0f} MiB/s  ratio {r / d:.2f}"
          "  (reference: srt-bench-net-relay, a minimal splice relay on the host without"
          " sandbox or event loop: what any user-space relay gets on this machine)", flush=True)
    print(f"  cpu s/GiB   {racc.fmt_cpu()}", flush=True)
    rows.append(["bulk-reference-relay (MiB/s)", f"{d:.0f}", f"{r:.0f}", f"{r / d:.2f}",
                 "(info)", ""])
    for via in vias:
        s = accs[via].median()
        ctx.bulk_speed[via] = s
        print(f"bulk-{via:<8} direct {d:7.0f} MiB/s  srt {s:7.0f} MiB/s  ratio {s / d:.2f}"
              f"  (target >= {TARGETS['bulk']}; srt / reference relay {s / r:.2f})", flush=True)
        print(f"  cpu s/GiB   {accs[via].fmt_cpu()}", flush=True)
        rows.append([f"bulk-{via} (MiB/s)", f"{d:.0f}", f"{s:.0f}", f"{s / d:.2f}",
                     f">= {TARGETS['bulk']}", verdict(s / d >= TARGETS["bulk"])])
        rows.append([f"bulk-{via} vs reference relay", f"{r:.0f}", f"{s:.0f}", f"{s / r:.2f}",
                     "(info)", ""])
    print("  spread      per-transfer MiB/s: " + "; ".join(
        f"{k} {' '.join(f'{x:.0f}' for x in v.speeds)}" for k, v in accs.items()), flush=True)
    if a.curl:
        url_direct = f"http://127.0.0.1:{ctx.port}/{nbytes}"
        url = f"http://localhost:{ctx.port}/{nbytes}"
        base = [a.curl, "-s", "-f", "-o", "/dev/null", "-w", "%{speed_download}\\n"]
        dl, sl = [], []
        for _ in range(a.bulk_runs):
            dl.append(float(run_curl(ctx, base + ["--noproxy", "*", url_direct])))
            sl.append(float(run_curl(ctx, ctx.srt(base + ["--noproxy", "", "-p", "-x",
                                                          "http://localhost:3128", url]))))
        d, s = bl.percentile(dl, 50) / MIB, bl.percentile(sl, 50) / MIB
        print(f"bulk-curl     direct {d:7.0f} MiB/s  srt {s:7.0f} MiB/s  ratio {s / d:.2f}"
              "  (curl -p -x http://localhost:3128 -o /dev/null, its %{speed_download})",
              flush=True)
        rows.append(["bulk-curl-connect (MiB/s)", f"{d:.0f}", f"{s:.0f}", f"{s / d:.2f}",
                     "(info)", ""])


def run_curl(ctx, argv):
    p = subprocess.run(argv, env=ctx.env, cwd=ctx.a.workdir, stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        bl.die(f"curl failed (status {p.returncode}): {p.stderr[-500:]}\n{shlex.join(argv)}")
    return p.stdout.strip().splitlines()[-1]


def speed_mib(out):
    vals = out.get("bulk", [])
    speeds = [int(vals[i]) / float(vals[i + 1]) / MIB for i in range(0, len(vals), 2)]
    if not speeds:
        bl.die("no bulk result")
    return bl.percentile(speeds, 50)


def latency(ctx, rows):
    a = ctx.a
    vias = ["connect", "connect-ip"] + ([] if a.no_socks else ["socks5"])
    print(f"latency: {a.requests} sequential requests, each a new connection (socket, connect,"
          " CONNECT or SOCKS5 handshake, GET, 64-byte response, close), then"
          f" {a.requests} GETs on one kept-alive connection (rtt), timed by the client; one"
          f" client (one sandbox) per kind and round, {a.lat_rounds} interleaved rounds,"
          " statistics over all the rounds' requests", flush=True)
    lat = {k: [] for k in ["direct"] + vias}
    rtt = {k: [] for k in ["direct"] + vias}
    round_med = {k: [] for k in ["direct"] + vias}
    for _ in range(a.lat_rounds):
        for via in ["direct"] + vias:
            out = ctx.run(ctx.client("lat", via, "--count", a.requests, "--keepalive",
                                     a.requests), f"requests ({via})")
            lat[via] += floats(out, "lat_us")
            rtt[via] += floats(out, "rtt_us")
            round_med[via].append(bl.percentile(floats(out, "lat_us"), 50))
    dm, d99 = stats(lat["direct"])
    rm, r99 = stats(rtt["direct"])
    res = {}
    for via in vias:
        sm, s99 = stats(lat[via])
        added = (sm - dm) / 1000
        res[via] = (dm, sm)
        if via == "connect-ip":
            cm = stats(lat["connect"])[0]
            print(f"latency-{via} direct median {fmt_ms(dm)}  srt median {fmt_ms(sm)} p99"
                  f" {fmt_ms(s99)}  added median {added:.3f} ms  (CONNECT 127.0.0.1:PORT, no"
                  f" name to resolve: the proxy's resolution of \"localhost\" costs"
                  f" {(cm - sm) / 1000:.3f} ms of latency-connect's median)", flush=True)
            rows.append(["latency-connect-ip median (ms)", f"{dm / 1000:.3f}",
                         f"{sm / 1000:.3f}", f"+{added:.3f}", "(info)", ""])
            continue
        print(f"latency-{via:<8} direct median {fmt_ms(dm)} p99 {fmt_ms(d99)}  srt median"
              f" {fmt_ms(sm)} p99 {fmt_ms(s99)}  added median {added:.3f} ms"
              f"  (target < {TARGETS['latency_ms']} ms)", flush=True)
        rows.append([f"latency-{via} median (ms)", f"{dm / 1000:.3f}", f"{sm / 1000:.3f}",
                     f"+{added:.3f}", f"+ < {TARGETS['latency_ms']}",
                     verdict(added < TARGETS["latency_ms"])])
        rows.append([f"latency-{via} p99 (ms)", f"{d99 / 1000:.3f}", f"{s99 / 1000:.3f}",
                     f"+{(s99 - d99) / 1000:.3f}", "(info)", ""])
        km, k99 = stats(rtt[via])
        print(f"rtt-{via:<12} direct median {fmt_ms(rm)} p99 {fmt_ms(r99)}  srt median"
              f" {fmt_ms(km)} p99 {fmt_ms(k99)}  added median {(km - rm) / 1000:.3f} ms"
              "  (request/response on an open tunnel: the relay alone)", flush=True)
        rows.append([f"rtt-{via} keep-alive median (ms)", f"{rm / 1000:.3f}",
                     f"{km / 1000:.3f}", f"+{(km - rm) / 1000:.3f}", "(info)", ""])
    print("  spread      per-round median latency, ms: " + "; ".join(
        f"{k} {' '.join(f'{x / 1000:.3f}' for x in v)}" for k, v in round_med.items()),
        flush=True)
    return res


class Driven:
    """Runs argv (a client, direct or inside srt) to completion, answering each "checkpoint
    NAME" line it prints after calling on_checkpoint(pid, NAME); pid is the process started
    (the srt process when the client runs inside srt). Parses its output like parse_kv()."""

    def __init__(self, ctx, argv, what, on_checkpoint, timeout=600):
        self.p = subprocess.Popen(argv, env=ctx.env, cwd=ctx.a.workdir, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.pid = self.p.pid
        timer = threading.Timer(timeout, self.p.kill)
        timer.start()
        lines = []
        try:
            for line in self.p.stdout:
                lines.append(line)
                w = line.split()
                if w and w[0] == "checkpoint":
                    on_checkpoint(self.p.pid, w[1])
                    self.p.stdin.write("go\n")
                    self.p.stdin.flush()
            self.p.stdin.close()
            err = self.p.stderr.read()
            status = self.p.wait()
        finally:
            timer.cancel()
            if self.p.poll() is None:
                self.p.kill()
                self.p.wait()
        self.out = parse_kv("".join(lines))
        if status != 0 or "error" in self.out:
            bl.die(f"{what} failed (status {status}):\n{''.join(lines)[-2000:]}\n"
                   f"{err[-2000:]}\ncommand: {shlex.join(argv)}")


def hold_run(ctx, via, n, on_checkpoint):
    a = ctx.a
    argv = ctx.client("hold", via, "--count", n, "--probes", a.probes, "--live-every",
                      max(1, n // 100), "--stall-bytes", 256 * MIB,
                      "--bulk-bytes", min(a.bulk_mib, 64) * MIB, "--idle-ms", 1000)
    r = Driven(ctx, argv, f"holding {n} connections ({via})", on_checkpoint)
    if "done" not in r.out:
        bl.die(f"holding {n} connections ({via}) did not finish: {r.out}")
    return r


def tunnels(ctx, rows, lat_res):
    a = ctx.a
    n = a.tunnels_effective
    print(f"tunnels: {n} idle CONNECT tunnels held by one client inside the sandbox"
          f" ({a.tunnels_note}); srt's memory read from /proc/PID/status of the srt process",
          flush=True)

    # Baseline: the same client holding the same number of direct connections, for the
    # kernel's memory and for the probe latency without the proxy.
    base = {}

    def on_direct(_pid, name):
        base[name] = slab_kib()
    dh = hold_run(ctx, "direct", n, on_direct)
    ctx.check_server()

    samples = {}

    def on_srt(pid, name):
        samples[name] = Sample(pid)
        if name == "start":
            with open(f"/proc/{pid}/comm") as f:
                samples["comm"] = f.read().strip()
        if name == "held":
            samples["pipes"] = pipe_sizes(pid)
            samples["fresh"] = fresh_pipe_size()
    sh = hold_run(ctx, "connect", n, on_srt)
    ctx.check_server()
    out = sh.out
    held = int(out["held"][0])
    t_open = float(out["held"][1])
    s0, s1, s_idle = samples["start"], samples["held"], samples["idle"]
    s_st, s_stidle, s_end = samples["stall"], samples["stall-idle"], samples["stalled"]
    per_tunnel = (s1.rss - s0.rss) / held if held else 0
    if held < n:
        print(f"tunnels: only {held} of {n} tunnels were established: "
              f"{' '.join(out.get('hold_error', []))}")
    goal = a.tunnels_goal
    extra = ""
    if held < goal:
        est = (s0.rss + per_tunnel * goal) / 1024
        extra = f"; linear estimate for {goal}: {est:.1f} MiB"
    print(f"tunnels       {held} held (opened in {t_open:.2f} s, {held / t_open:.0f}/s)"
          f"  srt VmRSS {s1.rss / 1024:.1f} MiB  VmHWM {s_end.hwm / 1024:.1f} MiB"
          f"  (before: {s0.rss / 1024:.1f} MiB; {per_tunnel * 1024:.0f} bytes/tunnel{extra})"
          f"  (target < {TARGETS['rss_mib']:.0f} MiB)", flush=True)
    print(f"tunnels-fds   srt process '{samples['comm']}' (pid {sh.pid}, {s1.threads} threads):"
          f" {s1.fds} descriptors with the tunnels held, {s0.fds} before"
          f" ({(s1.fds - s0.fds) / max(held, 1):.1f} per tunnel)", flush=True)
    print(f"tunnels-pipes srt's relay pipes: {fmt_sizes(samples['pipes'])}; a pipe that uid"
          f" {os.getuid()} creates meanwhile holds {samples['fresh'] // 1024} KiB"
          f" (fs.pipe-user-pages-soft {read_int('/proc/sys/fs/pipe-user-pages-soft')} pages)",
          flush=True)
    print(f"tunnels-cpu   srt CPU while {held} tunnels sit idle: {cpu_pct(s1, s_idle):.1f}%"
          f" over {s_idle.t - s1.t:.1f} s; while one of them is stalled:"
          f" {cpu_pct(s_st, s_stidle):.1f}% over {s_stidle.t - s_st.t:.1f} s", flush=True)
    d_slab = (base.get("held", 0) - base.get("start", 0)) / 1024
    s_slab = (s1.slab - s0.slab) / 1024
    print(f"tunnels-kmem  kernel slab growth (system-wide, {slab_source()}): direct"
          f" {n} connections {d_slab:+.1f} MiB ({d_slab * 1024 / max(n, 1):.1f} KiB each),"
          f" srt {held} tunnels {s_slab:+.1f} MiB ({s_slab * 1024 / max(held, 1):.1f} KiB each:"
          " four sockets instead of two, and srt's pipes; not in srt's RSS)", flush=True)
    idle_med = lat_res.get("connect", (None, None))[1]
    dp = floats(dh.out, "probe_us")
    pr = floats(out, "probe_us")
    sp = floats(out, "stallprobe_us")
    lv, slv = floats(out, "live_us"), floats(out, "stalllive_us")
    dpm = bl.percentile(dp, 50) if dp else float("nan")
    prm, prx = (bl.percentile(pr, 50), max(pr)) if pr else (float("nan"),) * 2
    spm, spx = (bl.percentile(sp, 50), max(sp)) if sp else (float("nan"),) * 2
    errs = [f"{k} {' '.join(v)}" for k, v in out.items() if k.endswith("_errors")
            or k.endswith("_error")]
    ref = f"idle proxy {fmt_ms(idle_med)}, " if idle_med else ""
    print(f"tunnels-probe new-connection request with {held} tunnels held: median {fmt_ms(prm)}"
          f" max {fmt_ms(prx)} ({len(pr)} requests; {ref}direct with {n} connections held"
          f" {fmt_ms(dpm)})", flush=True)
    if lv:
        print(f"tunnels-live  a GET on one held tunnel in {max(1, n // 100)}: {len(lv)} answered,"
              f" median {fmt_ms(bl.percentile(lv, 50))} max {fmt_ms(max(lv))}", flush=True)
    sb = out.get("stallbulk")
    bulk_ref = (f" (bulk-connect above: {ctx.bulk_speed['connect']:.0f} MiB/s)"
                if "connect" in ctx.bulk_speed else "")
    sbs = f"{int(sb[0]) / float(sb[1]) / MIB:.0f} MiB/s" if sb else "failed"
    print(f"tunnels-stall a client that asked for 256 MiB and never reads ({out['stall_queued'][0]}"
          f" bytes queued in its socket, {out['stall_queued_end'][0]} at the end); meanwhile:"
          f" new-connection requests median {fmt_ms(spm)} max {fmt_ms(spx)}, a"
          f" {min(a.bulk_mib, 64)} MiB transfer {sbs}{bulk_ref}, held tunnels answer median"
          f" {fmt_ms(bl.percentile(slv, 50)) if slv else 'n/a'}", flush=True)
    if errs:
        print(f"tunnels: errors: {'; '.join(errs)}")
    rows.append([f"tunnels: srt VmRSS, {held} held (MiB)", f"{s0.rss / 1024:.1f} (0 held)",
                 f"{s1.rss / 1024:.1f}", f"HWM {s_end.hwm / 1024:.1f}",
                 f"< {TARGETS['rss_mib']:.0f}", verdict(s_end.hwm / 1024 < TARGETS["rss_mib"])])
    if held < goal:
        est = (s0.rss + per_tunnel * goal) / 1024
        rows.append([f"tunnels: srt VmRSS, {goal} (MiB, linear est.)", "", f"{est:.1f}", "",
                     f"< {TARGETS['rss_mib']:.0f}", verdict(est < TARGETS["rss_mib"])])
    if idle_med:
        rows.append([f"tunnels: request with {held} held (ms)", f"{idle_med / 1000:.3f} (idle)",
                     f"{prm / 1000:.3f}", f"{prm / idle_med:.2f}", "(info)", ""])
    rows.append(["tunnels: request during a stall (ms)", f"{prm / 1000:.3f}", f"{spm / 1000:.3f}",
                 f"{spm / prm:.2f}", "(info)", ""])
    return held


def startup(ctx, rows):
    a = ctx.a
    print(f"startup: hyperfine -N, {a.startup_runs} runs after {a.warmup} warm-up runs", flush=True)
    bare = [a.bwrap, *BARE_NS, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--",
            "true"]
    rb = bl.hyperfine("bare bwrap true", bare, a.startup_runs, a.warmup, cwd=a.workdir,
                      env=ctx.env, json_dir=a.json_dir)
    rs = bl.hyperfine("srt -s net.json true", ctx.srt(["true"]), a.startup_runs, a.warmup,
                      cwd=a.workdir, env=ctx.env, json_dir=a.json_dir)
    r = rs.median / rb.median
    print(f"startup-net   bare bwrap {rb.median:.2f} ms (p90 {rb.p90:.2f})  srt with allowedDomains"
          f" {rs.median:.2f} ms (p90 {rs.p90:.2f})  ratio {r:.2f}x"
          f"  (target <= {TARGETS['startup']}x)",
          flush=True)
    rows.append(["startup: srt -s net.json true (ms)", f"{rb.median:.2f}", f"{rs.median:.2f}",
                 f"{r:.2f}x", f"<= {TARGETS['startup']}x", verdict(r <= TARGETS["startup"])])


def verdict(ok):
    return "yes" if ok else "NO"


# ---------------------------------------------------------------------------------------------
# limits

def proxy_max_connections(header):
    try:
        with open(header) as f:
            m = re.search(r"#define\s+PROXY_MAX_CONNECTIONS\s+(\d+)", f.read())
            if m:
                return int(m.group(1)), header
    except OSError:
        pass
    return 10000, "assumed (proxy.h not found)"


def read_int(path):
    try:
        with open(path) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return -1


def plan_tunnels(a):
    """Caps the tunnel count at srt's connection limit and at what the descriptor limit allows;
    raises the soft (and, as root, the hard) limit. Sets a.tunnels_effective and a note."""
    notes = []
    n = a.tunnels
    limit, src = proxy_max_connections(a.proxy_h)
    if n + PROXY_RESERVE > limit:
        n = max(1, limit - PROXY_RESERVE)
        notes.append(f"{a.tunnels} requested; srt's proxy serves at most {limit} client"
                     f" connections (PROXY_MAX_CONNECTIONS, {src}) and the probes need"
                     f" {PROXY_RESERVE} of them, so {n}")
    a.tunnels_goal = n
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = FDS_PER_TUNNEL * n + FD_MARGIN
    if need > hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (need, need))
            notes.append(f"fd limit raised from {soft}/{hard} to {need} (srt needs"
                         f" ~{FDS_PER_TUNNEL} per tunnel)")
            soft = hard = need
        except (ValueError, OSError):
            n2 = max(1, (hard - FD_MARGIN) // FDS_PER_TUNNEL)
            notes.append(f"the hard fd limit {hard} is too low for {n} tunnels (srt needs"
                         f" ~{FDS_PER_TUNNEL} descriptors per tunnel) and cannot be raised here"
                         f" (uid {os.getuid()} without CAP_SYS_RESOURCE): SCALED DOWN to {n2}")
            n = n2
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        notes.append(f"fd soft limit raised from {soft} to {hard}")
    a.tunnels_effective = n
    a.tunnels_note = "; ".join(notes) if notes else f"fd limit {hard}"


# ---------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(prog="bench/network")
    ap.add_argument("--srt", required=True)
    ap.add_argument("--bwrap", required=True)
    ap.add_argument("--server", required=True)
    ap.add_argument("--client", required=True)
    ap.add_argument("--relay", required=True)
    ap.add_argument("--proxy-h", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--curl", default=shutil.which("curl"))
    ap.add_argument("--quick", action="store_true",
                    help="64 MiB, 200 requests, 1000 tunnels, 10 start-up runs")
    ap.add_argument("--bulk-mib", type=int)
    ap.add_argument("--bulk-runs", type=int)
    ap.add_argument("--requests", type=int)
    ap.add_argument("--lat-rounds", type=int, default=3)
    ap.add_argument("--tunnels", type=int)
    ap.add_argument("--probes", type=int, default=50)
    ap.add_argument("--startup-runs", type=int)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--no-socks", action="store_true", help="skip the SOCKS5 rows")
    ap.add_argument("--no-curl", action="store_true", help="skip the curl bulk row")
    ap.add_argument("--only", default="bulk,latency,tunnels,startup",
                    help="comma-separated subset of bulk,latency,tunnels,startup")
    ap.add_argument("--json-dir")
    a = ap.parse_args()
    q = a.quick
    a.bulk_mib = a.bulk_mib or (64 if q else 1024)
    a.bulk_runs = a.bulk_runs or 5
    a.requests = a.requests or (200 if q else 1000)
    a.tunnels = a.tunnels or (1000 if q else 10000)
    a.startup_runs = a.startup_runs or (10 if q else 30)
    if a.no_curl:
        a.curl = None
    only = set(a.only.split(","))
    if not only <= {"bulk", "latency", "tunnels", "startup"}:
        bl.die(f"--only: unknown part in {a.only}")
    for k in ("bulk_mib", "bulk_runs", "requests", "lat_rounds", "tunnels", "probes",
              "startup_runs"):
        if getattr(a, k) < 1:
            bl.die(f"--{k.replace('_', '-')} must be at least 1")

    if "tunnels" in only:
        plan_tunnels(a)
    ctx = Ctx(a)
    srt_version = subprocess.run([a.srt, "--version"], capture_output=True,
                                 text=True).stdout.strip()
    print("srt network benchmark")
    print(f"  srt:     {a.srt} ({srt_version})")
    print(f"  helpers: {a.server}, {a.client}, {a.relay}")
    print(f"  kernel:  {os.uname().release}, {os.cpu_count()} CPUs, uid {os.getuid()},"
          f" fd limit {resource.getrlimit(resource.RLIMIT_NOFILE)[0]}")
    print(f"  sandbox: srt -s {ctx.settings} (allowedDomains [\"localhost\"]); clients inside"
          " reach the server on the host's 127.0.0.1 through CONNECT localhost:PORT"
          " (127.0.0.1:3128) or SOCKS5 (127.0.0.1:1080)")
    print(flush=True)

    rows = []
    t0 = time.monotonic()
    # start-up first, on a quiet kernel: after thousands of tunnels the kernel is still tearing
    # down sockets and network namespaces, which slows the creation of new ones
    if "startup" in only:
        startup(ctx, rows)
        print()
    ctx.start_server()
    try:
        print(f"server: 127.0.0.1:{ctx.port} (srt-bench-net-server, epoll + sendfile from a"
              " memfd)\n",
              flush=True)
        lat_res = {}
        if "bulk" in only:
            bulk(ctx, rows)
            print()
        if "latency" in only:
            lat_res = latency(ctx, rows)
            print()
        if "tunnels" in only:
            tunnels(ctx, rows, lat_res)
            print()
    finally:
        ctx.stop_server()

    print(f"summary ({time.monotonic() - t0:.0f} s; baselines measured in this run: direct"
          " loopback for bulk and latency, bare bwrap for start-up)")
    bl.print_table(rows, ["measurement", "baseline", "srt", "ratio/added", "target", "met"])


if __name__ == "__main__":
    main()
