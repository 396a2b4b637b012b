#!/usr/bin/python3
"""Tables of the controller benchmarks (bench/run.sh): reads DIR/raw/
(fakeswitch output lines, key=value) and DIR/machine.txt, writes DIR/*.dat
for bench/plot.gp and DIR/README.md.  Rerunning it never reruns a
benchmark."""

import glob
import os
import shutil
import statistics
import sys

# os-ken last: the .dat columns of earlier runs keep their places.
CONFIGS = ["otc-l2", "none-l2", "otc-http", "elide-http", "osken-l2"]
NAMES = {
    "otc-l2": "ovs-testcontroller, L2 traffic",
    "none-l2": "ours --mode none, L2 traffic",
    "otc-http": "ovs-testcontroller, HTTP traffic",
    "elide-http": "ours --mode elide, HTTP traffic",
    "osken-l2": "os-ken learning switch (bench/osken_l2.py), L2 traffic",
}


def parse(path):
    rows = []
    if not os.path.exists(path):
        return rows
    for line in open(path):
        kv = dict(f.split("=", 1) for f in line.split() if "=" in f)
        if "label" in kv and "failed" not in kv:
            rows.append(kv)
    return rows


def num(r, k):
    try:
        return float(r[k])
    except (KeyError, ValueError):
        return float("nan")


def group(rows, key):
    g = {}
    for r in rows:
        g.setdefault(key(r), []).append(r)
    return g


def med(v):
    v = [x for x in v if x == x]
    return statistics.median(v) if v else float("nan")


def fmt_rate(x):
    if x != x:
        return "-"
    return f"{x / 1e6:.2f} M" if x >= 1e6 else f"{x / 1e3:.0f} k"


def spread(v):
    """(max - min) / median over the repetitions, in percent."""
    v = [x for x in v if x == x]
    if len(v) < 2 or not statistics.median(v):
        return float("nan")
    return 100 * (max(v) - min(v)) / statistics.median(v)


