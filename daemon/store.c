/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "store-backend.h"
#include "util.h"

/* Keys are ours, but a bad one would write outside the store: relative,
 * no empty, "." or ".." components, printable. */
static int check_key(const char *key, char *err, size_t errlen) {
        const char *c = key;

        if (!*key || *key == '/' || key[strlen(key) - 1] == '/')
                return set_error(-EINVAL, err, errlen, "bad store key '%s'", key);
        while (*c) {
                const char *end = strchr(c, '/');
                size_t len = end ? (size_t) (end - c) : strlen(c);
                if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
                        return set_error(-EINVAL, err, errlen, "bad store key '%s'", key);
                for (size_t i = 0; i < len; i++)
                        if ((unsigned char) c[i] <= ' ' || c[i] == 0x7f)
                                return set_error(-EINVAL, err, errlen, "bad store key '%s'", key);
                c += len + (end ? 1 : 0);
        }
        return 0;
}

int vmc_store_open(const struct vmc_store_url *url, const struct vmc_credentials *cred,
                   const struct vmc_store_options *opt, struct vmc_store **ret, char *err, size_t errlen) {
        struct vmc_store *s;
        int r;

        const struct vmc_store_ops *ops;
        int k;

        switch (url->scheme) {
        case VMC_STORE_FILE:
                ops = &vmc_store_file_ops;
                break;
        case VMC_STORE_HTTPS:
        case VMC_STORE_HTTP:
                ops = &vmc_store_https_ops;
                break;
        case VMC_STORE_S3:
                ops = &vmc_store_s3_ops;
                break;
        case VMC_STORE_SFTP:
                ops = &vmc_store_sftp_ops;
                break;
        default:
                return set_error(-EPROTONOSUPPORT, err, errlen, "unknown store scheme");
        }
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->ops = ops;
        s->url = url;
        s->cred = cred;
        s->opt = *opt;
        if (url->scheme == VMC_STORE_FILE)
                k = asprintf(&s->name, "file://%s", url->path);
        else if (url->scheme == VMC_STORE_S3)
                k = asprintf(&s->name, "s3://%s%s%s", url->bucket, *url->path ? "/" : "", url->path);
        else if (url->scheme == VMC_STORE_SFTP && url->port)
                k = asprintf(&s->name, "sftp://%s@%s:%u%s", url->user, url->host, url->port, url->path);
        else if (url->scheme == VMC_STORE_SFTP)
                k = asprintf(&s->name, "sftp://%s@%s%s", url->user, url->host, url->path);
        else if (url->port)
                k = asprintf(&s->name, "%s://%s:%u%s", vmc_store_scheme_name(url->scheme), url->host, url->port, url->path);
        else
                k = asprintf(&s->name, "%s://%s%s", vmc_store_scheme_name(url->scheme), url->host, url->path);
        if (k < 0) {
                free(s);
                return -ENOMEM;
        }
        r = s->ops->open(s, err, errlen);
        if (r < 0) {
                free(s->name);
                free(s);
                return r;
        }
        *ret = s;
        return 0;
}

int vmc_store_clone(struct vmc_store *s, struct vmc_store **ret, char *err, size_t errlen) {
        int r = vmc_store_open(s->url, s->cred, &s->opt, ret, err, errlen);
        if (r >= 0)
                (*ret)->parent = s;
        return r;
}

void vmc_store_close(struct vmc_store *s) {
        if (!s)
                return;
        if (s->parent)
                __atomic_add_fetch(&s->parent->requests, __atomic_load_n(&s->requests, __ATOMIC_RELAXED),
                                   __ATOMIC_RELAXED);
        s->ops->close(s);
        free(s->name);
        free(s);
}

const char *vmc_store_name(const struct vmc_store *s) {
        return s->name;
}

int vmc_store_put(struct vmc_store *s, const char *key, const void *data, size_t len, char *err, size_t errlen) {
        int r = check_key(key, err, errlen);
        return r < 0 ? r : s->ops->put(s, key, data, len, err, errlen);
}

