#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Build a big ELF kdump vmcore (like /proc/vmcore of a 2-4 GiB guest) from a
small fixture, for benchmarks whose cost grows with the dump size (capture
with makedumpfile, upload, store).

The fixture is an ELF64 CORE file such as the SYSRQ one (makedumpfile -E
-d 31 of a 512 MiB x86_64 guest). The output keeps its PT_NOTE byte for
byte (VMCOREINFO, PRSTATUS) and its PT_LOAD segments with their retained
bytes, but:
  - every PT_LOAD gets p_filesz == p_memsz: the pages the filter dropped are
    filled with generated page data;
  - PT_LOADs are appended for physical RAM from the fixture's highest
    direct-map address up to --size-gib GiB, mapped at the fixture's
    direct-map base and laid out like a QEMU i440fx guest (up to 3 GiB below
    4 GiB when the RAM is 3.5 GiB or more, the rest from 4 GiB). Holes in the
    fixture's direct map (the crashkernel area, which /proc/vmcore leaves
    out) stay holes.
makedumpfile only dumps pages the kernel's mem_section describes, so the new
RAM is also made known to it the way the kernel would have: a few words of
kernel memory are patched (mem_section entries and vmemmap PMD entries) and
the struct pages of the new RAM are generated, at the top of the new RAM,
with free, page-cache, anonymous, slab and page-table pages, so that
-d 31 filters the new RAM as it would a real guest's. Without that,
makedumpfile keeps only the fixture's 512 MiB whatever the file size.

Generated data is a function of the physical page number only (a seeded
table into a pool of generated pages), so physical pages seen through two
segments (kernel text and direct map) read the same, and the same seed gives
the same file. The "mixed" pool is about 10% zero pages, the rest text-like,
structure-like, page-table-like, half-filled and pseudo-random pages, chosen
so that `makedumpfile -l -d 1` keeps about half of the bytes.

Usage: tests/bench/make-big-elf.py FIXTURE_ELF OUT --size-gib N
         [--fill mixed|random|text] [--seed N] [--pool-pages N]"""
import argparse, os, random, struct, sys, time

PAGE = 4096
GIB = 1 << 30
MIB2 = 2 << 20
U64 = 2**64 - 1
PT_LOAD, PT_NOTE = 1, 4
EHDR = struct.Struct('<16sHHIQQQIHHHHHH')
PHDR = struct.Struct('<IIQQQQQQ')
KTEXT_START = 0xffffffff80000000  # __START_KERNEL_map: not the direct map
BATCH = 1024                      # pages per write: 4 MiB writes
PTE_ADDR = 0x000ffffffffff000
PMD_HUGE_ADDR = 0x000fffffffe00000
SECTION_FLAGS = 0x1f              # below SECTION_MAP_LAST_BIT (1 << 5)

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
    'mixed': {'zero': 10, 'random': 30, 'text': 20, 'struct': 20,
              'ptable': 6, 'partial': 14},
    'random': {'random': 100},
    'text': {'text': 50, 'struct': 50},
}
# What the kernel uses a page of each kind for (struct page), in shares:
# most RAM of an idle guest is free or page cache; -d 31 keeps the rest.
USES = {
    'zero': {'free': 80, 'anon': 10, 'cache': 10},
    'random': {'cache': 50, 'anon': 40, 'free': 10},
    'text': {'cache': 70, 'anon': 20, 'slab': 10},
    'struct': {'anon': 50, 'slab': 30, 'free': 20},
    'ptable': {'pgtable': 100},
    'partial': {'free': 60, 'anon': 30, 'slab': 10},
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


def pick(rng, shares):
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def make_pool(fill, n, rng):
    """[(page bytes, use)]: the distinct pages and what each is used for."""
    weights = FILLS[fill]
    total = sum(weights.values())
    pool = []
    for kind, w in weights.items():
        pool += [(KINDS[kind](rng), pick(rng, USES[kind]))
                 for _ in range(round(n * w / total))]
    return pool


class Fixture:
    """Reads the fixture's retained bytes by virtual or physical address."""

    def __init__(self, path):
        self.f = open(path, 'rb')
        eh = EHDR.unpack(self.f.read(EHDR.size))
        if eh[0][:4] != b'\x7fELF' or eh[0][4] != 2 or eh[0][5] != 1:
            sys.exit(f'{path}: not a little-endian ELF64 file')
        if eh[1] != 4:
            sys.exit(f'{path}: not an ELF CORE file')
        self.eh = eh
        self.f.seek(eh[5])
        self.phdrs = [list(PHDR.unpack(self.f.read(eh[9]))) for _ in range(eh[10])]
        self.loads = [p for p in self.phdrs if p[0] == PT_LOAD]
        self.info = {}
        for p in self.phdrs:
            if p[0] == PT_NOTE:
                self.f.seek(p[2])
                self.parse_notes(self.f.read(p[5]))

    def parse_notes(self, b):
        i = 0
        while i + 12 <= len(b):
            namesz, descsz, _ = struct.unpack_from('<III', b, i)
            name = b[i + 12:i + 12 + namesz].rstrip(b'\0')
            d = i + 12 + (namesz + 3) // 4 * 4
            if name == b'VMCOREINFO':
                for line in b[d:d + descsz].decode(errors='replace').splitlines():
                    k, _, v = line.partition('=')
                    self.info[k] = v
            i = d + (descsz + 3) // 4 * 4

    def num(self, key):
        v = self.info.get(key)
        if v is None:
            raise LookupError(key)
        return int(v, 16) if key.startswith('SYMBOL(') else int(v)

    def _read(self, addr, n, field):
        for p in self.loads:
            a = p[field]
            if a <= addr and addr + n <= a + p[5]:
                self.f.seek(p[2] + addr - a)
                return self.f.read(n)
        raise LookupError(f'{addr:#x} not in the fixture')

    def vread(self, vaddr, n):
        return self._read(vaddr, n, 3)

    def pread(self, paddr, n):
        return self._read(paddr, n, 4)

    def q(self, paddr):
        return struct.unpack('<Q', self.pread(paddr, 8))[0]


