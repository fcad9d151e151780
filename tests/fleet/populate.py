#!/usr/bin/env python3
"""Fill a crash store with synthetic fingerprint records, for the tests and
benchmarks of the fleet commands (`vmcored top`, `list`, `index`), and say
what those commands must show.

  populate.py --store file:///DIR | s3://BUCKET[/PREFIX][?endpoint=URL&region=R]
              [--crashes N] [--start-index M] [--fingerprints F] [--hosts H]
              [--days D] [--end YYYY-MM-DD] [--kernels K1,K2,...] [--seed S]
              [--no-inbox] [--expect FILE] [--expect-records FILE] [--verify]
              [--endpoint URL] [--region R] [--access-key A] [--secret-key S]
              [--ca-file PEM] [--jobs J]

Objects written, per crash (keys under the store's root or bucket prefix,
docs/store-layout.md):
  v1/fingerprints/FP/CRASH_ID.json   the record, "dump" as it ends up
  v1/inbox/CRASH_ID.json             the record as first written ("dump": false)
  v1/inbox/CRASH_ID.dump.json        the final record, for crashes with a dump
--no-inbox leaves out v1/inbox/ (a store from before the inbox existed).

Everything is a function of --seed: the universe (F fingerprints ranked by
a Zipf-like popularity 1/rank^1.1, each with a title, 1-3 kernels its
crashes run, a subset of the H hosts, 10 % with a known issue, 3 % hardware
errors fp1-hw-) and crash number i (its fingerprint, time, host, kernel,
dump, id). A call makes crashes M..M+N-1 (--start-index M, --crashes N), so
calls with disjoint ranges add different crashes of the same universe: the
12 hex digits of a crash id are a permutation of i, never repeated. Crash
times are uniform over the D days ending with the --end day (UTC; default
today, so pass --end for the same times on another day). The fingerprint
of crash i follows a golden-ratio sequence over the popularity, so counts
are within a few of proportional and distinct at the top, in any range.
The top 10 fingerprints include one with a known issue and the top 20 a
hardware error, whatever the seed.

Stores (objects written by --jobs threads):
  file:///DIR   files written in place by 4 threads (directories made as
                needed), not fsynced: populate before the test reads.
  s3://...      PUT with AWS Signature V4 (path-style URLs, payload hash
                signed) by 8 threads, each on a keep-alive connection of
                its own; a request is retried up to 3 times (connection
                errors, 5xx, 429); the bucket is created when missing.
                Endpoint and region come from --endpoint/--region or the
                URL's query (as in vmcored's [store] url); keys from
                --access-key/--secret-key or AWS_ACCESS_KEY_ID and
                AWS_SECRET_ACCESS_KEY.
Without --store nothing is written: only the --expect files (e.g. the
expectation of crashes 0..N-1 after two calls that stored them in parts).

--expect FILE: what `vmcored top` shows for the crashes of this call, no
filter: a JSON array sorted by count (descending) then fingerprint, of
{fingerprint, title, count, hosts (distinct), first_seen, last_seen
(crash_time), kernels (sorted), known_issues (ids), dumps}.
--expect-records FILE: the crashes' final records, a JSON array sorted by
crash id, one record a line.
--verify: after writing, list v1/fingerprints/ and v1/inbox/ (S3:
ListObjectsV2, paginated) and check that every object of this call is
there, and read back 20 of them (S3: signed GET), comparing bytes.

Last line: "populate: N crashes, F fingerprints, K objects written in S s"
(F: distinct fingerprints among the N crashes; S: the writing alone).
Exit status 0, 1 when a store request failed, 2 for bad usage."""
import argparse
import bisect
import calendar
import datetime
import hashlib
import hmac
import http.client
import json
import math
import os
import queue
import random
import ssl
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

DEFAULT_KERNELS = "6.1.0-26-amd64,6.1.0-25-amd64,6.1.0-23-amd64,5.10.0-32-amd64,6.12.9-amd64"
ZIPF_EXPONENT = 1.1
DUMP_PROBABILITY = 0.70
KNOWN_ISSUE_FRACTION = 0.10
HARDWARE_FRACTION = 0.03
INV_PHI = (math.sqrt(5) - 1) / 2
RETRIES = 3
FILE_JOBS = 4
S3_JOBS = 8

