/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* makedumpfile's flattened format (-F, also QEMU's kdump output): a 4 KiB
 * header ("makedumpfile", type 1, version 1, big-endian) and then records
 * {be64 offset, be64 size, data} that, written at their offsets in order,
 * give the real dump ("makedumpfile -R"). An offset of -1 ends the stream.
 *
 * Instead of writing that file, flat_open() indexes the records (reading
 * only their 16-byte headers) and flat_pread() serves reads of the
 * reassembled file from the flattened one. Later records win where records
 * overlap, as they would in a reassembly. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct flat;

/* -EBADMSG (with a message) when the stream is not a valid flattened dump.
 * A stream cut short before its end marker is accepted and flagged. */
int flat_open(int fd, struct flat **ret, char *err, size_t errlen);
void flat_free(struct flat *f);

/* Reads len bytes at offset off of the reassembled file. Bytes no record
 * wrote read as zeros (as in the sparse reassembled file); reading past
 * the reassembled end gives -EIO. */
int flat_pread(struct flat *f, void *buf, size_t len, uint64_t off);

/* Size of the reassembled file, and whether the stream lacked its end. */
uint64_t flat_size(const struct flat *f);
bool flat_truncated(const struct flat *f);

/* Writes the reassembled file (what "makedumpfile -R" writes) to out_fd,
 * which should be empty; bytes no record wrote stay holes. -EBADMSG for a
 * stream cut short before its end marker. */
int flat_reassemble(struct flat *f, int out_fd, char *err, size_t errlen);
