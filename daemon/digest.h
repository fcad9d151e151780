/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* SHA-256 (OpenSSL's libcrypto) as lowercase hex, of memory or a file. */

#include <stddef.h>
#include <stdint.h>

#define VMC_SHA256_HEX 65

int vmc_sha256_hex(const void *data, size_t len, char hex[VMC_SHA256_HEX]);

/* Of fd's whole contents (read with pread from offset 0); *size gets the
 * number of bytes. */
int vmc_sha256_fd(int fd, char hex[VMC_SHA256_HEX], uint64_t *size);

/* Of size bytes of fd at offset start; -EIO if the file is shorter. */
int vmc_sha256_fd_range(int fd, uint64_t start, uint64_t size, char hex[VMC_SHA256_HEX]);

/* Of a stream, as it goes by. */
struct vmc_sha256;
int vmc_sha256_new(struct vmc_sha256 **ret);
int vmc_sha256_update(struct vmc_sha256 *h, const void *data, size_t len);
int vmc_sha256_final(struct vmc_sha256 *h, char hex[VMC_SHA256_HEX]);
void vmc_sha256_free(struct vmc_sha256 *h);
