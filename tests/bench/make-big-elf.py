#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Build a big ELF kdump vmcore (like /proc/vmcore of a 2-4 GiB guest) from a
small fixture, for benchmarks whose cost grows with the dump size (capture
with makedumpfile, upload, store).

The fixture is an ELF64 CORE file such as the SYSRQ one (makedumpfile -E
-d 31 of a 512 MiB guest). The output keeps its PT_NOTE byte for byte (so
VMCOREINFO, PRSTATUS and the log stay valid) and its PT_LOAD segments with
their retained bytes, but:
  - every PT_LOAD gets p_filesz == p_memsz: the pages the filter dropped are
    filled with generated page data;
  - PT_LOADs are appended for physical RAM above the fixture's highest
    address up to --size-gib GiB, mapped at the fixture's direct-map base,
    laid out like a QEMU i440fx guest (below 4 GiB up to 3 GiB when the RAM
    is 3.5 GiB or more, the rest from 4 GiB).
Generated data is a function of the physical page number only (a seeded
table into a pool of generated pages), so physical pages seen through two
segments (kernel text and direct map) read the same, and the same seed gives
the same file. The "mixed" pool is about 10% zero pages, the rest text-like,
structure-like, page-table-like, half-filled and pseudo-random pages, tuned
so that `makedumpfile -l -d 1` keeps about half of the bytes.

