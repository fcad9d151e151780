#!/usr/bin/env python3
"""`vmcored collect` timing on the real fixtures: from the start of collect to
the fingerprint record being in the store, and to the crash being complete
(MANIFEST stored), read from collect's own log lines; median of N runs, each
into a fresh spool and store. Also the peak RSS of a run.

Usage: tests/bench/bench-collect.py [--runs N] [--vmcored build/daemon/vmcored] [--store file]
Needs ../shared/fixtures/vmcores, makedumpfile, xz. Only the file:// store for
now (S3, HTTPS and SFTP come with their backends)."""
import argparse, os, re, shutil, statistics, subprocess, sys, tempfile

def one(vmcored, dump, tmp, i):
    spool, store = os.path.join(tmp, f'spool{i}'), os.path.join(tmp, f'store{i}')
    conf = os.path.join(tmp, 'empty.conf')
    p = subprocess.run(['/usr/bin/time', '-f', 'RSS %M', vmcored, 'collect', '--config', conf, '--vmcore', dump,
                        '--spool', spool, '--store', 'file://' + store], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"collect failed ({p.returncode}): {p.stderr}")
    fp = re.search(r'stored in \S+ \((\d+) ms after start\)', p.stderr)
    done = re.search(r'complete in \S+ \((\d+) ms\)', p.stderr)
    rss = re.search(r'RSS (\d+)', p.stderr)
    shutil.rmtree(spool)
    shutil.rmtree(store)
    return int(fp.group(1)), int(done.group(1)), int(rss.group(1)) / 1024

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--vmcored', default='build/daemon/vmcored')
    ap.add_argument('--shared', default=os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared'))
    a = ap.parse_args()
    fx = os.path.join(a.shared, 'fixtures', 'vmcores')
    if not os.path.isdir(fx):
        sys.exit(f"SKIP: {fx} missing")
    tmp = tempfile.mkdtemp(prefix='vmcored-bench-collect-')
    try:
        open(os.path.join(tmp, 'empty.conf'), 'w').write('# defaults\n')
        elf = os.path.join(tmp, 'sysrq.elf')
        with open(elf, 'wb') as f:
            subprocess.run(['xz', '-dc', os.path.join(fx, 'SYSRQ', 'vmcore.elf.xz')], stdout=f, check=True)
        dumps = [('SYSRQ ELF (%d MiB) -> makedumpfile -l -d 31' % (os.path.getsize(elf) >> 20), elf)]
        for kind in sorted(os.listdir(fx)):
            p = os.path.join(fx, kind, 'vmcore')
            if os.path.exists(p):
                dumps.append(('%s kdump-compressed (%d MiB), copied' % (kind, os.path.getsize(p) >> 20), p))
        print(f"{'dump (file:// store)':52s} {'fingerprint ms':>15s} {'complete ms':>12s} {'peak RSS MiB':>13s}")
        for name, path in dumps:
            res = [one(a.vmcored, path, tmp, i) for i in range(a.runs)]
            print(f"{name:52s} {statistics.median(r[0] for r in res):15.0f} {statistics.median(r[1] for r in res):12.0f}"
                  f" {max(r[2] for r in res):13.1f}")
    finally:
        shutil.rmtree(tmp)

if __name__ == '__main__':
    main()