TITLE_FORMATS = [
    "general protection fault in {}",
    "kernel BUG in {}",
    "WARNING in {}",
    "KASAN: use-after-free Read in {}",
    "KASAN: slab-out-of-bounds Write in {}",
    "BUG: soft lockup in {}",
    "BUG: kernel NULL pointer dereference in {}",
    "BUG: unable to handle page fault in {}",
    "INFO: task hung in {}",
]
SUBSYSTEMS = [
    "tcp", "udp", "ip6", "ext4", "xfs", "btrfs", "nfs", "nfsd", "fuse", "mlx5e", "ixgbe", "i40e", "bnxt",
    "virtnet", "nvme", "blk_mq", "scsi", "dm", "md", "kvm", "vfio", "usb", "xhci", "drm", "i915", "amdgpu",
    "nf_conntrack", "nft", "bpf", "cgroup", "mem_cgroup", "slab", "page", "sched", "rcu", "acct", "tty",
    "sock", "netlink", "iommu", "pci", "acpi", "jbd2", "overlayfs", "ceph", "rbd",
]
VERBS = [
    "recvmsg", "sendmsg", "writepages", "read_folio", "alloc", "free", "map", "unmap", "poll", "queue_rq",
    "submit", "complete", "flush", "commit", "lookup", "release", "open", "ioctl", "init", "destroy",
    "collect", "rcv", "xmit", "timeout", "evict", "shrink", "reclaim", "probe", "remove", "resize",
]
KNOWN_ISSUES = [
    ("nic-dma-task-memory-map", "A NIC wrote packet data by DMA into memory the kernel had given to a task",
     "https://docs.kernel.org/core-api/dma-api-howto.html"),
    ("ext4-journal-abort-io-error", "ext4 aborted its journal after an I/O error on the device",
     "https://docs.kernel.org/admin-guide/ext4.html"),
    ("nvme-timeout-controller-reset", "An NVMe command timed out and the controller reset raced with I/O",
     "https://docs.kernel.org/nvme/feature-and-quirk-policy.html"),
    ("mlx5-firmware-fatal-error", "mlx5 firmware reported a fatal error; update the firmware",
     "https://docs.kernel.org/networking/device_drivers/ethernet/mellanox/mlx5/index.html"),
    ("kvm-nested-vmx-state", "Nested VMX state restored from a migrated guest was inconsistent",
     "https://docs.kernel.org/virt/kvm/x86/nested-vmx.html"),
    ("soft-lockup-large-memcg-reclaim", "Reclaim of a very large memory cgroup ran without rescheduling",
     "https://docs.kernel.org/admin-guide/cgroup-v2.html"),
    ("edac-uncorrected-memory-error", "Uncorrected memory error reported by EDAC before the crash",
     "https://docs.kernel.org/driver-api/edac.html"),
    ("bpf-verifier-bounds-2024", "A BPF program passed the verifier with wrong bounds and read out of range",
     "https://docs.kernel.org/bpf/verifier.html"),
]


def sha256_hex(*parts):
    return hashlib.sha256("/".join(str(p) for p in parts).encode()).hexdigest()


def compact(value):
    """JSON as vmcored writes records (json-c, plain, slashes unescaped)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def write_json_array(path, items):
    """A JSON array of already encoded items, one a line."""
    with open(path, "w") as f:
        f.write("[\n" + ",\n".join(items) + "\n]\n" if items else "[]\n")


class Fingerprint:
    """One fingerprint of the universe and what its crashes share."""

    def __init__(self, title, kernels, hosts, known_issues, hardware_error):
        self.title = title
        self.kernels = kernels
        self.hosts = hosts              # indexes into Universe.hosts
        self.known_issues = known_issues  # [(id, summary, url)]
        self.hardware_error = hardware_error
        self.fingerprint = self.prefix = self.issues_json = None

    def seal(self, digits):
        """Name it, and make the parts of its records' JSON."""
        self.fingerprint = ("fp1-hw-" if self.hardware_error else "fp1-") + digits
        self.prefix = compact({"schema": "vmcored.fingerprint/1", "crash_id": None,
                               "fingerprint": self.fingerprint, "title": self.title})
        self.issues_json = compact([{"id": i, "summary": s, "url": u} for i, s, u in self.known_issues])


