/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* Readies about `bytes` of heap in one system call, for a command that reads
 * one dump and exits: such a run touches about a megabyte of fresh heap, and
 * on a virtual machine (where capture kernels often run) each first touch of
 * a page is a page fault costing around 10 us, while populating pages in bulk
 * costs under 1 us each. Also keeps allocations below `bytes` on the heap
 * (not in separate mappings) and the heap from shrinking back. Best effort:
 * on kernels before 5.14 (no MADV_POPULATE_WRITE) pages fault in as usual.
 * Not for processes that fork children afterwards: their writes would copy
 * the populated pages. */
void heap_prefault(size_t bytes);

/* What analyzing or printing the log of a typical dump needs (measured with
 * tests/bench/bench-vmcore.py: 0.8-1.6 MiB of heap). */
#define HEAP_PREFAULT_BYTES ((size_t) 1 << 20)
