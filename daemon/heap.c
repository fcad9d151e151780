/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "heap.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

void heap_prefault(size_t bytes) {
        long page = sysconf(_SC_PAGESIZE);
        uintptr_t lo, hi;
        void *p;

        if (bytes == 0 || bytes > INT32_MAX / 4 || page <= 0)
                return;
        /* The heap grows by `bytes` beyond each request and does not shrink
         * under 4 * bytes; blocks of up to `bytes` stay on it. */
        if (!mallopt(M_TOP_PAD, (int) bytes) || !mallopt(M_TRIM_THRESHOLD, (int) (4 * bytes)) ||
            !mallopt(M_MMAP_THRESHOLD, (int) bytes))
                return;
        /* One allocation grows the heap by about 1.5 * bytes; freeing it
         * leaves all of that as free top of heap for what follows. */
        p = malloc(bytes / 2);
        if (!p)
                return;
        lo = (uintptr_t) p & ~((uintptr_t) page - 1);
        free(p);
        hi = (uintptr_t) sbrk(0);
        /* Another allocator (sanitizers) does not use the heap: leave it. */
        if (hi == (uintptr_t) -1 || hi <= lo || hi - lo > 4 * bytes)
                return;
        (void) madvise((void *) lo, hi - lo, MADV_POPULATE_WRITE);
}