class Universe:
    """The fingerprints and hosts of --seed, and crash number i in it."""

    def __init__(self, seed, n_fingerprints, n_hosts, kernels, start, seconds):
        self.seed, self.start, self.seconds = seed, start, seconds
        rng = random.Random(sha256_hex("populate", seed, "universe"))
        self.hosts = [sha256_hex("populate", seed, "host", j)[:16] for j in range(n_hosts)]
        titles = set()
        self.fingerprints = []
        with_issue = set(rng.sample(range(n_fingerprints), round(n_fingerprints * KNOWN_ISSUE_FRACTION)))
        hardware = set(rng.sample(range(n_fingerprints), round(n_fingerprints * HARDWARE_FRACTION)))
        for rank in range(n_fingerprints):
            title = None
            for _ in range(20):  # distinct titles while the name space allows
                title = rng.choice(TITLE_FORMATS).format(f"{rng.choice(SUBSYSTEMS)}_{rng.choice(VERBS)}")
                if title not in titles:
                    break
            titles.add(title)
            hw = rank in hardware
            issue = [rng.choice(KNOWN_ISSUES)] if rank in with_issue else []
            prefer = rng.sample(kernels, min(len(kernels), rng.randint(1, 3)))
            # log-uniform subset size: many fingerprints seen on few hosts
            size = max(1, min(n_hosts, round(n_hosts ** rng.random())))
            hosts = rng.sample(range(n_hosts), size)
            self.fingerprints.append(Fingerprint(title, prefer, hosts, issue, hw))
        # Something for the tests to see near the top, whatever the seed.
        top = self.fingerprints
        if len(top) >= 3 and not any(f.known_issues for f in top[:10]):
            top[2].known_issues = [rng.choice(KNOWN_ISSUES)]
        if len(top) >= 7 and not any(f.hardware_error for f in top[:20]):
            top[6].hardware_error = True
        for rank, f in enumerate(top):
            f.seal(sha256_hex("populate", seed, "fingerprint", rank)[:16])
        weights = [1 / (rank + 1) ** ZIPF_EXPONENT for rank in range(n_fingerprints)]
        total, acc = sum(weights), 0.0
        self.cumulative = []
        for w in weights:
            acc += w
            self.cumulative.append(acc / total)
        self.phase = rng.random()
        self.id_key = hashlib.sha256(f"populate/{seed}/crash-id".encode()).digest()[:32]

    def id_digits(self, i):
        """12 hex digits from i: a 4-round Feistel permutation of 48 bits,
        so different i never get the same digits."""
        left, right = (i >> 24) & 0xFFFFFF, i & 0xFFFFFF
        for k in range(4):
            f = hashlib.blake2b(right.to_bytes(3, "big"), digest_size=3, key=self.id_key,
                                person=bytes([k]) * 16).digest()
            left, right = right, left ^ int.from_bytes(f, "big")
        return f"{(left << 24) | right:012x}"

    def crash(self, i):
        """Crash number i: (fingerprint, crash_id, host, kernel, crash_time,
        dump, record as first written, final record)."""
        if not 0 <= i < 1 << 48:
            raise ValueError(f"crash index {i} out of range")
        d = hashlib.sha256(f"populate/{self.seed}/crash/{i}".encode()).digest()
        u = (self.phase + i * INV_PHI) % 1.0
        fp = self.fingerprints[min(bisect.bisect_right(self.cumulative, u), len(self.fingerprints) - 1)]
        when = self.start + int.from_bytes(d[0:8], "big") * self.seconds // (1 << 64)
        tm = time.gmtime(when)
        crash_id = time.strftime("%Y%m%dT%H%M%SZ", tm) + "-" + self.id_digits(i)
        host = self.hosts[fp.hosts[int.from_bytes(d[8:12], "big") % len(fp.hosts)]]
        kernel = fp.kernels[d[12] % len(fp.kernels)]
        dump = int.from_bytes(d[13:15], "big") < 65536 * DUMP_PROBABILITY
        crash_time = time.strftime("%Y-%m-%dT%H:%M:%SZ", tm)
        # Keys in vmcored's order (daemon/layout.c), compact as json-c writes them.
        first = (fp.prefix.replace('"crash_id":null', f'"crash_id":"{crash_id}"', 1)[:-1] +
                 f',"crash_time":"{crash_time}","kernel":"{kernel}","arch":"x86_64","host":"{host}",'
                 f'"hardware_error":{"true" if fp.hardware_error else "false"},'
                 f'"known_issues":{fp.issues_json},"dump":false}}')
        final = first[:-len('false}')] + "true}" if dump else first
        return fp, crash_id, host, kernel, crash_time, dump, first, final


