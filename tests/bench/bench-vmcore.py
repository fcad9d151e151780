#!/usr/bin/env python3
"""Dump analysis speed and memory, side by side with the tools that only
print the log: time (median of N runs) and peak RSS of
`vmcored analyze --json` on each format (ELF, lzo, zlib, flattened lzo and
zlib, all made from the SYSRQ ELF dump; and the BUG dump, whose RIP is in a
module) next to `vmcore-dmesg` and `makedumpfile --dump-dmesg` on the same ELF
dump, all in one run.

Usage: tests/bench/bench-vmcore.py [--runs N] [--vmcored build/daemon/vmcored]
Needs ../shared/fixtures/vmcores, makedumpfile, vmcore-dmesg, xz."""
import argparse, os, shutil, subprocess, sys, tempfile, time

def run_once(cmd):
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dt = time.perf_counter() - t
    if p.returncode not in (0, 3):
        sys.exit(f"{cmd}: exit {p.returncode}")
    return dt

def peak_rss(cmd):
    """Peak RSS in MiB of one run (ru_maxrss of children is a maximum over
    all of them, so it is taken from /usr/bin/time per command)."""
    out = subprocess.run(['/usr/bin/time', '-f', '%M'] + cmd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True).stderr.strip().splitlines()[-1]
    return int(out) / 1024

def measure(cmds, runs):
    """Median wall time in ms of each command over runs rounds. Each round
    runs every command once, in turn: on a shared machine a slow spell then
    slows all of them alike instead of whichever was being measured, which
    keeps the side-by-side ratios honest."""
    times = [[] for _ in cmds]
    for _ in range(runs):
        for i, cmd in enumerate(cmds):
            times[i].append(run_once(cmd))
    return [sorted(t)[len(t) // 2] * 1000 for t in times]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--runs', type=int, default=31)
    ap.add_argument('--vmcored', default='build/daemon/vmcored')
    ap.add_argument('--shared', default=os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared'))
    a = ap.parse_args()
    fx = os.path.join(a.shared, 'fixtures', 'vmcores')
    if not os.path.isdir(fx):
        sys.exit(f"SKIP: {fx} missing")
    tmp = tempfile.mkdtemp(prefix='vmcored-bench-')
    try:
        elf = os.path.join(tmp, 'sysrq.elf')
        with open(elf, 'wb') as f:
            subprocess.run(['xz', '-dc', os.path.join(fx, 'SYSRQ', 'vmcore.elf.xz')], stdout=f, check=True)
        files = {'ELF (SYSRQ)': elf}
        for name, opts in [('lzo', ['-l']), ('zlib', ['-c']), ('flattened lzo', ['-F', '-l']), ('flattened zlib', ['-F', '-c'])]:
            out = os.path.join(tmp, name.replace(' ', '-'))
            if '-F' in opts:
                with open(out, 'wb') as f:
                    subprocess.run(['makedumpfile'] + opts + ['-d', '31', elf], stdout=f, stderr=subprocess.DEVNULL, check=True)
            else:
                subprocess.run(['makedumpfile'] + opts + ['-d', '31', elf, out], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            files[name + ' (SYSRQ)'] = out
        # A module crash: naming the RIP in lkdtm reads kallsyms' name table
        # and the kernel's BTF as well.
        files['lzo (BUG, RIP in a module)'] = os.path.join(fx, 'BUG', 'vmcore')
        rows = [('/bin/true (process start)', ['/bin/true']),
                ('vmcore-dmesg, ELF (log only)', ['vmcore-dmesg', elf]),
                ('makedumpfile --dump-dmesg, ELF (log only)', ['makedumpfile', '--dump-dmesg', '-f', elf, os.path.join(tmp, 'md.txt')]),
                ('vmcored dmesg, ELF (log only)', [a.vmcored, 'dmesg', elf])]
        rows += [(f'vmcored analyze --json, {k}', [a.vmcored, 'analyze', '--json', v]) for k, v in files.items()]
        medians = measure([cmd for _, cmd in rows], a.runs)
        base = medians[1]
        print(f"{'command':58s} {'median ms':>10s} {'x vmcore-dmesg':>15s} {'peak RSS MiB':>13s}")
        for (name, cmd), ms in zip(rows, medians):
            print(f"{name:58s} {ms:10.1f} {ms / base:15.2f} {peak_rss(cmd):13.1f}")
    finally:
        shutil.rmtree(tmp)

if __name__ == '__main__':
    main()
