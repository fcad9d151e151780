#!/usr/bin/env python3
"""`vmcored collect` on the real fixtures, into each kind of store started on
127.0.0.1 by the test scripts (file, S3 = Ceph radosgw, SFTP = sshd): time
from the start of collect to the fingerprint record being in the store, and
to the crash being complete (MANIFEST stored), read from collect's own log
lines; median of N runs, each into a fresh spool and store prefix; peak RSS
of a run (the largest vmcored process).

With --big (S3 only): one collect of a dump padded to 1 GiB (a kdump file
with random bytes appended, which collect copies as it is and sends as a
multipart upload): its peak RSS and upload throughput, and `curl -T` of the
same file to the same radosgw (one PUT) for comparison.

Usage: tests/bench/bench-collect.py [--runs N] [--stores file,s3,sftp] [--big]
Needs ../shared/fixtures/vmcores, makedumpfile, xz; radosgw and sshd for
those stores."""
import argparse, os, re, shutil, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
STORE_SCRIPTS = os.path.join(HERE, '..', 'store')


def env_of(path):
    env = {}
    for line in open(path):
        k, _, v = line.strip().partition('=')
        if k:
            env[k] = v
    return env


class Store:
    """A store and the config that reaches it; prefix() gives a fresh place."""
    def __init__(self, kind, tmp):
        self.kind, self.tmp, self.n = kind, tmp, 0
        self.conf = os.path.join(tmp, f'{kind}.conf')
        if kind == 'file':
            open(self.conf, 'w').write('# defaults\n')
        elif kind == 's3':
            self.dir = os.path.join(tmp, 'rgw')
            subprocess.run(['bash', os.path.join(STORE_SCRIPTS, 'radosgw.sh'), 'start', self.dir], check=True,
                           stdout=subprocess.DEVNULL)
            self.env = env_of(os.path.join(self.dir, 'env'))
            cred = os.path.join(tmp, 's3.cred')
            with open(os.open(cred, os.O_WRONLY | os.O_CREAT, 0o600), 'w') as f:
                f.write(f"access_key = {self.env['S3_ACCESS_KEY']}\nsecret_key = {self.env['S3_SECRET_KEY']}\n")
            open(self.conf, 'w').write(f'[store]\nallow_http = yes\ncredentials = {cred}\n')
        elif kind == 'sftp':
            self.dir = os.path.join(tmp, 'sshd')
            subprocess.run(['bash', os.path.join(STORE_SCRIPTS, 'sshd-server.sh'), 'start', self.dir], check=True,
                           stdout=subprocess.DEVNULL)
            self.env = env_of(os.path.join(self.dir, 'env'))
            open(self.conf, 'w').write(f"[store]\nssh_key = {self.env['SFTP_KEY']}\n"
                                       f"ssh_host_key = {self.env['SFTP_HOST_KEY_FINGERPRINT']}\n")

    def url(self):
        self.n += 1
        if self.kind == 'file':
            return 'file://' + os.path.join(self.tmp, f'store{self.n}')
        if self.kind == 's3':
            e = self.env
            return f"s3://{e['S3_BUCKET']}/run{self.n}?endpoint={e['S3_ENDPOINT']}&region={e['S3_REGION']}"
        e = self.env
        return f"sftp://{e['SFTP_USER']}@{e['SFTP_HOST']}:{e['SFTP_PORT']}{e['SFTP_ROOT']}/run{self.n}"

    def stop(self):
        if self.kind == 's3':
            subprocess.run(['bash', os.path.join(STORE_SCRIPTS, 'radosgw.sh'), 'stop', self.dir])
        elif self.kind == 'sftp':
            subprocess.run(['bash', os.path.join(STORE_SCRIPTS, 'sshd-server.sh'), 'stop', self.dir])


def collect(vmcored, store, dump, tmp, extra_conf=None):
    spool = tempfile.mkdtemp(prefix='spool', dir=tmp)
    conf = store.conf
    if extra_conf:
        conf = os.path.join(tmp, 'extra.conf')
        open(conf, 'w').write(open(store.conf).read() + extra_conf)
    p = subprocess.run(['/usr/bin/time', '-f', 'RSS %M', vmcored, 'collect', '--config', conf, '--vmcore', dump,
                        '--spool', spool, '--store', store.url()], capture_output=True, text=True)
    shutil.rmtree(spool)
    if p.returncode != 0:
        sys.exit(f"collect failed ({p.returncode}): {p.stderr}")
    fp = re.search(r'stored in \S+ \((\d+) ms after start\)', p.stderr)
    done = re.search(r'complete in \S+ \((\d+) ms\)', p.stderr)
    rss = re.search(r'RSS (\d+)', p.stderr)
    sent = re.search(r'dump sent: ([\d.]+) MiB in ([\d.]+) s \((\d+) MiB/s\)', p.stderr)
    return {'fp': int(fp.group(1)), 'done': int(done.group(1)), 'rss': int(rss.group(1)) / 1024,
            'mib': float(sent.group(1)) if sent else 0, 'secs': float(sent.group(2)) if sent else 0}