class Aggregate:
    """What `vmcored top` shows for one fingerprint."""

    def __init__(self, fp):
        self.fp, self.count, self.dumps = fp, 0, 0
        self.hosts, self.kernels = set(), set()
        self.first = self.last = None

    def add(self, host, kernel, crash_time, dump):
        self.count += 1
        self.dumps += dump
        self.hosts.add(host)
        self.kernels.add(kernel)
        if self.first is None or crash_time < self.first:
            self.first = crash_time
        if self.last is None or crash_time > self.last:
            self.last = crash_time

    def json(self):
        return {"fingerprint": self.fp.fingerprint, "title": self.fp.title, "count": self.count,
                "hosts": len(self.hosts), "first_seen": self.first, "last_seen": self.last,
                "kernels": sorted(self.kernels), "known_issues": [i[0] for i in self.fp.known_issues],
                "dumps": self.dumps}


class StoreError(Exception):
    pass


class Store:
    """Objects are written by --jobs threads from a bounded queue, each
    thread with its own connection (Store.connect)."""

    def __init__(self, jobs):
        self.jobs, self.queue, self.threads, self.error = jobs, None, [], None
        self.failed = threading.Event()

    def connect(self):
        return None

    def disconnect(self, conn):
        pass

    def start(self):
        self.queue = queue.Queue(maxsize=4096)
        for _ in range(self.jobs):
            t = threading.Thread(target=self._worker, daemon=True)
            t.start()
            self.threads.append(t)

    def _worker(self):
        conn = self.connect()
        while True:
            item = self.queue.get()
            if item is None:
                break
            if self.failed.is_set():
                continue  # keep draining so that the producer never blocks
            try:
                self.write(conn, *item)
            except StoreError as e:
                self.error = self.error or e
                self.failed.set()
        self.disconnect(conn)

    def put(self, key, body):
        if self.failed.is_set():
            raise self.error
        self.queue.put((key, body))

    def finish(self):
        for _ in self.threads:
            self.queue.put(None)
        for t in self.threads:
            t.join()
        if self.error:
            raise self.error


class FileStore(Store):
    def __init__(self, root, jobs):
        super().__init__(jobs)
        self.root, self.dirs = root, set()

    def write(self, _, key, body):
        path = f"{self.root}/{key}"
        try:
            parent = path[:path.rindex("/")]
            if parent not in self.dirs:
                os.makedirs(parent, exist_ok=True)
                self.dirs.add(parent)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
            try:
                os.write(fd, body)
            finally:
                os.close(fd)
        except OSError as e:
            raise StoreError(f"{path}: {e.strerror}") from e

    def list(self, prefix):
        for top, _, files in os.walk(f"{self.root}/{prefix}"):
            rel = os.path.relpath(top, self.root)
            for name in files:
                yield f"{rel}/{name}"

    def get(self, key):
        with open(f"{self.root}/{key}", "rb") as f:
            return f.read()


class S3Client:
    """SigV4-signed path-style requests on one keep-alive connection."""

    def __init__(self, endpoint, region, access_key, secret_key, context):
        parts = urllib.parse.urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
            raise StoreError(f"endpoint '{endpoint}': expected http[s]://HOST[:PORT]")
        self.scheme, self.netloc = parts.scheme, parts.netloc
        self.host, self.port = parts.hostname, parts.port
        self.region, self.access_key, self.secret_key = region, access_key, secret_key
        self.context, self.conn, self.keys = context, None, {}

    def _connect(self):
        if self.scheme == "https":
            return http.client.HTTPSConnection(self.host, self.port, timeout=60, context=self.context)
        return http.client.HTTPConnection(self.host, self.port, timeout=60)

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None

    def _signing_key(self, date):
        key = self.keys.get(date)
        if key is None:
            key = ("AWS4" + self.secret_key).encode()
            for part in (date, self.region, "s3", "aws4_request"):
                key = hmac.new(key, part.encode(), hashlib.sha256).digest()
            self.keys = {date: key}
        return key

    def _headers(self, method, path, query, body):
        now = time.gmtime()
        amz_date = time.strftime("%Y%m%dT%H%M%SZ", now)
        date = amz_date[:8]
        payload = hashlib.sha256(body).hexdigest()
        headers = {"host": self.netloc, "x-amz-content-sha256": payload, "x-amz-date": amz_date}
        signed = ";".join(sorted(headers))
        canonical_query = "&".join(
            f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
            for k, v in sorted(query.items()))
        canonical = "\n".join([method, path, canonical_query] +
                              [f"{k}:{headers[k]}" for k in sorted(headers)] + ["", signed, payload])
        scope = f"{date}/{self.region}/s3/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                             hashlib.sha256(canonical.encode()).hexdigest()])
        signature = hmac.new(self._signing_key(date), to_sign.encode(), hashlib.sha256).hexdigest()
        headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, "
                                    f"SignedHeaders={signed}, Signature={signature}")
        headers["content-length"] = str(len(body))
        return headers

    def request(self, method, path, query=None, body=b"", ok=(200,)):
        """(status, body) of a request; retried on connection errors, 5xx
        and 429. A status not in ok after the retries raises StoreError."""
        query = query or {}
        url = urllib.parse.quote(path, safe="/-_.~")
        target = url + ("?" + urllib.parse.urlencode(query, quote_via=urllib.parse.quote) if query else "")
        for attempt in range(RETRIES + 1):
            what = None
            try:
                if self.conn is None:
                    self.conn = self._connect()
                self.conn.request(method, target, body=body, headers=self._headers(method, url, query, body))
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.will_close:
                    self.close()
                if resp.status in ok:
                    return resp.status, data
                what = f"HTTP {resp.status} {data[:200].decode(errors='replace')}"
                if resp.status < 500 and resp.status != 429:
                    break
            except (OSError, http.client.HTTPException) as e:
                self.close()
                what = f"{type(e).__name__}: {e}"
            if attempt < RETRIES:
                time.sleep(0.1 * 2 ** attempt)
        raise StoreError(f"{method} {target}: {what}")


