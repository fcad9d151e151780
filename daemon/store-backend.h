/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a store backend provides (see store.h for the meaning of each). */

#include "store.h"

struct vmc_store_ops {
        int (*open)(struct vmc_store *s, char *err, size_t errlen);
        void (*close)(struct vmc_store *s);
        int (*put)(struct vmc_store *s, const char *key, const void *data, size_t len, char *err, size_t errlen);
        /* fd is a regular file; pipes go to put_stream. */
        int (*put_fd)(struct vmc_store *s, const char *key, int fd, struct vmc_put_resume *res, char *err,
                      size_t errlen);
        int (*put_stream)(struct vmc_store *s, const char *key, struct vmc_stream *in, char *err, size_t errlen);
        int (*stat)(struct vmc_store *s, const char *key, uint64_t *size, char *err, size_t errlen);
        int (*get)(struct vmc_store *s, const char *key, size_t max, char **data, size_t *len, char *err,
                   size_t errlen);
        int (*delete)(struct vmc_store *s, const char *key, char *err, size_t errlen);
        /* NULL: the store keeps nothing of an unfinished upload. */
        int (*abort_upload)(struct vmc_store *s, const char *key, const char *upload_id, char *err, size_t errlen);
        int (*list)(struct vmc_store *s, const char *prefix, char ***names, size_t *n, char *err, size_t errlen);
        int (*get_fd)(struct vmc_store *s, const char *key, uint64_t offset, int fd, char *err, size_t errlen);
};

struct vmc_store {
        const struct vmc_store_ops *ops;
        const struct vmc_store_url *url;
        const struct vmc_credentials *cred;
        struct vmc_store_options opt;
        char *name;
        void *priv;                     /* the backend's */
        /* vmc_store_requests(); S3's senders add to it from their threads,
         * so only with __atomic builtins (vmc_store_count). */
        uint64_t requests;
        struct vmc_store *parent;       /* a clone's: its requests count there too */
};

static inline void vmc_store_count(struct vmc_store *s, uint64_t n) {
        __atomic_add_fetch(&s->requests, n, __ATOMIC_RELAXED);
}

/* For a download the server refused as out of range (HTTP 416): done when
 * key ends exactly at `at` (the resumed download has it all; servers
 * answer 416 to a range that starts at the end), -ENOENT when key is gone,
 * else -ERANGE; err set. */
int vmc_store_range_end(struct vmc_store *s, const char *key, uint64_t at, char *err, size_t errlen);

extern const struct vmc_store_ops vmc_store_file_ops;
extern const struct vmc_store_ops vmc_store_https_ops;
extern const struct vmc_store_ops vmc_store_s3_ops;
extern const struct vmc_store_ops vmc_store_sftp_ops;