def fixtures_table(a, stores, tmp, fx):
    elf = os.path.join(tmp, 'sysrq.elf')
    with open(elf, 'wb') as f:
        subprocess.run(['xz', '-dc', os.path.join(fx, 'SYSRQ', 'vmcore.elf.xz')], stdout=f, check=True)
    dumps = [('SYSRQ ELF (%d MiB) -> makedumpfile -l -d 31' % (os.path.getsize(elf) >> 20), elf)]
    for kind in sorted(os.listdir(fx)):
        p = os.path.join(fx, kind, 'vmcore')
        if os.path.exists(p):
            dumps.append(('%s kdump (%d MiB), copied' % (kind, os.path.getsize(p) >> 20), p))
    print(f"{'store':6s} {'dump':44s} {'fingerprint ms':>15s} {'complete ms':>12s} {'peak RSS MiB':>13s}")
    for store in stores:
        for name, path in dumps:
            res = [collect(a.vmcored, store, path, tmp) for _ in range(a.runs)]
            print(f"{store.kind:6s} {name:44s} {statistics.median(r['fp'] for r in res):15.0f}"
                  f" {statistics.median(r['done'] for r in res):12.0f} {max(r['rss'] for r in res):13.1f}",
                  flush=True)


def big_upload(a, s3, tmp, fx):
    src = os.path.join(fx, 'BUG', 'vmcore')
    big = os.path.join(tmp, 'big.kdump')
    shutil.copyfile(src, big)
    with open(big, 'ab') as f:
        left = (1 << 30) - os.path.getsize(src)
        while left > 0:
            n = min(left, 16 << 20)
            f.write(os.urandom(n))
            left -= n
    r = collect(a.vmcored, s3, big, tmp)
    print(f"\nS3 multipart, 1 GiB dump (BUG kdump + random bytes), collect: upload {r['mib']:.0f} MiB in "
          f"{r['secs']:.2f} s = {r['mib'] / r['secs']:.0f} MiB/s; peak RSS {r['rss']:.1f} MiB", flush=True)
    e = s3.env
    t = time.monotonic()
    subprocess.run(['curl', '-sS', '--fail', '-o', '/dev/null', '--aws-sigv4', f"aws:amz:{e['S3_REGION']}:s3",
                    '--user', f"{e['S3_ACCESS_KEY']}:{e['S3_SECRET_KEY']}", '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD',
                    '-T', big, f"{e['S3_ENDPOINT']}/{e['S3_BUCKET']}/curl-big"], check=True)
    secs = time.monotonic() - t
    print(f"curl -T of the same file (one PUT, unsigned payload): {secs:.2f} s = {1024 / secs:.0f} MiB/s")
    subprocess.run(['curl', '-sS', '--fail', '-X', 'DELETE', '--aws-sigv4', f"aws:amz:{e['S3_REGION']}:s3",
                    '--user', f"{e['S3_ACCESS_KEY']}:{e['S3_SECRET_KEY']}", '-H', 'x-amz-content-sha256: UNSIGNED-PAYLOAD',
                    f"{e['S3_ENDPOINT']}/{e['S3_BUCKET']}/curl-big"], check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--runs', type=int, default=5)
    ap.add_argument('--vmcored', default='build/daemon/vmcored')
    ap.add_argument('--stores', default='file,s3,sftp')
    ap.add_argument('--big', action='store_true', help='also the 1 GiB multipart upload (S3)')
    ap.add_argument('--shared', default=os.path.join(HERE, '..', '..', '..', 'shared'))
    a = ap.parse_args()
    fx = os.path.join(a.shared, 'fixtures', 'vmcores')
    if not os.path.isdir(fx):
        sys.exit(f"SKIP: {fx} missing")
    tmp = tempfile.mkdtemp(prefix='vmcored-bench-collect-')
    stores = []
    try:
        for kind in a.stores.split(','):
            stores.append(Store(kind, tmp))
        if a.runs > 0:
            fixtures_table(a, stores, tmp, fx)
        if a.big:
            s3 = [s for s in stores if s.kind == 's3']
            if not s3:
                stores.append(Store('s3', tmp))
                s3 = stores[-1:]
            big_upload(a, s3[0], tmp, fx)
    finally:
        for s in stores:
            s.stop()
        shutil.rmtree(tmp)


if __name__ == '__main__':
    main()