class S3Store(Store):
    def __init__(self, bucket, prefix, client_args, jobs):
        super().__init__(jobs)
        self.bucket, self.prefix, self.args = bucket, prefix, client_args
        self.client = S3Client(*client_args)  # for the bucket, listing and reading

    def path(self, key):
        return f"/{self.bucket}/{self.prefix}{key}"

    def connect(self):
        return S3Client(*self.args)

    def disconnect(self, client):
        client.close()

    def write(self, client, key, body):
        client.request("PUT", self.path(key), body=body)

    def create_bucket(self):
        status, data = self.client.request("PUT", f"/{self.bucket}", ok=(200, 409))
        if status == 409 and b"BucketAlreadyOwnedByYou" not in data:
            raise StoreError(f"PUT /{self.bucket}: HTTP 409 {data[:200].decode(errors='replace')}")

    def list(self, prefix):
        query = {"list-type": "2", "prefix": self.prefix + prefix}
        while True:
            _, data = self.client.request("GET", f"/{self.bucket}", query=query)
            root = ET.fromstring(data)
            ns = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
            for c in root.iter(f"{ns}Contents"):
                yield c.find(f"{ns}Key").text[len(self.prefix):]
            token = root.find(f"{ns}NextContinuationToken")
            if root.findtext(f"{ns}IsTruncated") != "true" or token is None:
                break
            query["continuation-token"] = token.text

    def get(self, key):
        return self.client.request("GET", self.path(key))[1]


def open_store(args):
    url = args.store
    if url.startswith("file://"):
        path = urllib.parse.unquote(url[len("file://"):])
        if not path.startswith("/"):
            sys.exit(f"populate: --store {url}: expected file:///ABSOLUTE/PATH")
        return FileStore(path.rstrip("/"), args.jobs or FILE_JOBS)
    if not url.startswith("s3://"):
        sys.exit(f"populate: --store {url}: expected file:// or s3://")
    rest, _, query = url[len("s3://"):].partition("?")
    bucket, _, prefix = rest.partition("/")
    params = dict(urllib.parse.parse_qsl(query))
    prefix = urllib.parse.unquote(prefix).strip("/")
    endpoint = args.endpoint or params.get("endpoint")
    region = args.region or params.get("region") or "us-east-1"
    access_key = args.access_key or os.environ.get("AWS_ACCESS_KEY_ID")
    secret_key = args.secret_key or os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not bucket:
        sys.exit(f"populate: --store {url}: s3:// needs a bucket")
    if not endpoint:
        endpoint = f"https://s3.{region}.amazonaws.com"
    if not access_key or not secret_key:
        sys.exit("populate: s3 needs --access-key/--secret-key or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY")
    context = ssl.create_default_context(cafile=args.ca_file)
    return S3Store(bucket, prefix + "/" if prefix else "", (endpoint, region, access_key, secret_key, context),
                   args.jobs or S3_JOBS)