static ssize_t fd_stream_read(void *userdata, void *buf, size_t len) {
        int fd = *(int *) userdata;
        ssize_t n;

        do
                n = read(fd, buf, len);
        while (n < 0 && errno == EINTR);
        return n < 0 ? -errno : n;
}

int vmc_store_put_stream(struct vmc_store *s, const char *key, struct vmc_stream *in, char *err, size_t errlen) {
        int r = check_key(key, err, errlen);
        return r < 0 ? r : s->ops->put_stream(s, key, in, err, errlen);
}

int vmc_store_put_fd(struct vmc_store *s, const char *key, int fd, char *err, size_t errlen) {
        return vmc_store_put_fd_resumable(s, key, fd, NULL, err, errlen);
}

int vmc_store_abort_upload(struct vmc_store *s, const char *key, const char *upload_id, char *err, size_t errlen) {
        int r = check_key(key, err, errlen);
        if (r < 0 || !upload_id || !*upload_id || !s->ops->abort_upload)
                return r;
        return s->ops->abort_upload(s, key, upload_id, err, errlen);
}

int vmc_store_put_fd_resumable(struct vmc_store *s, const char *key, int fd, struct vmc_put_resume *res, char *err,
                               size_t errlen) {
        struct stat st;
        int r = check_key(key, err, errlen);

        if (r < 0)
                return r;
        if (fstat(fd, &st) < 0)
                return set_error(-errno, err, errlen, "%s: %s", key, strerror(errno));
        if (!S_ISREG(st.st_mode)) {
                /* A pipe cannot be read again: nothing to resume. */
                struct vmc_stream in = { fd_stream_read, &fd };
                return s->ops->put_stream(s, key, &in, err, errlen);
        }
        return s->ops->put_fd(s, key, fd, res, err, errlen);
}

int vmc_store_stat(struct vmc_store *s, const char *key, uint64_t *size, char *err, size_t errlen) {
        int r = check_key(key, err, errlen);
        return r < 0 ? r : s->ops->stat(s, key, size, err, errlen);
}

int vmc_store_get(struct vmc_store *s, const char *key, size_t max, char **data, size_t *len, char *err,
                  size_t errlen) {
        int r = check_key(key, err, errlen);
        return r < 0 ? r : s->ops->get(s, key, max, data, len, err, errlen);
}

int vmc_store_delete(struct vmc_store *s, const char *key, char *err, size_t errlen) {
        int r = check_key(key, err, errlen);
        return r < 0 ? r : s->ops->delete(s, key, err, errlen);
}

int vmc_store_get_fd(struct vmc_store *s, const char *key, uint64_t offset, int fd, char *err, size_t errlen) {
        int r = check_key(key, err, errlen);
        return r < 0 ? r : s->ops->get_fd(s, key, offset, fd, err, errlen);
}

int vmc_store_range_end(struct vmc_store *s, const char *key, uint64_t at, char *err, size_t errlen) {
        uint64_t size = 0;
        int r = s->ops->stat(s, key, &size, err, errlen);

        if (r < 0)
                return r;
        if (r == 0)
                return set_error(-ENOENT, err, errlen, "%s: %s: not found", s->name, key);
        if (size < at)
                return set_error(-ERANGE, err, errlen, "%s: %s: offset %" PRIu64 " is beyond its end (%" PRIu64 " bytes)",
                                 s->name, key, at, size);
        if (size > at)
                return set_error(-EIO, err, errlen, "%s: %s: the server refused the range from %" PRIu64
                                 " although the object has %" PRIu64 " bytes", s->name, key, at, size);
        return 0;
}

uint64_t vmc_store_requests(const struct vmc_store *s) {
        return __atomic_load_n(&s->requests, __ATOMIC_RELAXED);
}

int vmc_store_list(struct vmc_store *s, const char *prefix, char ***names, size_t *n, char *err, size_t errlen) {
        int r = check_key(prefix, err, errlen);
        *names = NULL;
        *n = 0;
        return r < 0 ? r : s->ops->list(s, prefix, names, n, err, errlen);
}

void vmc_store_names_free(char **names, size_t n) {
        names_free(names, n);
}