def main(d):
    raw = os.path.join(d, "raw")
    machine = open(os.path.join(d, "machine.txt")).read().strip().splitlines()
    minfo = dict(l.split(": ", 1) for l in machine if ": " in l)
    out = []
    w = out.append
    w("# Controller benchmarks: message rate, latency, memory, end to end\n")
    w("Issue 5. Produced by `make bench`: `bench/e2e_throughput.sh` "
      "(benchmark 2) and `bench/e2e_concurrency.sh` (benchmark 3) on Open "
      "vSwitch, then `bench/run.sh` (benchmarks 1 and 4), then "
      "`bench/summarize.py` and `bench/plot.gp`, which redo this page and the "
      "figures from the `.dat` files. Benchmark 5 (profile): "
      "`bench/profile.sh`. Load generator of 1 and 4: `build/fakeswitch` "
      "(`tools/fakeswitch/`), a fake OpenFlow 1.3 switch in C, cbench-style.\n")
    for sub, title in (("e2e", "2. End to end on Open vSwitch: one large GET per mode"),
                       ("concurrency", "3. Many connections: the mixed workload at rising concurrency")):
        summ = os.path.join(d, sub, "summary.md")
        if os.path.exists(summ):
            w(f"## {title}\n")
            w(f"Method, machine and reading: [{sub}/README.md]({sub}/README.md); "
              f"data `{sub}/*.dat`. Summary table of the last run:\n")
            w(open(summ).read().strip() + "\n")
    w("## Machine\n")
    for k in ["note", "controller", "date", "git", "nproc", "cpu", "kernel", "mem_total_kb",
              "ovs-testcontroller", "cc", "pinning", "loadavg_start",
              "loadavg_end", "params"]:
        if k in minfo:
            w(f"- {k}: `{minfo[k]}`")
    w("")
    w("This machine is shared: other sessions' tests, fuzzers and Open vSwitch "
      "ran at the same time (see the load averages), so absolute figures are "
      "lower and noisier than on an idle machine. Each configuration runs "
      "right after the others for the same size, switch count and "
      "repetition, so the ratios are fairer than the absolute rates. "
      "For each run the load generator reads the controller core's "
      "shares from /proc/stat: `busy` (user + system + softirq: the "
      "controller and the kernel's loopback TCP work on that core, plus "
      "any other normal-priority process there), `nice` (the niced "
      "fuzzers of other sessions, which run when the controller waits) "
      "and idle. The controller's own CPU time (`ctl_cpu` in the raw "
      "lines) misses the softirq work and is not used.\n")

    rate = parse(os.path.join(raw, "rate.txt"))
    sizes = sorted({int(r["size"]) for r in rate})
    switches = sorted({int(r["switches"]) for r in rate})
    if rate:
        w("## 1. Message rate (throughput mode)\n")
        w("Each switch keeps about 128 KiB of Packet-Ins queued (many "
          "outstanding); the figure is Packet-Outs received per second over "
          "the measured interval, median of the repetitions (min-max spread "
          "in parentheses, as % of the median). Every Packet-In to a known "
          "destination also gets a Flow-Mod from both learning switches; "
          "`resp/s` counts both (cbench's count). L2 traffic: IPv4/UDP "
          "frames between 1,000 stations per switch (distinct pairs, "
          "stations on fixed ports). HTTP traffic: TCP connections to port "
          "80, eight Packet-Ins each (SYN, SYN-ACK, ACK, request head, "
          "response head + body, FIN, FIN, ACK), 10,000 client 4-tuples per "
          "switch reused with new ISNs; SIZE is the frame size of the "
          "request and response segments, the others are 64 bytes.\n")
        w("ovs-testcontroller serves at most 16 switches (the 17th "
          "connection is closed during the handshake; the OVS controller "
          "sources define `MAX_SWITCHES 16`): its 64-switch cells are "
          "empty.\n")
        g = group(rate, lambda r: (r["label"], int(r["size"]), int(r["switches"])))
        for size in sizes:
            w(f"### {size}-byte frames: Packet-Out/s (spread)\n")
            w("| switches | " + " | ".join(NAMES[c] for c in CONFIGS)
              + " | none / otc (L2) | elide / otc (HTTP) | none / os-ken (L2) |")
            w("|---:|" + "---:|" * (len(CONFIGS) + 3))
            dat = open(os.path.join(d, f"rate-s{size}.dat"), "w")
            dat.write("# switches " + " ".join(
                f"{c}_med {c}_min {c}_max" for c in CONFIGS) + "\n")
            for n in switches:
                cells, cols, meds = [], [], {}
                for c in CONFIGS:
                    v = [num(r, "pout_per_s") for r in g.get((c, size, n), [])]
                    m = med(v)
                    meds[c] = m
                    s = spread(v)
                    cells.append(fmt_rate(m) + ("" if s != s else f" ({s:.0f} %)"))
                    cols += [m, min(v) if v else float("nan"),
                             max(v) if v else float("nan")]
                r1 = meds["none-l2"] / meds["otc-l2"] if meds["otc-l2"] else float("nan")
                r2 = meds["elide-http"] / meds["otc-http"] if meds["otc-http"] else float("nan")
                r3 = meds["none-l2"] / meds["osken-l2"] if meds["osken-l2"] else float("nan")
                rc = ["-" if r != r else f"{r:.2f}x" for r in (r1, r2, r3)]
                w(f"| {n} | " + " | ".join(cells)
                  + f" | {rc[0]} | {rc[1]} | {rc[2]} |")
                dat.write(f"{n} " + " ".join(f"{x:.0f}" if x == x else "NaN"
                                            for x in cols) + "\n")
            dat.close()
            w("")
        w("cbench-style responses (Packet-Out + Flow-Mod) per second and the "
          "controller core's busy / nice / idle shares, medians:\n")
        w("| size | switches | " + " | ".join(
            f"{c} resp/s | core busy/nice/idle" for c in CONFIGS) + " |")
        w("|---:|---:|" + "---:|---:|" * len(CONFIGS))
        for size in sizes:
            for n in switches:
                cells = []
                for c in CONFIGS:
                    rs = g.get((c, size, n), [])
                    cells.append(fmt_rate(med([num(r, "resp_per_s") for r in rs])))
                    busy = med([num(r, "core_user") + num(r, "core_sys")
                                + num(r, "core_softirq") for r in rs])
                    nice = med([num(r, "core_nice") for r in rs])
                    idle = med([num(r, "core_idle") for r in rs])
                    cells.append("-" if not rs else f"{busy:.2f} / {nice:.2f} / {idle:.2f}")
                w(f"| {size} | {n} | " + " | ".join(cells) + " |")
        w("")
        best = {}
        for c in CONFIGS:
            best[c] = max(((med([num(r, "pout_per_s") for r in g.get((c, 64, n), [])]), n)
                           for n in switches), default=(float("nan"), 0))
        ratios = [med([num(r, "pout_per_s") for r in g.get(("none-l2", 64, n), [])])
                  / med([num(r, "pout_per_s") for r in g.get(("otc-l2", 64, n), [])])
                  for n in switches if g.get(("otc-l2", 64, n))]
        otc_n = [n for n in switches if g.get(("otc-l2", 64, n))]
        w("### Goals (64-byte frames, `none`)\n")
        if ratios:
            w(f"- at least 2x ovs-testcontroller: ratio {min(ratios):.2f}x to "
              f"{max(ratios):.2f}x over {otc_n} switches: "
              + ("**met**" if min(ratios) >= 2 else "**not met**")
              + (" at every switch count" if min(ratios) >= 2 else ""))
        b, n = best["none-l2"]
        w(f"- at least 1 M Packet-In -> Packet-Out per second on one core: "
          f"best median {fmt_rate(b)}/s ({n} switches): "
          + ("**met**" if b >= 1e6 else f"**not met** ({b / 1e6:.2f} of 1 M)"))
        w("")

    lat = parse(os.path.join(raw, "latency.txt"))
    if lat:
        w("## 1. Latency (one Packet-In outstanding per switch)\n")
        w("Time from sending a Packet-In to receiving its Packet-Out, in "
          "microseconds, medians of the repetitions' p50 / p99 / p99.9 "
          "(loopback TCP both ways included).\n")
        g = group(lat, lambda r: (r["label"], int(r["size"]), int(r["switches"])))
        lsizes = sorted({int(r["size"]) for r in lat})
        lsw = sorted({int(r["switches"]) for r in lat})
        for size in lsizes:
            w(f"### {size}-byte frames: p50 / p99 / p99.9 (us), Packet-Outs/s\n")
            w("| switches | " + " | ".join(NAMES[c] for c in CONFIGS) + " |")
            w("|---:|" + "---:|" * len(CONFIGS))
            dat = open(os.path.join(d, f"latency-s{size}.dat"), "w")
            dat.write("# switches " + " ".join(
                f"{c}_p50 {c}_p99 {c}_p999" for c in CONFIGS) + "\n")
            for n in lsw:
                cells, cols = [], []
                for c in CONFIGS:
                    rs = g.get((c, size, n), [])
                    p = [med([num(r, k) for r in rs]) for k in ("p50_us", "p99_us", "p999_us")]
                    cols += p
                    rate_ = med([num(r, "pout_per_s") for r in rs])
                    cells.append("-" if not rs else
                                 f"{p[0]:.0f} / {p[1]:.0f} / {p[2]:.0f}, {fmt_rate(rate_)}")
                w(f"| {n} | " + " | ".join(cells) + " |")
                dat.write(f"{n} " + " ".join(f"{x:.1f}" if x == x else "NaN"
                                            for x in cols) + "\n")
            dat.close()
            w("")
        # CDFs of the first repetition, the smallest and the largest switch
        # count that every configuration served.
        full = [n for n in lsw if all(os.path.exists(os.path.join(
            raw, f"cdf-{c}-s{lsizes[0]}-n{n}-r1.dat")) for c in CONFIGS)] or lsw
        lsw_cdf = [full[0], full[-1]] if full[0] != full[-1] else [full[0]]
        for n in lsw_cdf:
            for c in CONFIGS:
                src = os.path.join(raw, f"cdf-{c}-s{lsizes[0]}-n{n}-r1.dat")
                if os.path.exists(src):
                    shutil.copy(src, os.path.join(d, f"cdf-{c}-n{n}.dat"))
        with open(os.path.join(d, "cdf-switches.txt"), "w") as f:
            f.write(" ".join(str(n) for n in lsw_cdf) + "\n")
        w(f"Figure `latency-cdf.png` (`.pdf`): the latency distributions, "
          f"{lsizes[0]}-byte frames, "
          + " and ".join(str(n) for n in lsw_cdf)
          + " switches (first repetition).\n")

    mem = {}
    for name in ("default", "bounded"):
        p = os.path.join(raw, f"memory-{name}.txt")
        if os.path.exists(p):
            shutil.copy(p, os.path.join(d, f"memory-{name}.dat"))
            mem[name] = [l.split() for l in open(p) if l[0] != "#" and l.strip()]
            mem[name + "#"] = [l.strip() for l in open(p) if l[0] == "#"]
    if mem:
        w("## 4. Memory per tracked connection\n")
        w("`fakeswitch flood`: one switch sends a SYN Packet-In for each new "
          "client 4-tuple (elide mode tracks each in its connection table), "
          "in batches confirmed by an echo round trip; the controller's "
          "VmRSS is read from /proc after each step. Then every connection "
          "closes (half FIN both ways after the SYN-ACK, half RST), 5 s "
          "pass, and as many new connections open (`reopen`).\n")
    if "default" in mem:
        rows = mem["default"]
        opn = [(float(r[1]), float(r[2])) for r in rows if r[0] == "open"]
        start = [float(r[2]) for r in rows if r[0] == "start"]
        if len(opn) >= 2:
            n = len(opn)
            mx = sum(x for x, _ in opn) / n
            my = sum(y for _, y in opn) / n
            slope = (sum((x - mx) * (y - my) for x, y in opn)
                     / sum((x - mx) ** 2 for x, _ in opn)) * 1024
            last = {}
            for r in rows:
                last[r[0]] = (int(r[1]), int(r[2]))
            w(f"Default table (`--max-conns 1048576`):\n")
            w(f"- RSS with the switch connected, no connection: {start[0] / 1024:.1f} MiB")
            w(f"- slope over the open phase (least squares, {n} points): "
              f"**{slope:.0f} bytes per connection** (goal <= 256: "
              + ("met" if slope <= 256.5 else "not met") + ")")
            o, c_, rr = last.get("open"), last.get("close"), last.get("reopen")
            if o:
                w(f"- after {o[0]:,} connections: {o[1] / 1024:.1f} MiB")
            if c_:
                w(f"- after all of them closed: {c_[1] / 1024:.1f} MiB")
            if rr:
                w(f"- after {rr[0]:,} more new connections: {rr[1] / 1024:.1f} MiB "
                  f"({(rr[1] - o[1]) / 1024:+.1f} MiB)")
            for l in mem.get("default#", []):
                if "eviction" in l:
                    w(f"- {l.lstrip('# ')}")
            w("")
    if "bounded" in mem:
        rows = mem["bounded"]
        mx = max(float(r[2]) for r in rows)
        w("Bounded table (`--max-conns 100000`), the same flood: "
          f"**max RSS {mx / 1024:.1f} MiB**; "
          + "; ".join(l.lstrip("# ") for l in mem.get("bounded#", []) if "eviction" in l)
          + ".\n")
    if mem:
        w("Figure `memory.png` (`.pdf`): RSS against connections opened.\n")

    prof = sorted(glob.glob(os.path.join(d, "profile-*.txt")))
    if prof:
        w("## 5. Profile of the Packet-In path\n")
        w("`bench/profile.sh`: `perf record -e cpu-clock` (sampling; this VM "
          "has no hardware counters) of the controller under the load "
          "generator (4 switches, 64-byte frames, throughput mode), and "
          "`valgrind --tool=callgrind` for instructions per Packet-In "
          "(exact, independent of the machine's load: the figure to compare "
          "before and after a change). Full listings in `profile-*.txt`.\n")
        for p in prof:
            mode = os.path.basename(p)[len("profile-"):-len(".txt")]
            lines = open(p).read().splitlines()
            head = [l for l in lines if l.startswith("# Packet-In path of")]
            ipp = [l for l in lines if l.startswith("instructions per Packet-In")]
            w(f"### `{mode}`\n")
            if head:
                w(f"- {head[0].lstrip('# ')}")
            if ipp:
                w(f"- **{ipp[0]}**")
            top = []
            grab = False
            for l in lines:
                if l.startswith("# self instructions per function"):
                    grab = True
                    continue
                if grab:
                    if not l.strip():
                        break
                    top.append(l)
            if top:
                w("- top functions by instructions (self):\n")
                w("```")
                for l in top[:12]:
                    w(l.replace("/tmp/ctlfix/", "controller/"))
                w("```")
            w("")

    if os.path.exists(os.path.join(d, "ANALYSIS.md")):
        w("## Findings\n")
        w("`ANALYSIS.md` (written by hand): the controller bugs these runs "
          "found, the hot spots with what to change, and the goals.\n")
    w("## Commands\n")
    w("```")
    w("make bench                       # everything (as root, about 45 minutes)")
    w('make bench REPS=1 LEVELS="1 16" QUICK=1   # one short pass of everything (4 minutes)')
    w("QUICK=1 bash bench/run.sh        # one short pass")
    w("ONLY=memory bash bench/run.sh    # a subset: rate, latency, memory")
    w("bash bench/profile.sh            # benchmark 5")
    w("# one run by hand (controller on core 0, generator on core 1):")
    w("taskset -c 0 build/elide-controller --mode none --listen 127.0.0.1:56700 &")
    w("taskset -c 1 build/fakeswitch --connect 127.0.0.1:56700 --ctl-pid $! \\")
    w("    bench --switches 16 --mode throughput --traffic l2 --size 64")
    w("taskset -c 0 ovs-testcontroller -O OpenFlow13 ptcp:56701:127.0.0.1 &")
    w("taskset -c 0 build/elide-controller --mode elide --mirror-port 9 --listen 127.0.0.1:56702 &")
    w("taskset -c 1 build/fakeswitch --connect 127.0.0.1:56702 --mirror-port 9 \\")
    w("    bench --switches 16 --mode latency --traffic http --size 1514 --cdf cdf.dat")
    w("build/fakeswitch --connect 127.0.0.1:56702 --mirror-port 9 --ctl-pid PID \\")
    w("    flood --conns 1000000 --step 50000 --close mixed --settle 5 --reopen")
    w("```")
    w("")
    w("Files: `machine.txt`; `rate-s<size>.dat` (per switch count: median, "
      "min, max Packet-Outs/s of each configuration); `latency-s<size>.dat`; "
      "`cdf-<config>-n<switches>.dat`; `memory-*.dat` (phase, connections, "
      "RSS kB, seconds); figures `rate.png`, `latency-cdf.png`, "
      "`memory.png` and their PDFs.")
    open(os.path.join(d, "README.md"), "w").write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "results/bench")
