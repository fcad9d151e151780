#!/usr/bin/env python3
"""How dump analysis time grows with the crashed machine's RAM and with its
kernel log. Real kdump captures are made with the QEMU lab (tests/e2e/lab):
guests of 512 MiB, 2 GiB and 4 GiB that crash with a short log, and a
512 MiB guest whose 4 MiB log buffer is full. For each: /proc/vmcore size,
log records and bytes, vmcored analyze on the live /proc/vmcore in the
capture kernel (TCG, best of 3), and on the host the median time and peak
RSS of `vmcored analyze --json` on the ELF and lzo dumps, next to
`vmcore-dmesg` on the ELF.

Usage: tests/bench/bench-dumpsize.py [--runs N] [--vmcored build/daemon/vmcored]
         [--work DIR] [--keep]"""
import argparse, importlib.util, json, os, shutil, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('bench_vmcore', os.path.join(here, 'bench-vmcore.py'))
bench_vmcore = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_vmcore)
lab = os.path.join(here, '..', 'e2e', 'lab', 'lab.sh')

GUESTS = [  # name, MiB, crashkernel, extra kernel arguments
    ('512 MiB, short log', 512, '192M', ''),
    ('2 GiB, short log', 2048, '192M', ''),
    ('4 GiB, short log', 4096, '256M', ''),
    ('512 MiB, 4 MiB log full', 512, '192M', 'log_buf_len=4M printk.devkmsg=on lab_kmsg_lines=60000'),
]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--runs', type=int, default=11)
    ap.add_argument('--vmcored', default='build/daemon/vmcored')
    ap.add_argument('--work')
    ap.add_argument('--keep', action='store_true')
    a = ap.parse_args()
    if subprocess.run([lab, 'check']).returncode != 0:
        sys.exit('SKIP: the QEMU lab cannot run here')
    work = a.work or tempfile.mkdtemp(prefix='vmcored-dumpsize-')
    os.makedirs(work, exist_ok=True)
    try:
        subprocess.run([lab, 'setup', os.path.join(work, 'lab'), '--binary',
                        os.path.abspath(a.vmcored) + '=/usr/bin/vmcored'], check=True)
        rows = []
        for name, mem, ck, append in GUESTS:
            run = os.path.join(work, f'{mem}-{len(append)}')
            out = os.path.join(run, 'share', 'out')
            if not os.path.exists(os.path.join(out, 'vmcore.lzo')):
                subprocess.run([lab, 'run', os.path.join(work, 'lab'), 'SYSRQ', run, '--mem', str(mem),
                                '--crashkernel', ck, '--append', append, '--timeout', '900',
                                '--capture', os.path.join(here, 'capture-dumpsize.sh')], check=True)
            rc = dict(l.strip().split('=', 1) for l in open(os.path.join(out, 'rc.txt')) if '=' in l)
            rep = json.load(open(os.path.join(out, 'analyze.json')))
            dmesg = subprocess.run([a.vmcored, 'dmesg', os.path.join(out, 'vmcore.lzo')],
                                   capture_output=True, check=True).stdout
            elf, lzo = os.path.join(out, 'vmcore.elf'), os.path.join(out, 'vmcore.lzo')
            t_elf, m_elf = bench_vmcore.measure([a.vmcored, 'analyze', '--json', elf], a.runs)
            t_lzo, m_lzo = bench_vmcore.measure([a.vmcored, 'analyze', '--json', lzo], a.runs)
            t_vd, _ = bench_vmcore.measure(['vmcore-dmesg', elf], a.runs)
            rows.append((name, int(rc['vmcore_bytes']) >> 20, os.path.getsize(elf) >> 20,
                         os.path.getsize(lzo) >> 20, rep['dump']['log']['records'], len(dmesg) >> 10,
                         float(rc['live_analyze_s']) * 1000, t_elf, m_elf, t_lzo, m_lzo, t_vd))
        hdr = ('guest', '/proc/vmcore MiB', 'ELF MiB', 'lzo MiB', 'records', 'log KiB',
               'live ms (TCG)', 'ELF ms', 'ELF RSS', 'lzo ms', 'lzo RSS', 'vmcore-dmesg ms')
        print(' | '.join(hdr))
        for r in rows:
            print(' | '.join([r[0]] + [f'{v:.1f}' if isinstance(v, float) else str(v) for v in r[1:]]))
    finally:
        if not a.keep and not a.work:
            shutil.rmtree(work)

if __name__ == '__main__':
    main()
