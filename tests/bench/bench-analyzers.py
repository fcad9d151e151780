#!/usr/bin/env python3
"""What the built-in analyzers cost: time (median of N runs) and peak RSS of
`vmcored analyze --json` on each fixture dump with all analyzers on, next to
the same with --no-analyzers (log, registers and symbols only) and to the
log alone (the dmesg.txt saved with the dump). All commands of a round run
in turn, so a slow spell of the machine slows them alike.

Usage: tests/bench/bench-analyzers.py [--runs N] [--vmcored build/daemon/vmcored]
       [--dump NAME=PATH]...
Needs ../shared/fixtures/vmcores (or --dump)."""
import argparse, os, subprocess, sys, time


def run_once(cmd):
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dt = time.perf_counter() - t
    if p.returncode not in (0, 3):
        sys.exit(f"{' '.join(cmd)}: exit {p.returncode}")
    return dt


def peak_rss(cmd):
    out = subprocess.run(['/usr/bin/time', '-f', '%M'] + cmd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True).stderr.strip().splitlines()[-1]
    return int(out) / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--runs', type=int, default=21)
    ap.add_argument('--vmcored', default='build/daemon/vmcored')
    ap.add_argument('--shared', default=os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared'))
    ap.add_argument('--dump', action='append', default=[], help='NAME=PATH of another dump to measure')
    a = ap.parse_args()
    fx = os.path.join(a.shared, 'fixtures', 'vmcores')
    dumps = []
    if os.path.isdir(fx):
        for kind in sorted(os.listdir(fx)):
            v = os.path.join(fx, kind, 'vmcore')
            if os.path.exists(v):
                dumps.append((kind, v, os.path.join(fx, kind, 'dmesg.txt')))
    for d in a.dump:
        name, path = d.split('=', 1)
        dumps.append((name, path, None))
    if not dumps:
        sys.exit("SKIP: no dumps (../shared/fixtures/vmcores missing and no --dump)")

    rows = []
    for name, v, log in dumps:
        rows.append((name, 'all analyzers', [a.vmcored, 'analyze', '--json', v]))
        rows.append((name, '--no-analyzers', [a.vmcored, 'analyze', '--json', '--no-analyzers', v]))
        if log and os.path.exists(log):
            rows.append((name, 'log only (dmesg.txt)', [a.vmcored, 'analyze', '--json', log]))
    times = [[] for _ in rows]
    for _ in range(a.runs):
        for i, (_, _, cmd) in enumerate(rows):
            times[i].append(run_once(cmd))
    print(f"{'dump':12s} {'analysis':24s} {'median ms':>10s} {'max ms':>8s} {'peak RSS MiB':>13s}")
    worst_ms = worst_rss = 0.0
    for (name, what, cmd), t in zip(rows, times):
        t.sort()
        med, mx, rss = t[len(t) // 2] * 1000, t[-1] * 1000, peak_rss(cmd)
        if what == 'all analyzers':
            worst_ms, worst_rss = max(worst_ms, med), max(worst_rss, rss)
        print(f"{name:12s} {what:24s} {med:10.1f} {mx:8.1f} {rss:13.1f}")
    print(f"\nall analyzers, worst dump: {worst_ms:.1f} ms median, {worst_rss:.1f} MiB peak RSS "
          f"(target: under 250 ms and 32 MiB)")


if __name__ == '__main__':
    main()