def verify(store, written, sample):
    """Every object written is listed; a sample reads back the same bytes."""
    listed = set()
    for prefix in sorted({k.split("/")[1] for k in written}):
        listed.update(store.list(f"v1/{prefix}/"))
    missing = [k for k in written if k not in listed]
    if missing:
        raise StoreError(f"verify: {len(missing)} of {len(written)} objects not listed, e.g. {missing[0]}")
    keys = sorted(written)
    for key in random.Random(len(keys)).sample(keys, min(sample, len(keys))):
        if store.get(key) != written[key]:
            raise StoreError(f"verify: {key} reads back different bytes")
    n_fp = sum(1 for k in listed if k.startswith("v1/fingerprints/"))
    print(f"populate: verified: {len(listed)} objects listed ({n_fp} in v1/fingerprints/), "
          f"all {len(written)} written among them, {min(sample, len(keys))} read back equal", flush=True)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--store", help="file:///DIR or s3://BUCKET[/PREFIX]")
    p.add_argument("--crashes", type=int, default=10000)
    p.add_argument("--start-index", type=int, default=0)
    p.add_argument("--fingerprints", type=int, default=500)
    p.add_argument("--hosts", type=int, default=2000)
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--end", help="last day, UTC, YYYY-MM-DD (default: today)")
    p.add_argument("--kernels", default=DEFAULT_KERNELS)
    p.add_argument("--seed", default="1")
    p.add_argument("--no-inbox", action="store_true", help="write v1/fingerprints/ only")
    p.add_argument("--expect", metavar="FILE")
    p.add_argument("--expect-records", metavar="FILE")
    p.add_argument("--verify", action="store_true")
    p.add_argument("--endpoint")
    p.add_argument("--region")
    p.add_argument("--access-key")
    p.add_argument("--secret-key")
    p.add_argument("--ca-file")
    p.add_argument("--jobs", type=int, help=f"threads writing (default {FILE_JOBS} file, {S3_JOBS} s3)")
    args = p.parse_args()
    if args.crashes < 0 or args.start_index < 0 or args.fingerprints < 1 or args.hosts < 1 \
            or args.days < 1 or (args.jobs is not None and args.jobs < 1):
        p.error("--crashes and --start-index must be >= 0; --fingerprints, --hosts, --days, --jobs >= 1")
    args.kernels = [k for k in args.kernels.split(",") if k]
    if not args.kernels:
        p.error("--kernels: empty")
    if not (args.store or args.expect or args.expect_records):
        p.error("nothing to do: give --store, --expect or --expect-records")
    try:
        end = datetime.date.fromisoformat(args.end) if args.end else datetime.datetime.now(
            datetime.timezone.utc).date()
    except ValueError:
        p.error(f"--end {args.end}: expected YYYY-MM-DD")
    args.stop = calendar.timegm((end + datetime.timedelta(days=1)).timetuple())
    return args


def main():
    args = parse_args()
    seconds = args.days * 86400
    universe = Universe(args.seed, args.fingerprints, args.hosts, args.kernels, args.stop - seconds, seconds)
    aggregates, records, written = {}, [], {}
    objects = 0
    t0 = time.monotonic()
    try:
        store = open_store(args) if args.store else None
        if isinstance(store, S3Store):
            store.create_bucket()
        if store is not None:
            store.start()
        for i in range(args.start_index, args.start_index + args.crashes):
            fp, crash_id, host, kernel, crash_time, dump, first, final = universe.crash(i)
            agg = aggregates.get(fp.fingerprint) or aggregates.setdefault(fp.fingerprint, Aggregate(fp))
            agg.add(host, kernel, crash_time, dump)
            if args.expect_records:
                records.append(final)
            if store is None:
                continue
            puts = [(f"v1/fingerprints/{fp.fingerprint}/{crash_id}.json", final)]
            if not args.no_inbox:
                puts.append((f"v1/inbox/{crash_id}.json", first))
                if dump:
                    puts.append((f"v1/inbox/{crash_id}.dump.json", final))
            for key, body in puts:
                body = body.encode()
                store.put(key, body)
                if args.verify:
                    written[key] = body
            objects += len(puts)
        if store is not None:
            store.finish()
        elapsed = time.monotonic() - t0
        if args.verify and store is not None:
            verify(store, written, 20)
    except StoreError as e:
        print(f"populate: {args.store}: {e}", file=sys.stderr)
        return 1

    if args.expect:
        top = sorted(aggregates.values(), key=lambda a: (-a.count, a.fp.fingerprint))
        write_json_array(args.expect, [json.dumps(a.json(), ensure_ascii=False) for a in top])
    if args.expect_records:
        records.sort()  # each record starts with its schema, then its crash id
        write_json_array(args.expect_records, records)
    print(f"populate: {args.crashes} crashes, {len(aggregates)} fingerprints, {objects} objects written "
          f"in {elapsed:.2f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
