#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Streamed vs sequential capture+upload of the dump of a big guest to S3
(Ceph radosgw on 127.0.0.1, started by tests/store/radosgw.sh), in one run:

  - sequential: `vmcored collect --spool DIR`: makedumpfile captures the dump
    into the spool on disk, then the file is uploaded (64 MiB parts);
  - streamed: the same with [capture] spool = none: makedumpfile -F is
    streamed into the store (8 MiB parts), nothing on disk.

For each dump level: wall time of each collect (target: streamed <= 0.6 x
sequential), the dump size vmcored reports, and the peak RSS (VmHWM, read
every 20 ms) of the vmcored process itself (target: <= 32 MiB whatever the
dump size), of makedumpfile and of collect's analysis child.

Then the resume cost: a dump at level 1 (many 64 MiB parts) captured into
the spool while the store is away, `vmcored upload` killed (SIGKILL) once it
has logged >= 50 % sent, and `vmcored upload` again: what the second run
found stored, what it sent, the bytes sent twice (target: <= one part), and
that the object in the store has the size of the spool's dump.

The guest is tests/bench/make-big-elf.py from the SYSRQ fixture. radosgw's
OSD keeps objects in RAM (RGW_MEMSTORE_BYTES=8 GiB); each run's objects are
deleted (and rgw's garbage collected) after it.

Usage: tests/bench/bench-stream.py [--size-gib N] [--dump-levels 31,1]
         [--runs N] [--no-resume] [--work DIR] [--keep] [--fixture ELF.xz]
         [--vmcored PATH]
Needs root, makedumpfile, xz, curl and radosgw (tests/store/radosgw.sh);
RAM for the memstore (8 GiB) and disk in --work for the guest and a dump."""
import resource, argparse, os, re, shlex, shutil, signal, statistics, subprocess, sys, threading, time
import urllib.parse
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
RADOSGW_SH = os.path.join(ROOT, 'tests', 'store', 'radosgw.sh')
MIB = 1 << 20
FILE_PART = 64 * MIB           # the part size of a file upload (a dump below 625 GiB)
MEMSTORE_BYTES = 8 << 30
SAMPLE_S = 0.02
RATIO_TARGET = 0.60
RSS_TARGET_MIB = 32


def env_of(path):
    env = {}
    for line in open(path):
        k, _, v = line.strip().partition('=')
        if k:
            env[k] = v
    return env


def fail(msg):
    raise SystemExit(f'bench-stream: {msg}')


class Rgw:
    """radosgw on 127.0.0.1 and the few signed requests the bench needs."""

    def __init__(self, dir):
        self.dir = dir
        subprocess.run(['bash', RADOSGW_SH, 'stop', dir], stdout=subprocess.DEVNULL)  # a leftover of an earlier run
        env = dict(os.environ, RGW_MEMSTORE_BYTES=str(MEMSTORE_BYTES))
        subprocess.run(['bash', RADOSGW_SH, 'start', dir], check=True, stdout=subprocess.DEVNULL, env=env)
        self.started = True
        e = env_of(os.path.join(dir, 'env'))
        self.endpoint, self.bucket, self.region = e['S3_ENDPOINT'], e['S3_BUCKET'], e['S3_REGION']
        self.ak, self.sk = e['S3_ACCESS_KEY'], e['S3_SECRET_KEY']

    def stop(self):
        subprocess.run(['bash', RADOSGW_SH, 'stop', self.dir], stdout=subprocess.DEVNULL)

    def cpu_s(self):
        """CPU seconds used so far by this cluster's daemons (mon, osd, radosgw)."""
        total = 0
        conf = os.path.join(self.dir, 'ceph.conf').encode()
        for pid in os.listdir('/proc'):
            if not pid.isdigit():
                continue
            try:
                if conf not in open(f'/proc/{pid}/cmdline', 'rb').read():
                    continue
                f = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()
                total += int(f[11]) + int(f[12])
            except OSError:
                continue
        return total / os.sysconf('SC_CLK_TCK')

    def url(self, prefix, endpoint=None):
        return f's3://{self.bucket}/{prefix}?endpoint={endpoint or self.endpoint}&region={self.region}'

    def curl(self, *args):
        return subprocess.run(['curl', '-sS', '--fail', '--max-time', '120', '--aws-sigv4',
                               f'aws:amz:{self.region}:s3', '--user', f'{self.ak}:{self.sk}',
                               '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD', *args],
                              check=True, capture_output=True, text=True).stdout

    def list(self, prefix):
        keys, token = [], None
        while True:
            q = f"{self.endpoint}/{self.bucket}?list-type=2&prefix={urllib.parse.quote(prefix + '/', safe='')}"
            if token:
                q += '&continuation-token=' + urllib.parse.quote(token, safe='')
            root = ET.fromstring(self.curl(q))
            ns = root.tag[:root.tag.index('}') + 1] if root.tag.startswith('{') else ''
            keys += [(c.findtext(f'{ns}Key'), int(c.findtext(f'{ns}Size') or 0))
                     for c in root.iter(f'{ns}Contents')]
            token = root.findtext(f'{ns}NextContinuationToken')
            if root.findtext(f'{ns}IsTruncated') != 'true' or not token:
                return keys

    def head_size(self, key):
        out = self.curl('-I', f'{self.endpoint}/{self.bucket}/{key}')
        m = re.search(r'^content-length:\s*(\d+)', out, re.I | re.M)
        return int(m.group(1)) if m else None

    def delete_prefix(self, prefix):
        """Deletes the objects under prefix/, and has rgw free their data
        now (its garbage collection would wait hours): the OSD keeps them
        in RAM."""
        for key, _ in self.list(prefix):
            self.curl('-X', 'DELETE', f'{self.endpoint}/{self.bucket}/{key}')
        subprocess.run(['radosgw-admin', '-c', os.path.join(self.dir, 'ceph.conf'), '-n', 'client.admin',
                        '--keyring', os.path.join(self.dir, 'keyring'), 'gc', 'process', '--include-all'],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)


def hwm_kib(pid):
    """(comm, VmHWM in KiB) of a live process, else None."""
    try:
        with open(f'/proc/{pid}/status') as f:
            comm = hwm = None
            for line in f:
                if line.startswith('Name:'):
                    comm = line.split(None, 1)[1].strip()
                elif line.startswith('VmHWM:'):
                    hwm = int(line.split()[1])
                    break
        return (comm, hwm) if hwm is not None else None
    except (OSError, ValueError, IndexError):
        return None


def children(pid):
    out = []
    try:
        for tid in os.listdir(f'/proc/{pid}/task'):
            try:
                with open(f'/proc/{pid}/task/{tid}/children') as f:
                    out += [int(x) for x in f.read().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


class RssSampler(threading.Thread):
    """Every 20 ms: VmHWM of the process and of each of its descendants.
    VmHWM only grows, so the last value read before a process ends is its
    peak. A descendant is counted under the name it has when last read (a
    forked child is still "vmcored" until it execs makedumpfile, and its
    high-water mark starts again at the exec)."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.main_kib, self.desc = pid, 0, {}  # desc: pid -> [comm, kib]
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            v = hwm_kib(self.pid)
            if v:
                self.main_kib = max(self.main_kib, v[1])
            todo, seen = children(self.pid), set()
            while todo:
                p = todo.pop()
                if p in seen:
                    continue
                seen.add(p)
                v = hwm_kib(p)
                if v:
                    d = self.desc.get(p)
                    if d is None or d[0] != v[0]:
                        self.desc[p] = [v[0], v[1]]
                    else:
                        d[1] = max(d[1], v[1])
                todo += children(p)
            self.done.wait(SAMPLE_S)

    def stop(self):
        self.done.set()
        self.join()

    def peak_mib(self, comm):
        """The largest peak of the descendants called comm; None when none
        was seen (one that lives less than 20 ms can be missed)."""
        vals = [k for c, k in self.desc.values() if c == comm]
        return max(vals) / 1024 if vals else None


def run_collect(a, conf, spool, url, log, env=None, rgw=None):
    """One vmcored collect: wall time, peak RSS, CPU time (vmcored and its
    children; the store's daemons), stderr; fails unless it exits 0."""
    cmd = [a.vmcored, 'collect', '--config', conf, '--vmcore', a.big, '--store', url]
    if spool:
        cmd += ['--spool', spool]
    with open(log, 'w') as err:
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        store0 = rgw.cpu_s() if rgw else 0.0
        t = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True,
                             env=dict(os.environ, **(env or {})))
        s = RssSampler(p.pid)
        s.start()
        out, _ = p.communicate()
        wall = time.monotonic() - t
        store_cpu = rgw.cpu_s() - store0 if rgw else 0.0
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        s.stop()
    own_cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    stderr = open(log).read()
    if p.returncode != 0:
        sys.stderr.write(f'$ {shlex.join(cmd)}\n{stderr[-4000:]}')
        fail(f'collect exited with status {p.returncode} (stderr above, all of it in {log})')
    m = re.search(r'dump (streamed|sent): ([\d.]+) MiB in ([\d.]+) s', stderr)
    if not m:
        fail(f'collect logged no "dump streamed/sent" line ({log})')
    return {'wall': wall, 'dump_mib': float(m.group(2)), 'dump_s': float(m.group(3)),
            'crash_id': out.strip().splitlines()[-1] if out.strip() else None,
            'cpu': own_cpu, 'store_cpu': store_cpu,
            'rss': s.main_kib / 1024, 'mdf': s.peak_mib('makedumpfile'),
            'child': s.peak_mib('vmcored'),
            'other': max([k / 1024 for c, k in s.desc.values() if c not in ('vmcored', 'makedumpfile')] or [0.0]),
            'stderr': stderr}


def write_conf(path, cred, level, extra=''):
    with open(path, 'w') as f:
        f.write(f'[store]\nallow_http = yes\ncredentials = {cred}\n[capture]\ndump_level = {level}\n{extra}')


def comparison(a, rgw, cred):
    results = {}
    for level in a.levels:
        seq_conf = os.path.join(a.work, f'seq-{level}.conf')
        stream_conf = os.path.join(a.work, f'stream-{level}.conf')
        write_conf(seq_conf, cred, level)
        write_conf(stream_conf, cred, level, 'spool = none\n')
        res = {'seq': [], 'stream': []}
        for i in range(1, a.runs + 1):
            # sequential: capture into the spool on disk, then upload the file
            prefix = f'seq-{level}-{i}'
            spool = os.path.join(a.work, f'spool-seq-{level}-{i}')
            r = run_collect(a, seq_conf, spool, rgw.url(prefix), os.path.join(a.work, f'{prefix}.log'), rgw=rgw)
            vmcore = os.path.join(spool, r['crash_id'] or '', 'vmcore')
            r['spool_mib'] = os.path.getsize(vmcore) / MIB if os.path.exists(vmcore) else float('nan')
            res['seq'].append(r)
            rgw.delete_prefix(prefix)
            shutil.rmtree(spool)
            print(f'  level {level} run {i} sequential: {r["wall"]:.2f} s (upload of the '
                  f'{r["spool_mib"]:.1f} MiB spool file: {r["dump_s"]:.2f} s), vmcored {r["rss"]:.1f} MiB', flush=True)
            # streamed: makedumpfile -F into the store
            prefix = f'stream-{level}-{i}'
            rt = os.path.join(a.work, f'rt-{level}-{i}')
            os.makedirs(rt, exist_ok=True)
            r = run_collect(a, stream_conf, None, rgw.url(prefix), os.path.join(a.work, f'{prefix}.log'),
                            env={'RUNTIME_DIRECTORY': rt}, rgw=rgw)
            res['stream'].append(r)
            rgw.delete_prefix(prefix)
            shutil.rmtree(rt)
            print(f'  level {level} run {i} streamed:   {r["wall"]:.2f} s, vmcored {r["rss"]:.1f} MiB', flush=True)
        results[level] = res
    med = statistics.median
    what = 'median of %d runs; RSS: the largest' % a.runs if a.runs > 1 else 'one run'
    print(f'\nStreamed vs sequential, {a.size_gib:g} GiB guest ({what}); RSS = peak VmHWM\n')

    def peak(vals):
        vals = [v for v in vals if v is not None]
        return f'{max(vals):.1f}' if vals else '-'

    print(f"{'level':>5s}  {'mode':10s} {'wall s':>8s} {'dump MiB':>9s} {'dump s':>7s} {'vmcored RSS MiB':>16s}"
          f" {'makedumpfile RSS MiB':>21s} {'analysis child RSS MiB':>23s}")
    for level in a.levels:
        for mode in ('seq', 'stream'):
            rs = results[level][mode]
            print(f"{level:>5d}  {'sequential' if mode == 'seq' else 'streamed':10s} {med(r['wall'] for r in rs):8.2f}"
                  f" {med(r['dump_mib'] for r in rs):9.1f} {med(r['dump_s'] for r in rs):7.2f}"
                  f" {max(r['rss'] for r in rs):16.1f} {peak(r['mdf'] for r in rs):>21s}"
                  f" {peak(r['child'] for r in rs):>23s}")
            if max(r['other'] for r in rs) > 0:
                print(f"{'':17s}(other descendants: {max(r['other'] for r in rs):.1f} MiB)")
    print('  dump s: sequential = the upload of the spool file ("dump sent"), streamed = makedumpfile -F '
          'into the store ("dump streamed")')
    print('  RSS "-": no such process seen (the analysis child can end before the first 20 ms sample)\n')
    ncpu = os.cpu_count()
    print(f"CPU seconds (median): vmcored with makedumpfile, and the store's daemons on this same host; "
          f"with {ncpu} CPUs no run can take less than their sum / {ncpu}")
    for level in a.levels:
        for mode in ('seq', 'stream'):
            rs = results[level][mode]
            own, store = med(r['cpu'] for r in rs), med(r['store_cpu'] for r in rs)
            print(f"{level:>5d}  {'sequential' if mode == 'seq' else 'streamed':10s} vmcored+makedumpfile "
                  f"{own:5.2f} s, store {store:5.2f} s, floor {(own + store) / ncpu:5.2f} s")
    print()
    for level in a.levels:
        seq = med(r['wall'] for r in results[level]['seq'])
        st = med(r['wall'] for r in results[level]['stream'])
        rss = max(r['rss'] for r in results[level]['stream'])
        print(f'level {level:>2d}: streamed/sequential wall time = {st:.2f}/{seq:.2f} = {st / seq:.2f}  '
              f'(target <= {RATIO_TARGET:.2f}: {"met" if st / seq <= RATIO_TARGET else "NOT met"}); '
              f'vmcored peak RSS while streaming {rss:.2f} MiB (target <= {RSS_TARGET_MIB}: '
              f'{"met" if rss <= RSS_TARGET_MIB else "NOT met"})')
    sys.stdout.flush()


def resume(a, rgw, cred):
    level = 1
    conf = os.path.join(a.work, f'seq-level{level}.conf')
    away_conf = os.path.join(a.work, 'resume-away.conf')
    write_conf(conf, cred, level)
    write_conf(away_conf, cred, level, '[upload]\nretries = 0\n')
    spool = os.path.join(a.work, 'spool-resume')
    prefix = 'resume'
    print(f'\nResume: dump level {level}, store away during collect, vmcored upload killed at >= 50 % sent, '
          'then vmcored upload again', flush=True)

    cmd = [a.vmcored, 'collect', '--config', away_conf, '--vmcore', a.big, '--spool', spool,
           '--store', rgw.url(prefix, endpoint='http://127.0.0.1:9')]
    p = subprocess.run(cmd, capture_output=True, text=True)
    open(os.path.join(a.work, 'resume-collect.log'), 'w').write(p.stderr)
    if p.returncode != 4:
        sys.stderr.write(f'$ {shlex.join(cmd)}\n{p.stderr[-4000:]}')
        fail(f'collect with the store away exited with status {p.returncode}, not 4 (kept in the spool)')
    crash_id = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else None
    if not crash_id:
        ids = [d for d in os.listdir(spool) if os.path.isfile(os.path.join(spool, d, 'vmcore'))]
        crash_id = ids[0] if len(ids) == 1 else fail(f'no single crash with a vmcore in {spool}: {ids}')
    vmcore = os.path.join(spool, crash_id, 'vmcore')
    size = os.path.getsize(vmcore)
    parts = -(-size // FILE_PART)
    print(f'  captured into the spool: {size / MIB:.1f} MiB ({parts} parts of 64 MiB)', flush=True)

    # First upload: killed once it says half the dump is sent.
    cmd = [a.vmcored, 'upload', '--config', conf, '--spool', spool, '--store', rgw.url(prefix)]
    log1 = os.path.join(a.work, 'resume-upload1.log')
    reported = None
    killed = False
    with open(log1, 'w') as logf:
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for line in p.stderr:
            logf.write(line)
            m = re.search(r': (\d+) of (\d+) MiB sent', line)
            if m:
                reported = int(m.group(1))
                if 2 * int(m.group(1)) >= int(m.group(2)):
                    p.send_signal(signal.SIGKILL)
                    killed = True
                    break
        p.stderr.close()
        rc = p.wait()
    if not killed:
        fail(f'the first vmcored upload ended (status {rc}) before it logged 50 % sent ({log1})')

    # Second upload: to the end.
    log2 = os.path.join(a.work, 'resume-upload2.log')
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    open(log2, 'w').write(p.stderr)
    if p.returncode != 0:
        sys.stderr.write(f'$ {shlex.join(cmd)}\n{p.stderr[-4000:]}')
        fail(f'the second vmcored upload exited with status {p.returncode}, not 0')
    m = re.search(r'going on with the upload of an earlier run: (\d+) parts? \((\d+) MiB\) already stored', p.stderr)
    if not m:
        sys.stderr.write(p.stderr[-4000:])
        fail('the second vmcored upload did not go on with the earlier upload (stderr above)')
    stored_parts, stored = int(m.group(1)), int(m.group(2))
    m = re.search(r'dump sent: ([\d.]+) MiB in ([\d.]+) s', p.stderr)
    if not m:
        fail(f'the second vmcored upload logged no "dump sent" line ({log2})')
    sent2, secs2 = float(m.group(1)), float(m.group(2))

    key = f'{prefix}/v1/crashes/{crash_id}/vmcore'
    in_store = rgw.head_size(key)
    smib = size / MIB
    missing = smib - stored
    whole = max(reported, stored)
    resent = round(whole + sent2 - smib, 1) + 0.0  # no "-0.0"
    upper = resent + FILE_PART / MIB
    print(f'  dump (the spool\'s vmcore):             {smib:7.1f} MiB, {parts} parts')
    print(f'  run 1, killed (SIGKILL) once it logged: {reported:5d}   MiB sent')
    print(f'  run 2 found already stored:            {stored:5d}   MiB ({stored_parts} parts)')
    print(f'  run 2 sent:                            {sent2:7.1f} MiB in {secs2:.2f} s (missing: {missing:.1f} MiB; '
          f'beyond that: {round(sent2 - missing, 1) + 0.0:.1f} MiB)')
    print(f'  re-sent = run 1 + run 2 - dump = {whole} + {sent2:.1f} - {smib:.1f} = {resent:.1f} MiB; '
          f'<= {upper:.1f} MiB with the part in flight (target <= one part, 64 MiB: '
          f'{"met" if upper <= 64.05 else "NOT met"})')
    print('    run 1 counts the whole parts it is known to have sent (the larger of what it logged and what\n'
          '    run 2 found stored); the part in flight at the kill, lost with the process, is not counted:\n'
          '    it adds at most 64 MiB.')
    ok = in_store == size
    print(f'  object in the store: {in_store} bytes, spool vmcore {size} bytes: {"same size" if ok else "DIFFERENT"}')
    rgw.delete_prefix(prefix)
    shutil.rmtree(spool)
    if not ok:
        fail('the stored dump has not the size of the spool\'s')


def main():
    ap = argparse.ArgumentParser(description='Streamed vs sequential capture+upload to radosgw.')
    ap.add_argument('--size-gib', type=float, default=3)
    ap.add_argument('--dump-level', '--dump-levels', dest='levels', action='append',
                    help='dump level(s), repeatable or comma-separated (default 31)')
    ap.add_argument('--work', default='/var/tmp/vmcored-bench-stream')
    ap.add_argument('--keep', action='store_true', help='keep --work at the end')
    ap.add_argument('--fixture', default=os.path.join(ROOT, '..', 'shared', 'fixtures', 'vmcores', 'SYSRQ',
                                                      'vmcore.elf.xz'))
    ap.add_argument('--runs', type=int, default=1)
    ap.add_argument('--no-resume', action='store_true')
    ap.add_argument('--vmcored', default='build/daemon/vmcored')
    a = ap.parse_args()
    a.levels = sorted({int(x) for v in (a.levels or ['31']) for x in v.split(',') if x.strip()}, reverse=True)
    a.vmcored = os.path.join(ROOT, a.vmcored)  # an absolute path stays as it is
    a.work = os.path.abspath(a.work)
    if not os.access(a.vmcored, os.X_OK):
        fail(f'{a.vmcored}: no vmcored binary (build it first)')
    if not os.path.exists(a.fixture):
        fail(f'SKIP: {a.fixture} missing')
    if a.runs < 1:
        fail('--runs must be at least 1')

    print(f'$ cd {ROOT} && {shlex.join(["python3"] + sys.argv)}')
    rev = subprocess.run(['git', '-C', ROOT, 'describe', '--always', '--dirty'], capture_output=True,
                         text=True).stdout.strip()
    mdf = subprocess.run(['makedumpfile', '-v'], capture_output=True, text=True)
    mem = next((l.split()[1] for l in open('/proc/meminfo') if l.startswith('MemTotal:')), '0')
    print(f'vmcored {rev} ({a.vmcored}); {(mdf.stdout + mdf.stderr).strip().splitlines()[0]}; '
          f'{os.cpu_count()} CPUs, {int(mem) / (1 << 20):.1f} GiB RAM; work in {a.work}', flush=True)

    os.makedirs(a.work, exist_ok=True)
    rgw = None
    try:
        elf = os.path.join(a.work, 'fixture.elf')
        with open(elf, 'wb') as f:
            subprocess.run(['xz', '-dc', a.fixture], stdout=f, check=True)
        a.big = os.path.join(a.work, 'big.elf')
        t = time.monotonic()
        subprocess.run([sys.executable, os.path.join(HERE, 'make-big-elf.py'), elf, a.big,
                        '--size-gib', f'{a.size_gib:g}'], check=True)
        os.unlink(elf)
        print(f'guest: {os.path.getsize(a.big) / MIB:.1f} MiB ELF vmcore (made in {time.monotonic() - t:.0f} s)',
              flush=True)
        subprocess.run(f'cat {shlex.quote(a.big)} >/dev/null', shell=True, check=True)  # into the page cache

        rgw = Rgw(os.path.join(a.work, 'rgw'))
        print(f'radosgw: {rgw.endpoint}, bucket {rgw.bucket} (memstore {MEMSTORE_BYTES >> 30} GiB)\n', flush=True)
        cred = os.path.join(a.work, 's3.cred')
        with open(os.open(cred, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w') as f:
            f.write(f'access_key = {rgw.ak}\nsecret_key = {rgw.sk}\n')

        comparison(a, rgw, cred)
        if not a.no_resume:
            resume(a, rgw, cred)
    finally:
        if rgw:
            rgw.stop()
        else:
            subprocess.run(['bash', RADOSGW_SH, 'stop', os.path.join(a.work, 'rgw')], stdout=subprocess.DEVNULL)
        if not a.keep:
            shutil.rmtree(a.work, ignore_errors=True)


if __name__ == '__main__':
    main()
