/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* makedumpfile, run for one crash: the filtered dump written into a file
 * in the spool, or flattened (-F) into a stream that the store reads as it
 * comes, when there is no disk to keep it. makedumpfile's messages go to a
 * log file; its progress to the terminal, or the log every 25%. */

#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "store.h"

struct vmc_capture_options {
        const char *vmcore;             /* /proc/vmcore, or an ELF dump */
        unsigned dump_level;            /* makedumpfile -d */
        const char *compression;        /* lzo, zlib, snappy, zstd or none */
        const char *log_path;           /* makedumpfile's output kept here, or NULL */
};

/* Writes the filtered dump to path. -ENOSPC when its disk filled up (what
 * was written is removed), -ENOENT when makedumpfile is not installed,
 * -EIO when it failed otherwise; each said in the log. */
int vmc_capture_file(const struct vmc_capture_options *o, const char *path);

struct vmc_capture_stream;

/* Starts makedumpfile -F; *stream gives its output, and fails (instead of
 * ending) when makedumpfile does, so that the store keeps nothing of a
 * broken dump. */
int vmc_capture_stream_start(const struct vmc_capture_options *o, struct vmc_capture_stream **ret,
                             struct vmc_stream **stream);

/* Stops makedumpfile if the stream was not read to its end, waits for it,
 * and gives the size and SHA-256 of what went by. 0 only when makedumpfile
 * succeeded and its whole output was read. */
int vmc_capture_stream_finish(struct vmc_capture_stream *c, char hex[VMC_SHA256_HEX], uint64_t *size);

/* makedumpfile --reassemble: the files of a split set (makedumpfile
 * --split, in their order) made into one dump at path. Its messages go to
 * log_path (or nowhere). -ENOENT when makedumpfile is not installed, -EIO
 * when it failed (path removed). */
int vmc_capture_reassemble(char *const *parts, size_t n, const char *path, const char *log_path);
