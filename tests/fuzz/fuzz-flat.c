/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The flattened-dump reader and the kdump-compressed reader behind it, on
 * arbitrary files: index the records, read the reassembled view, parse the
 * kdump headers, decompress pages. Errors are fine; crashes, hangs and
 * reads out of bounds are not. */

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "flat.h"
#include "kdumpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int read_cb(void *userdata, void *buf, size_t len, uint64_t off) {
        return flat_pread(userdata, buf, len, off);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct flat *f = NULL;
        struct kdumpc *k = NULL;
        uint8_t page[65536];
        char err[256];
        int fd;

        fd = memfd_create("fuzz-flat", MFD_CLOEXEC);
        if (fd < 0)
                return 0;
        if (write(fd, data, size) != (ssize_t) size || flat_open(fd, &f, err, sizeof(err)) < 0)
                goto out;
        (void) flat_pread(f, page, sizeof(page) < flat_size(f) ? sizeof(page) : flat_size(f), 0);
        if (kdumpc_open(read_cb, f, flat_size(f), &k, err, sizeof(err)) < 0)
                goto out;
        for (uint64_t pfn = 0; pfn < 64; pfn++)
                (void) kdumpc_read_page(k, pfn, page);
out:
        kdumpc_free(k);
        flat_free(f);
        close(fd);
        return 0;
}
