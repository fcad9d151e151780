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

int vmc_sha256_fd(int fd, char hex[VMC_SHA256_HEX], uint64_t *size) {
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
        while (r >= 0) {
                ssize_t k = pread(fd, buf, DIGEST_CHUNK, (off_t) off);
                if (k < 0) {
                        if (errno != EINTR)
                                r = -errno;
                        continue;
                }
                if (k == 0)
                        break;
                if (!EVP_DigestUpdate(ctx, buf, (size_t) k))
                        r = -EIO;
                off += (uint64_t) k;
        }
        if (r >= 0 && (!EVP_DigestFinal_ex(ctx, md, &n) || n != 32))
                r = -EIO;
        EVP_MD_CTX_free(ctx);
        if (r < 0)
                return r;
        to_hex(md, hex);
        if (size)
                *size = off;
        return 0;
}

struct payload_ctx {
        EVP_MD_CTX *sha, *md5;
};

static void payload_done(struct payload_ctx *p) {
        EVP_MD_CTX_free(p->sha);
        EVP_MD_CTX_free(p->md5);
}

static int payload_init(struct payload_ctx *p) {
        p->sha = EVP_MD_CTX_new();
        p->md5 = EVP_MD_CTX_new();
        if (!p->sha || !p->md5 || !EVP_DigestInit_ex(p->sha, EVP_sha256(), NULL) ||
            !EVP_DigestInit_ex(p->md5, EVP_md5(), NULL)) {
                payload_done(p);
                return -EIO;
        }
        return 0;
}

static int payload_update(struct payload_ctx *p, const void *data, size_t len) {
        return EVP_DigestUpdate(p->sha, data, len) && EVP_DigestUpdate(p->md5, data, len) ? 0 : -EIO;
}

static int payload_final(struct payload_ctx *p, struct vmc_payload_digest *ret) {
        unsigned char sha[EVP_MAX_MD_SIZE], md5[EVP_MAX_MD_SIZE];
        unsigned int ns = 0, nm = 0;
        int r = 0;

        if (!EVP_DigestFinal_ex(p->sha, sha, &ns) || ns != 32 || !EVP_DigestFinal_ex(p->md5, md5, &nm) || nm != 16)
                r = -EIO;
        payload_done(p);
        if (r < 0)
                return r;
        to_hex(sha, ret->sha256);
        EVP_EncodeBlock((unsigned char *) ret->md5_base64, md5, 16);
        return 0;
}

int vmc_payload_digest(const void *data, size_t len, struct vmc_payload_digest *ret) {
        struct payload_ctx p;
        int r = payload_init(&p);

        if (r < 0)
                return r;
        r = payload_update(&p, data, len);
        if (r < 0) {
                payload_done(&p);
                return r;
        }
        return payload_final(&p, ret);
}

int vmc_payload_digest_fd(int fd, uint64_t start, uint64_t size, struct vmc_payload_digest *ret) {
        _cleanup_free_ unsigned char *buf = malloc(DIGEST_CHUNK);
        struct payload_ctx p;
        uint64_t off = 0;
        int r;

        if (!buf)
                return -ENOMEM;
        r = payload_init(&p);
        if (r < 0)
                return r;
        while (r >= 0 && off < size) {
                size_t want = (size_t) MIN((uint64_t) DIGEST_CHUNK, size - off);
                ssize_t k = pread(fd, buf, want, (off_t) (start + off));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        r = k < 0 ? -errno : -EIO;
                else {
                        r = payload_update(&p, buf, (size_t) k);
                        off += (uint64_t) k;
                }
        }
        if (r < 0) {
                payload_done(&p);
                return r;
        }
        return payload_final(&p, ret);
}