def direct_map_base(loads):
    """vaddr - paddr of the direct-map segments: the one most RAM is mapped
    with, leaving out the kernel-text mapping."""
    by_delta = {}
    for p in loads:
        if p[3] < KTEXT_START:
            d = (p[3] - p[4]) & U64
            by_delta[d] = by_delta.get(d, 0) + p[6]
    if not by_delta:
        sys.exit('fixture has no direct-map PT_LOAD')
    return max(by_delta, key=by_delta.get)


def new_ram(top, size):
    """Physical ranges to add above top for a guest of size bytes, placed
    like QEMU i440fx: 3.5 GiB or more keeps 3 GiB below 4 GiB and the rest
    from 4 GiB (the PCI hole in between)."""
    low = 3 * GIB if size >= 3 * GIB + GIB // 2 else size
    ranges = [(top, low)] if low > top else []
    if size > low:
        ranges.append((4 * GIB, 4 * GIB + size - low))
    return ranges


class MemMap:
    """Makes the added RAM known to the kernel's memory model in the dump,
    as a bigger guest's kernel would have it: SPARSEMEM_EXTREME with a
    vmemmap on 2 MiB pages (x86_64, 4-level paging), the layout of the
    fixture. patches are (physical address, bytes) to write over fixture
    memory; chunks are the 2 MiB of new RAM that hold each new section's
    struct pages."""

    def __init__(self, fx, base, added, pool, rng):
        self.patches, self.chunks = [], {}
        self.ram = added
        try:
            self._plan(fx, base, added, pool, rng)
        except LookupError as e:
            self.patches, self.chunks = [], {}
            print(f'warning: cannot describe the new RAM in mem_section ({e}): '
                  'makedumpfile will dump only the fixture\'s RAM', file=sys.stderr)

    def _plan(self, fx, base, added, pool, rng):
        if fx.info.get('NUMBER(pgtable_l5_enabled)', '0') != '0':
            raise LookupError('5-level paging')
        shift = fx.num('NUMBER(SECTION_SIZE_BITS)') - 12
        ms_size = fx.num('SIZE(mem_section)')
        ms_off = fx.num('OFFSET(mem_section.section_mem_map)')
        per_root = PAGE // ms_size  # SPARSEMEM_EXTREME: a page of sections per root
        roots = fx.num('SYMBOL(mem_section)')
        pgd = fx.num('SYMBOL(init_top_pgt)') if 'SYMBOL(init_top_pgt)' in fx.info \
            else fx.num('SYMBOL(swapper_pg_dir)')
        self.page_size = fx.num('SIZE(page)')
        if self.page_size != 64 or (1 << shift) * 64 != MIB2:
            raise LookupError('struct page or section size unlike x86_64')

        def section_paddr(nr):
            root = struct.unpack('<Q', fx.vread(roots + 8 * (nr // per_root), 8))[0]
            if not root:
                raise LookupError(f'no mem_section root for section {nr}')
            return (root + (nr % per_root) * ms_size + ms_off - base) & U64

        coded = fx.q(section_paddr(0))
        if not coded & 1:
            raise LookupError('section 0 not present')
        self.vmemmap = coded & ~SECTION_FLAGS

        def pmd_paddr(vaddr):
            e = struct.unpack('<Q', fx.vread(pgd + 8 * ((vaddr >> 39) & 511), 8))[0]
            if not e & 1:
                raise LookupError(f'no PGD entry for {vaddr:#x}')
            e = fx.q((e & PTE_ADDR) + 8 * ((vaddr >> 30) & 511))
            if not e & 1 or e & 0x80:
                raise LookupError(f'no PUD table for {vaddr:#x}')
            return (e & PTE_ADDR) + 8 * ((vaddr >> 21) & 511)

        pmd0 = fx.q(pmd_paddr(self.vmemmap))
        if not pmd0 & 0x80:
            raise LookupError('vmemmap not on 2 MiB pages')
        pmd_flags = pmd0 & ~PMD_HUGE_ADDR
        # Upper bits of page->flags (zone, last cpupid) from the struct page
        # at 16 MiB, the start of ZONE_DMA32, page flags cleared.
        upper = self.struct_page(fx, pmd_paddr, 0x1000)[0] & ~((1 << 24) - 1)

        new = sorted({nr for lo, hi in added
                      for nr in range(lo >> (shift + 12), ((hi - 1) >> (shift + 12)) + 1)
                      if not fx.q(section_paddr(nr)) & 1})
        if not new:
            return
        # The kernel allocates the vmemmap top-down from memblock: put it at
        # the top of the largest new range.
        lo, hi = max(added, key=lambda r: r[1] - r[0])
        top = hi // MIB2 * MIB2
        if top - len(new) * MIB2 < lo:
            raise LookupError('new RAM too small for its struct pages')
        for i, nr in enumerate(new):
            chunk = top - (len(new) - i) * MIB2
            self.chunks[chunk] = nr << shift
            self.patches.append((section_paddr(nr), struct.pack('<Q', coded)))
            pmd = pmd_paddr(self.vmemmap + (nr << shift) * 64)
            if fx.q(pmd) & 1:
                raise LookupError(f'vmemmap of section {nr} already mapped')
            self.patches.append((pmd, struct.pack('<Q', chunk | pmd_flags)))
        self.vm_lo, self.vm_hi = top - len(new) * MIB2, top
        self.templates = self.make_templates(pool, upper, base, rng, fx)

    def struct_page(self, fx, pmd_paddr, pfn):
        v = self.vmemmap + pfn * 64
        e = fx.q(pmd_paddr(v))
        return struct.unpack('<QQQQQQ', fx.pread((e & PMD_HUGE_ADDR) + (v & (MIB2 - 1)), 48))

    def make_templates(self, pool, upper, base, rng, fx):
        """One struct page per pool page, for its use, and a last one for
        reserved pages (the vmemmap itself, non-RAM in a section). Page flag
        numbers from VMCOREINFO where it has them, else Linux 6.1's."""
        pg = lambda name, dflt: 1 << int(fx.info.get(f'NUMBER(PG_{name})', dflt))
        referenced, uptodate, active, reserved = 1 << 1, 1 << 2, 1 << 5, 1 << 12
        lru, slab, swapbacked = pg('lru', 4), pg('slab', 9), pg('swapbacked', 19)
        buddy = int(fx.info.get('NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)', -129)) & 0xffffffff
        pgtable = 0xfffffdff  # page_type with PG_table cleared

        def kptr():  # a kernel object in the fixture's RAM
            return (base + rng.randrange(1 << 23) * 64) & U64

        def vmm():   # a list_head in some struct page
            return self.vmemmap + rng.randrange(1 << 18) * 64 + 8

        def one(use):
            if use == 'free':
                v = (upper, vmm(), vmm(), 0, 0, 0, buddy, 0, 0)
            elif use == 'anon':
                v = (upper | uptodate | lru | swapbacked | rng.choice((0, active)),
                     vmm(), vmm(), kptr() | 1, rng.randrange(1 << 24), 0, 0, 1, kptr())
            elif use == 'cache':
                v = (upper | uptodate | lru | rng.choice((0, referenced)),
                     vmm(), vmm(), kptr(), rng.randrange(1 << 16), 0,
                     rng.choice((0, 0xffffffff)), rng.choice((1, 2)), kptr())
            elif use == 'slab':  # struct slab: slab_list, slab_cache, freelist, counters
                v = (upper | slab, vmm(), vmm(), kptr(), kptr(), rng.randrange(1 << 32),
                     0xffffffff, 1, 0)
            elif use == 'pgtable':
                v = (upper, 0, 0, 0, 0, 0, pgtable, 1, 0)
            else:
                v = (upper | reserved, vmm() - 8, vmm() - 8, 0, 0, 0, 0xffffffff, 1, 0)
            return struct.pack('<QQQQQQIIQ', *v)

        return [one(use) for _, use in pool] + [one('reserved')]

    def page(self, paddr, table):
        """The vmemmap page at physical paddr: 64 struct pages."""
        chunk = paddr // MIB2 * MIB2
        pfn = self.chunks[chunk] + (paddr - chunk) // 64
        t, rsv = self.templates, self.templates[-1]
        vm_lo, vm_hi = self.vm_lo >> 12, self.vm_hi >> 12
        ram = [(lo >> 12, hi >> 12) for lo, hi in self.ram]
        out = []
        for p in range(pfn, pfn + PAGE // 64):
            in_ram = any(lo <= p < hi for lo, hi in ram) and not vm_lo <= p < vm_hi
            out.append(t[table[p]] if in_ram and p < len(table) else rsv)
        return b''.join(out)


class Pages:
    """Generated content of physical memory: page pfn is pool[table[pfn]],
    or struct pages in the new vmemmap."""

    def __init__(self, pool, max_pfn, memmap, rng):
        self.pool = [b for b, _ in pool]
        self.memmap = memmap
        # One seeded draw per pfn, in pfn order: a bigger --size-gib keeps
        # the same content for the lower pages.
        self.table = rng.choices(range(len(pool)), k=max_pfn + 1)

    def chunks(self, start, end):
        """Bytes of physical [start, end), in writes of up to BATCH pages."""
        pfn, last = start // PAGE, (end - 1) // PAGE
        skip = start - pfn * PAGE
        pool, table, mm = self.pool, self.table, self.memmap
        while pfn <= last:
            n = min(BATCH, last + 1 - pfn)
            if mm.chunks and pfn * PAGE < mm.vm_hi and (pfn + n) * PAGE > mm.vm_lo:
                buf = b''.join(mm.page(p * PAGE, table) if mm.vm_lo <= p * PAGE < mm.vm_hi
                               else pool[table[p]] for p in range(pfn, pfn + n))
            else:
                buf = b''.join([pool[i] for i in table[pfn:pfn + n]])
            hi = min(len(buf), end - pfn * PAGE)
            yield buf[skip:hi] if skip or hi < len(buf) else buf
            skip = 0
            pfn += n


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

    fx = Fixture(a.fixture)
    eh, phdrs = fx.eh, fx.phdrs
    base = direct_map_base(fx.loads)
    top = max(p[4] + p[6] for p in fx.loads if ((p[3] - p[4]) & U64) == base)
    top = (top + PAGE - 1) // PAGE * PAGE
    size = int(a.size_gib * GIB) // PAGE * PAGE
    added = new_ram(top, size)
    for lo, hi in added:  # no bytes in the fixture: all generated
        phdrs.append([PT_LOAD, 7, 0, (base + lo) & U64, lo, 0, hi - lo, 0])

    # One generator per use, so that each part depends on the seed only.
    rng = lambda what: random.Random(f'{a.seed}-{what}')
    pool = make_pool(a.fill, a.pool_pages, rng('pool'))
    memmap = MemMap(fx, base, added, pool, rng('struct-page'))
    max_pfn = max(p[4] + p[6] for p in phdrs if p[0] == PT_LOAD) // PAGE
    pages = Pages(pool, max_pfn, memmap, rng('table'))

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
    with open(a.out, 'wb', buffering=0) as dst:
        dst.write(EHDR.pack(*eh))
        dst.seek(eh[5])
        dst.write(b''.join(PHDR.pack(*p) for p in phdrs))
        for p, (old_off, old_filesz) in zip(phdrs, plan):
            if not p[5]:
                continue
            dst.seek(p[2])
            if old_filesz:
                copy_range(fx.f, dst, old_off, old_filesz)
            if p[0] == PT_LOAD and p[6] > old_filesz:
                for chunk in pages.chunks(p[4] + old_filesz, p[4] + p[6]):
                    dst.write(chunk)
        dst.truncate(off)
        # Kernel memory that changes for the bigger guest, in every segment
        # that maps it.
        for paddr, b in memmap.patches:
            for p in phdrs:
                if p[0] == PT_LOAD and p[4] <= paddr and paddr + len(b) <= p[4] + p[5]:
                    os.pwrite(dst.fileno(), b, p[2] + paddr - p[4])

    print(f'{a.out}: {off} bytes, {len(phdrs)} program headers, RAM to '
          f'{added[-1][1] if added else top:#x}, direct map at {base:#x}, '
          f'{len(memmap.chunks)} sections added to mem_section, '
          f'{time.monotonic() - t0:.1f} s', file=sys.stderr)


if __name__ == '__main__':
    main()
