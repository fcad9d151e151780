/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A stream read one part ahead by a thread: while the caller sends part N,
 * part N+1 is read, so the producer (makedumpfile) and the network both
 * keep going instead of taking turns. Two buffers of part_size bound the
 * memory whatever the stream's length. */

#include <stddef.h>
#include <sys/types.h>

#include "store.h"

struct vmc_readahead;

int vmc_readahead_start(struct vmc_stream *in, size_t part_size, struct vmc_readahead **ret);

/* The next part, in *buf, which stays the caller's until the next call:
 * its length (part_size but for the last part), 0 at the end of the
 * stream, or the stream's negative errno. */
ssize_t vmc_readahead_next(struct vmc_readahead *ra, const char **buf);

/* Stops the reader once its current read of the stream returns, and frees. */
void vmc_readahead_free(struct vmc_readahead *ra);
