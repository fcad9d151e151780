/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The kdump-compressed format makedumpfile writes (disk_dump_header,
 * kdump_sub_header, two page bitmaps, page descriptors, page data), read
 * through a pread-like callback so that it works on the reassembled view of
 * a flattened stream (flat.h). Used only where libkdumpfile cannot read the
 * file; 64-bit little-endian dumps (x86_64, arm64). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int (*kdumpc_pread_fn)(void *userdata, void *buf, size_t len, uint64_t off);

struct kdumpc;

struct kdumpc_info {
        char machine[65];               /* utsname.machine, e.g. "x86_64" */
        uint32_t block_size;            /* = page size */
        uint64_t phys_base;
        uint64_t max_mapnr;
        bool incomplete;                /* makedumpfile did not finish (disk full, ...) */
};

int kdumpc_open(kdumpc_pread_fn pread_fn, void *userdata, uint64_t file_size, struct kdumpc **ret, char *err,
                size_t errlen);
void kdumpc_free(struct kdumpc *k);

const struct kdumpc_info *kdumpc_info(const struct kdumpc *k);

/* The VMCOREINFO text and the ELF notes (NT_PRSTATUS ...) the header keeps. */
const char *kdumpc_vmcoreinfo(const struct kdumpc *k, size_t *len);
const uint8_t *kdumpc_notes(const struct kdumpc *k, size_t *len);

/* Copies page pfn (block_size bytes) into buf. -EFAULT: not in the dump
 * (filtered out or beyond memory); -EIO/-EBADMSG: unreadable or corrupt;
 * -EPROTONOSUPPORT: a compression this build lacks. */
int kdumpc_read_page(struct kdumpc *k, uint64_t pfn, void *buf);
