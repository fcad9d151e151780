#!/usr/bin/env python3
"""Makes a small real sample dump from a kdump-compressed one: the same
headers, VMCOREINFO and notes, and only the pages some commands read.

  prune-kdump.py IN OUT -- COMMAND...    (COMMAND gets IN as its last argument;
                                          repeat "-- COMMAND..." for more)

Each command is run under strace; every page whose compressed data lies in a
block of IN that one of them read is kept, with its page descriptor; the
others are marked not dumped in the second bitmap (as makedumpfile marks
pages it filters out). The result answers those commands exactly as IN does,
in a fraction of its size: tests/data/x86_64-6.1-bug-lkdtm.kdump was made
from the BUG fixture this way.
Format facts: makedumpfile's diskdump header, kdump sub-header, two bitmaps
of max_mapnr bits, one 24-byte page descriptor (offset, size, flags,
page_flags) per set bit of the second bitmap, then the page data."""
import os, re, struct, subprocess, sys, tempfile


def read_ranges(infile, cmds):
    ranges = []
    for cmd in cmds:
        with tempfile.NamedTemporaryFile(suffix='.strace') as log:
            subprocess.run(['strace', '-f', '-e', 'trace=openat,pread64,read,close', '-o', log.name] + cmd + [infile],
                           check=True, stdout=subprocess.DEVNULL)
            fds = set()
            for line in open(log.name):
                m = re.search(r'openat\(AT_FDCWD, "([^"]*)".*\) = (\d+)', line)
                if m:
                    if os.path.realpath(m.group(1)) == os.path.realpath(infile):
                        fds.add(m.group(2))
                    else:
                        fds.discard(m.group(2))
                    continue
                m = re.search(r'close\((\d+)\)', line)
                if m:
                    fds.discard(m.group(1))
                    continue
                m = re.search(r'pread64\((\d+), .*, (\d+), (\d+)\) = (\d+)', line)
                if m and m.group(1) in fds:
                    ranges.append((int(m.group(3)), int(m.group(3)) + int(m.group(4))))
                elif re.search(r' read\((\d+),', line) and re.search(r' read\((\d+),', line).group(1) in fds:
                    sys.exit("a command read the dump with read(); only pread64 is traced by offset")
    ranges.sort()
    return ranges


def main():
    args = sys.argv[1:]
    if len(args) < 4 or args[2] != '--':
        sys.exit(__doc__)
    infile, outfile = args[0], args[1]
    cmds, cur = [], None
    for a in args[2:]:
        if a == '--':
            cur = []
            cmds.append(cur)
        else:
            cur.append(a)
    data = open(infile, 'rb').read()
    if data[:8] != b'KDUMP   ':
        sys.exit(f"{infile}: not a kdump-compressed dump")
    block_size, sub_hdr_size, bitmap_blocks, max_mapnr = struct.unpack_from('<iiII', data, 428)
    sub = block_size
    header_version = struct.unpack_from('<i', data, 8)[0]
    if header_version >= 6:
        max_mapnr = struct.unpack_from('<Q', data, sub + 96)[0] or max_mapnr
    if header_version >= 5 and struct.unpack_from('<Q', data, sub + 72)[0]:
        sys.exit("eraseinfo present: not handled")
    bm_off = block_size * (1 + sub_hdr_size)
    bm_len = bitmap_blocks * block_size
    half = bm_len // 2
    bitmap2 = data[bm_off + half:bm_off + bm_len]
    desc_off = bm_off + bm_len
    pfns = [i for i in range(min(max_mapnr, half * 8)) if bitmap2[i >> 3] >> (i & 7) & 1]
    descs = [struct.unpack_from('<qIIQ', data, desc_off + 24 * k) for k in range(len(pfns))]

    ranges = read_ranges(infile, cmds)
    import bisect
    starts = [r[0] for r in ranges]

    def was_read(lo, hi):
        i = bisect.bisect_right(starts, hi - 1)
        return any(ranges[j][1] > lo for j in range(max(0, i - 64), i))

    keep = [k for k, d in enumerate(descs) if was_read(d[0], d[0] + d[1])]
    new_bitmap2 = bytearray(half)
    for k in keep:
        new_bitmap2[pfns[k] >> 3] |= 1 << (pfns[k] & 7)
    out = bytearray(data[:bm_off + half]) + new_bitmap2
    data_off = desc_off + 24 * len(keep)
    body, table, placed = bytearray(), bytearray(), {}
    for k in keep:
        off, size, flags, page_flags = descs[k]
        if off not in placed:  # makedumpfile shares one zero page
            placed[off] = data_off + len(body)
            body += data[off:off + size]
        table += struct.pack('<qIIQ', placed[off], size, flags, page_flags)
    out += table + body
    open(outfile, 'wb').write(out)
    print(f"{outfile}: {len(keep)} of {len(pfns)} pages kept, {len(out)} bytes (from {len(data)})")


if __name__ == '__main__':
    main()
