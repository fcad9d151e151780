#!/usr/bin/env python3
"""Rewrites the pages of a kdump-compressed dump that hold a range of the
kernel image, to test what vmcored does when a part of the kernel is not
in a dump:

  kdump-edit.py IN OUT --drop ADDR:SIZE    the pages are marked not dumped
                                           (as makedumpfile marks filtered pages)
  kdump-edit.py IN OUT --zero ADDR:SIZE    the pages are kept, full of zeros

ADDR is a kernel virtual address in the kernel image (e.g. __start_BTF, which
`vmcored analyze --json` reports as dump.btf.address); its physical address
is ADDR - __START_KERNEL_map + phys_base (x86_64; phys_base is in the kdump
sub-header). Everything else of the file is kept as it was.
Format facts: makedumpfile's diskdump header, kdump sub-header, two bitmaps
of max_mapnr bits, one 24-byte page descriptor (offset, size, flags,
page_flags) per set bit of the second bitmap, then the page data."""
import argparse, struct, sys

START_KERNEL_MAP = 0xffffffff80000000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('infile')
    ap.add_argument('outfile')
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument('--drop')
    g.add_argument('--zero')
    a = ap.parse_args()
    spec = a.drop or a.zero
    addr, size = (int(x, 0) for x in spec.split(':'))

    data = open(a.infile, 'rb').read()
    if data[:8] != b'KDUMP   ':
        sys.exit(f"{a.infile}: not a kdump-compressed dump")
    block_size, sub_hdr_size, bitmap_blocks, max_mapnr = struct.unpack_from('<iiII', data, 428)
    sub = block_size
    header_version = struct.unpack_from('<i', data, 8)[0]
    if header_version >= 6:
        max_mapnr = struct.unpack_from('<Q', data, sub + 96)[0] or max_mapnr
    phys_base = struct.unpack_from('<Q', data, sub)[0]
    page = 4096
    # phys_base is negative (mod 2^64) when KASLR moved the kernel up.
    mask = (1 << 64) - 1
    first = ((addr - START_KERNEL_MAP + phys_base) & mask) // page
    last = ((addr + size - 1 - START_KERNEL_MAP + phys_base) & mask) // page
    bm_off = block_size * (1 + sub_hdr_size)
    bm_len = bitmap_blocks * block_size
    half = bm_len // 2
    bitmap2 = bytearray(data[bm_off + half:bm_off + bm_len])
    desc_off = bm_off + bm_len
    pfns = [i for i in range(min(max_mapnr, half * 8)) if bitmap2[i >> 3] >> (i & 7) & 1]
    descs = [struct.unpack_from('<qIIQ', data, desc_off + 24 * k) for k in range(len(pfns))]
    hit = [k for k, p in enumerate(pfns) if first <= p <= last]
    if not hit:
        sys.exit(f"no dumped page in pfns {first:#x}-{last:#x}")

    pages = []          # (pfn, bytes, flags, page_flags)
    for k, p in enumerate(pfns):
        off, sz, flags, page_flags = descs[k]
        if first <= p <= last:
            if a.drop:
                bitmap2[p >> 3] &= ~(1 << (p & 7)) & 0xff
                continue
            pages.append((p, 'zero', bytes(page), 0, page_flags))
        else:
            pages.append((p, off, data[off:off + sz], flags, page_flags))
    out = bytearray(data[:bm_off + half]) + bitmap2
    data_off = desc_off + 24 * len(pages)
    body, table, placed = bytearray(), bytearray(), {}
    # Pages that shared data (makedumpfile's one zero page) still do.
    for p, key, blob, flags, page_flags in pages:
        if key not in placed:
            placed[key] = data_off + len(body)
            body += blob
        table += struct.pack('<qIIQ', placed[key], len(blob), flags, page_flags)
    out += table + body
    open(a.outfile, 'wb').write(out)
    print(f"{a.outfile}: {len(hit)} pages of {addr:#x}+{size:#x} {'dropped' if a.drop else 'zeroed'}")


if __name__ == '__main__':
    main()