Usage: tests/bench/make-big-elf.py FIXTURE_ELF OUT --size-gib N
         [--fill mixed|random|text] [--seed N] [--pool-pages N]"""
import argparse, os, random, struct, sys, time

PAGE = 4096
GIB = 1 << 30
PT_LOAD, PT_NOTE = 1, 4
EHDR = struct.Struct('<16sHHIQQQIHHHHHH')
PHDR = struct.Struct('<IIQQQQQQ')
KTEXT_START = 0xffffffff80000000  # __START_KERNEL_map: not the direct map
BATCH = 1024                      # pages per write: 4 MiB writes

WORDS = ('kernel', 'memory', 'page', 'irq', 'cpu', 'device', 'driver', 'pci',
         'usb', 'ext4', 'mount', 'systemd', 'journal', 'socket', 'inode', 'fs',
         'sched', 'task', 'worker', 'kworker', 'rcu', 'block', 'virtio',
         'net', 'eth0', 'link', 'up', 'down', 'error', 'warning', 'info',
         'the', 'of', 'to', 'and', 'a', 'in', 'is', 'for', 'on', 'with',
         'failed', 'started', 'stopped', 'timeout', 'reset', 'queue', 'zone',
         'DMA32', 'Normal', 'node', 'slab', 'cache', 'buffer', 'write',
         'read', 'sync', 'lock', 'unlock', 'nvme0n1', 'sda1', 'tty', 'audit',
         '/usr/lib/x86_64-linux-gnu/libc.so.6', '/etc/passwd', 'root',
         'HOME=/root', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin',
         'LANG=C.UTF-8', 'GLIBC_2.34', 'malloc', 'free', 'strlen', 'memcpy')

# Share of each kind of page in the pool, per --fill.
FILLS = {
    'mixed': {'zero': 10, 'random': 34, 'text': 16, 'struct': 20,
              'ptable': 6, 'partial': 14},
    'random': {'random': 100},
    'text': {'text': 50, 'struct': 50},
}


def page_text(rng):
    # Log lines and environment-like strings: page cache, kernel log, heap.
    out, n = [], 0
    while n < PAGE:
        line = '[%6d.%06d] %s\n' % (rng.randrange(100000), rng.randrange(10**6),
                                    ' '.join(rng.choice(WORDS) for _ in range(rng.randrange(3, 12))))
        out.append(line)
        n += len(line)
    return ''.join(out).encode()[:PAGE]


def page_struct(rng):
    # A slab of one object type: kernel pointers, counters, flags, padding.
    size = rng.choice((64, 96, 128, 192, 256, 512))
    base = 0xffff8acf00000000 + rng.randrange(1 << 29) * 8
    b = bytearray()
    while len(b) < PAGE:
        o = bytearray(size)
        struct.pack_into('<QQQ', o, 0, base + rng.randrange(1 << 16) * 64,
                         base + rng.randrange(1 << 16) * 64, rng.choice((0, 1, 2, 0xdead4ead)))
        struct.pack_into('<IIQ', o, 24, rng.randrange(8), rng.randrange(1 << 12),
                         rng.randrange(1 << 32))
        if size >= 128 and rng.random() < 0.5:
            o[48:64] = rng.choice(WORDS).encode()[:16].ljust(16, b'\0')
        b += o
    return bytes(b[:PAGE])


def page_ptable(rng):
    # Page-table entries: consecutive frames with flag bits, some holes.
    pfn, flags = rng.randrange(1 << 20), rng.choice((0x63, 0x67, 0x8000000000000063))
    return b''.join(struct.pack('<Q', 0 if rng.random() < 0.2 else ((pfn + i) << 12) | flags)
                    for i in range(PAGE // 8))


def page_partial(rng):
    # A stack or buffer page: used at one end, zeros after.
    n = rng.randrange(256, PAGE - 256)
    return rng.randbytes(n) + bytes(PAGE - n)


KINDS = {
    'zero': lambda rng: bytes(PAGE),
    'random': lambda rng: rng.randbytes(PAGE),  # compressed/encrypted data
    'text': page_text,
    'struct': page_struct,
    'ptable': page_ptable,
    'partial': page_partial,
}


def make_pool(fill, n, rng):
    weights = FILLS[fill]
    total = sum(weights.values())
    pool = []
    for kind, w in weights.items():
        pool += [KINDS[kind](rng) for _ in range(round(n * w / total))]
    return pool


class Pages:
    """Generated content of physical memory: page pfn is pool[table[pfn]]."""

    def __init__(self, pool, max_pfn, rng):
        self.pool = pool
        # One seeded draw per pfn, in pfn order: a bigger --size-gib keeps
        # the same content for the lower pages.
        self.table = rng.choices(range(len(pool)), k=max_pfn + 1)

    def chunks(self, start, end):
        """Bytes of physical [start, end), in writes of up to BATCH pages."""
        pfn, last = start // PAGE, (end - 1) // PAGE
        skip = start - pfn * PAGE
        pool, table = self.pool, self.table
        while pfn <= last:
            n = min(BATCH, last + 1 - pfn)
            buf = b''.join([pool[i] for i in table[pfn:pfn + n]])
            lo = skip
            hi = min(len(buf), end - pfn * PAGE)
            yield buf[lo:hi] if lo or hi < len(buf) else buf
            skip = 0
            pfn += n


def read_elf(path):
    with open(path, 'rb') as f:
        eh = EHDR.unpack(f.read(EHDR.size))
        if eh[0][:4] != b'\x7fELF' or eh[0][4] != 2 or eh[0][5] != 1:
            sys.exit(f'{path}: not a little-endian ELF64 file')
        if eh[1] != 4:
            sys.exit(f'{path}: not an ELF CORE file')
        f.seek(eh[5])
        phdrs = [list(PHDR.unpack(f.read(eh[9]))) for _ in range(eh[10])]
    return eh, phdrs


def direct_map_base(loads):
    """vaddr - paddr of the direct-map segments: the one most RAM is mapped
    with, leaving out the kernel-text mapping."""
    by_delta = {}
    for p in loads:
        if p[3] < KTEXT_START:
            d = (p[3] - p[4]) & (2**64 - 1)
            by_delta[d] = by_delta.get(d, 0) + p[6]
    if not by_delta:
        sys.exit('fixture has no direct-map PT_LOAD')
    return max(by_delta, key=by_delta.get)


def new_ram(have, size):
    """Physical ranges to add to the direct-map ranges have for a guest of
    size bytes: the holes above 1 MiB between them (whole ranges the filter
    dropped; a QEMU guest has no other hole there), then RAM above the top
    placed like QEMU i440fx: 3.5 GiB or more keeps 3 GiB below 4 GiB and the
    rest from 4 GiB (the PCI hole in between)."""
    ranges, end = [], 0
    for lo, hi in sorted(have):
        if lo > end and end >= 1 << 20:
            ranges.append((end, lo))
        end = max(end, hi)
    low = 3 * GIB if size >= 3 * GIB + GIB // 2 else size
    if low > end:
        ranges.append((end, low))
    if size > low:
        ranges.append((4 * GIB, 4 * GIB + size - low))
    return ranges


def copy_range(src, dst, off, n):
    while n:
        k = os.copy_file_range(src.fileno(), dst.fileno(), n, off)
        if k <= 0:
            sys.exit('short read from the fixture')
        off += k
        n -= k


def main():
    ap = argparse.ArgumentParser(description='Build a big ELF vmcore from a small fixture.')
    ap.add_argument('fixture')
    ap.add_argument('out')
    ap.add_argument('--size-gib', type=float, required=True,
                    help='physical RAM of the guest to pretend, in GiB')
    ap.add_argument('--fill', choices=sorted(FILLS), default='mixed')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--pool-pages', type=int, default=4096,
                    help='distinct generated pages (default 16 MiB worth, more '
                         'than the window of usual stream compressors)')
    a = ap.parse_args()
    t0 = time.monotonic()

    eh, phdrs = read_elf(a.fixture)
    loads = [p for p in phdrs if p[0] == PT_LOAD]
    base = direct_map_base(loads)
    have = [(p[4], (p[4] + p[6] + PAGE - 1) // PAGE * PAGE)
            for p in loads if ((p[3] - p[4]) & (2**64 - 1)) == base]
    size = int(a.size_gib * GIB) // PAGE * PAGE
    added = new_ram(have, size)
    for lo, hi in added:  # no bytes in the fixture: all generated
        phdrs.append([PT_LOAD, 7, 0, (base + lo) & (2**64 - 1), lo, 0, hi - lo, 0])

    rng = random.Random(a.seed)
    pool = make_pool(a.fill, a.pool_pages, rng)
    max_pfn = max(p[4] + p[6] for p in phdrs if p[0] == PT_LOAD) // PAGE
    pages = Pages(pool, max_pfn, rng)

    # Layout as /proc/vmcore: headers, notes, then each segment page-aligned.
    off = eh[5] + len(phdrs) * eh[9]
    plan = []
    for p in phdrs:
        if p[0] == PT_LOAD:
            off = (off + PAGE - 1) // PAGE * PAGE
            size_in_file = p[6]
        else:
            size_in_file = p[5]
        plan.append((p[2], p[5]))  # where the fixture's bytes are, how many
        p[2] = off if size_in_file else 0
        if p[0] == PT_LOAD:
            p[5] = p[6]
        off += size_in_file

    eh = list(eh)
    eh[10] = len(phdrs)
    eh[6] = eh[11] = eh[12] = eh[13] = 0  # no sections
    with open(a.fixture, 'rb') as src, open(a.out, 'wb', buffering=0) as dst:
        dst.write(EHDR.pack(*eh))
        dst.seek(eh[5])
        dst.write(b''.join(PHDR.pack(*p) for p in phdrs))
        for p, (old_off, old_filesz) in zip(phdrs, plan):
            if not p[5]:
                continue
            dst.seek(p[2])
            if old_filesz:
                copy_range(src, dst, old_off, old_filesz)
            if p[0] == PT_LOAD and p[6] > old_filesz:
                for chunk in pages.chunks(p[4] + old_filesz, p[4] + p[6]):
                    dst.write(chunk)
        dst.truncate(off)

    print(f'{a.out}: {off} bytes, {len(phdrs)} program headers, '
          f'{len(added)} added ({sum(hi - lo for lo, hi in added) / GIB:.2f} GiB), '
          f'RAM to {max(hi for lo, hi in have + added):#x}, direct map at {base:#x}, '
          f'{time.monotonic() - t0:.1f} s', file=sys.stderr)


if __name__ == '__main__':
    main()
