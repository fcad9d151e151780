#!/usr/bin/env python3
"""Throughput and memory of `vmcored analyze`, measured, not asserted.

    tests/bench/bench-analyze.py [--vmcored build/daemon/vmcored] [--corpus DIR] [--runs N]

Extracts the logs of the syzkaller corpus (shared/corpus/syzkaller-linux,
747 cases: the part after the header block and before a "REPORT:" line),
then times `vmcored analyze --json --batch DIR` over all of them in one
process, pinned to one CPU with taskset when available, N times; prints
the min and median wall time, user+sys CPU time and the peak RSS of the
child. Also times a single `vmcored analyze --json` of one log (start-up
included), which is what a capture kernel pays.
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def extract_logs(corpus, out):
    n = 0
    for name in sorted(os.listdir(corpus), key=lambda s: (len(s), s)):
        if not name.isdigit():
            continue
        data = open(os.path.join(corpus, name), "rb").read().replace(b"\r", b"")
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        i = 0
        while i < len(lines) and lines[i] != b"":
            i += 1
        i += 1
        log, prev_empty = [], True
        while i < len(lines):
            if prev_empty and lines[i] == b"REPORT:":
                break
            log.append(lines[i] + b"\n")
            prev_empty = lines[i] == b""
            i += 1
        with open(os.path.join(out, name + ".log"), "wb") as f:
            f.write(b"".join(log))
        n += 1
    return n


def measure(cmd, runs):
    walls, cpus, rss = [], [], 0
    for _ in range(runs):
        # A fresh interpreter per run so that ru_maxrss is this run's.
        code = ("import resource,subprocess,sys,time;"
                "t=time.perf_counter();p=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL);"
                "w=time.perf_counter()-t;r=resource.getrusage(resource.RUSAGE_CHILDREN);"
                "print(w, r.ru_utime+r.ru_stime, r.ru_maxrss, p.returncode)")
        out = subprocess.run([sys.executable, "-c", code] + cmd, capture_output=True, text=True)
        w, c, m, rc = out.stdout.split()
        if int(rc) != 0:
            sys.exit(f"bench: {' '.join(cmd)} exited {rc}")
        walls.append(float(w))
        cpus.append(float(c))
        rss = max(rss, int(m))
    return walls, cpus, rss


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vmcored", default=os.path.join(ROOT, "build", "daemon", "vmcored"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus", "syzkaller-linux"))
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()

    if not os.path.isdir(args.corpus):
        print(f"SKIP: corpus {args.corpus} not found; nothing measured")
        return 77
    vmcored = os.path.abspath(args.vmcored)
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []

    with tempfile.TemporaryDirectory() as tmp:
        n = extract_logs(args.corpus, tmp)
        size = sum(os.path.getsize(os.path.join(tmp, f)) for f in os.listdir(tmp))
        print(f"corpus: {n} logs, {size / 1e6:.1f} MB, from {args.corpus}")
        print(f"binary: {vmcored}" + (" (pinned to CPU 0)" if pin else " (not pinned: no taskset)"))

        for label, extra in (("--json --batch", ["--json"]), ("--batch (text)", [])):
            cmd = pin + [vmcored, "analyze"] + extra + ["--batch", tmp]
            walls, cpus, rss = measure(cmd, args.runs)
            print(f"analyze {label:15s} all {n}: wall min {min(walls):.3f} s, median "
                  f"{statistics.median(walls):.3f} s; cpu median {statistics.median(cpus):.3f} s; "
                  f"peak RSS {rss / 1024:.1f} MiB ({args.runs} runs)")

        one = os.path.join(ROOT, "tests", "data", "x86_64-6.1-warning-panic_on_warn.log")
        walls, cpus, rss = measure(pin + [vmcored, "analyze", "--json", one], max(args.runs, 15))
        print(f"analyze --json one log (start-up included): median {statistics.median(walls) * 1000:.1f} ms, "
              f"peak RSS {rss / 1024:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
