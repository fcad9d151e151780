/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <unistd.h>

#include "digest.h"
#include "util.h"

#define DIGEST_CHUNK (1U << 20)

static void to_hex(const unsigned char *md, char hex[VMC_SHA256_HEX]) {
        static const char digits[] = "0123456789abcdef";
        for (unsigned i = 0; i < 32; i++) {
                hex[2 * i] = digits[md[i] >> 4];
                hex[2 * i + 1] = digits[md[i] & 15];
        }
        hex[64] = '\0';
}

int vmc_sha256_hex(const void *data, size_t len, char hex[VMC_SHA256_HEX]) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;

        if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) || n != 32)
                return -EIO;
        to_hex(md, hex);
        return 0;
}

/* size bytes at start, or to the end of the file when size is UINT64_MAX;
 * *got: how many were read. */
static int sha256_of_fd(int fd, uint64_t start, uint64_t size, char hex[VMC_SHA256_HEX], uint64_t *got) {
        _cleanup_free_ unsigned char *buf = malloc(DIGEST_CHUNK);
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        EVP_MD_CTX *ctx;
        uint64_t off = 0;
        int r = 0;

        if (!buf)
                return -ENOMEM;
        ctx = EVP_MD_CTX_new();
        if (!ctx)
                return -ENOMEM;
        if (!EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
                r = -EIO;
        while (r >= 0 && off < size) {
                size_t want = (size_t) MIN((uint64_t) DIGEST_CHUNK, size - off);
                ssize_t k = pread(fd, buf, want, (off_t) (start + off));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k == 0 && size == UINT64_MAX)
                        break;
                if (k <= 0)
                        r = k < 0 ? -errno : -EIO; /* shorter than said */
                else if (!EVP_DigestUpdate(ctx, buf, (size_t) k))
                        r = -EIO;
                else
                        off += (uint64_t) k;
        }
        if (r >= 0 && (!EVP_DigestFinal_ex(ctx, md, &n) || n != 32))
                r = -EIO;
        EVP_MD_CTX_free(ctx);
        if (r < 0)
                return r;
        to_hex(md, hex);
        if (got)
                *got = off;
        return 0;
}

int vmc_sha256_fd(int fd, char hex[VMC_SHA256_HEX], uint64_t *size) {
        return sha256_of_fd(fd, 0, UINT64_MAX, hex, size);
}

int vmc_sha256_fd_range(int fd, uint64_t start, uint64_t size, char hex[VMC_SHA256_HEX]) {
        return sha256_of_fd(fd, start, size, hex, NULL);
}

/* Of a stream, as it goes by. */
struct vmc_sha256 {
        EVP_MD_CTX *ctx;
};

int vmc_sha256_new(struct vmc_sha256 **ret) {
        struct vmc_sha256 *h = calloc(1, sizeof(*h));

        if (!h)
                return -ENOMEM;
        h->ctx = EVP_MD_CTX_new();
        if (!h->ctx || !EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL)) {
                vmc_sha256_free(h);
                return -ENOMEM;
        }
        *ret = h;
        return 0;
}

int vmc_sha256_update(struct vmc_sha256 *h, const void *data, size_t len) {
        return EVP_DigestUpdate(h->ctx, data, len) ? 0 : -EIO;
}

int vmc_sha256_final(struct vmc_sha256 *h, char hex[VMC_SHA256_HEX]) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;

        if (!EVP_DigestFinal_ex(h->ctx, md, &n) || n != 32)
                return -EIO;
        to_hex(md, hex);
        return 0;
}

void vmc_sha256_free(struct vmc_sha256 *h) {
        if (!h)
                return;
        EVP_MD_CTX_free(h->ctx);
        free(h);
}
