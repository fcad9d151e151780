/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* file:///DIR: the store layout in a directory (a local disk, an NFS mount,
 * an air-gapped host). Each object is written to a temporary name in its
 * directory, synced, and renamed into place, and the directory is synced:
 * after a crash or power loss an object is there whole or not at all. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "mkdir.h"
#include "store-backend.h"
#include "util.h"

#define COPY_CHUNK (1U << 20)

struct file_store {
        int root;                       /* the store directory */
};

static int store_root(struct vmc_store *s) {
        return ((struct file_store *) s->priv)->root;
}

static int file_open(struct vmc_store *s, char *err, size_t errlen) {
        struct file_store *f;
        int fd;

        /* The store directory and its parents are created (0755) when
         * missing: the default store must work on a fresh host. */
        int r = mkdir_parents(s->url->path, 0755);
        if (r < 0)
                return set_error(r, err, errlen, "%s: cannot create the store directory: %s", s->name, strerror(-r));
        fd = open(s->url->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return set_error(-errno, err, errlen, "%s: %s", s->name, strerror(errno));
        f = calloc(1, sizeof(*f));
        if (!f) {
                close(fd);
                return -ENOMEM;
        }
        f->root = fd;
        s->priv = f;
        return 0;
}

static void file_close(struct vmc_store *s) {
        struct file_store *f = s->priv;
        if (!f)
                return;
        close(f->root);
        free(f);
}

/* Creates the directories of key's parent (mode 0755) and returns an fd of
 * that directory and the file name's offset in key. */
static int parent_dir(struct vmc_store *s, const char *key, int *ret, const char **name, char *err, size_t errlen) {
        int dir = fcntl(store_root(s), F_DUPFD_CLOEXEC, 3);
        const char *c = key;

        if (dir < 0)
                return -errno;
        for (;;) {
                const char *slash = strchr(c, '/');
                char part[256];
                int next;

                if (!slash)
                        break;
                if ((size_t) (slash - c) >= sizeof(part)) {
                        close(dir);
                        return set_error(-ENAMETOOLONG, err, errlen, "%s: key too long: %s", s->name, key);
                }
                memcpy(part, c, (size_t) (slash - c));
                part[slash - c] = '\0';
                if (mkdirat(dir, part, 0755) < 0 && errno != EEXIST) {
                        int e = errno;
                        close(dir);
                        return set_error(-e, err, errlen, "%s: cannot create %.*s: %s", s->name, (int) (slash - key),
                                         key, strerror(e));
                }
                next = openat(dir, part, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                close(dir);
                if (next < 0)
                        return set_error(-errno, err, errlen, "%s: %.*s: %s", s->name, (int) (slash - key), key,
                                         strerror(errno));
                dir = next;
                c = slash + 1;
        }
        *ret = dir;
        *name = c;
        return 0;
}

/* Fills the temporary file tmp with data (or fd's contents, or the stream's) and renames it
 * to name in dir, synced. */
static int file_store_object(struct vmc_store *s, const char *key, const void *data, size_t len, int src,
                             struct vmc_stream *in, char *err, size_t errlen) {
        const char *name = NULL;
        char tmp[300];
        int wdir = -1, fd, r;

        r = parent_dir(s, key, &wdir, &name, err, errlen);
        if (r < 0)
                return r;
        if (snprintf(tmp, sizeof(tmp), ".%s.tmp-%d", name, (int) getpid()) >= (int) sizeof(tmp)) {
                close(wdir);
                return set_error(-ENAMETOOLONG, err, errlen, "%s: key too long: %s", s->name, key);
        }
        fd = openat(wdir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0) {
                r = set_error(-errno, err, errlen, "%s: cannot write %s: %s", s->name, key, strerror(errno));
                close(wdir);
                return r;
        }
        if (in) {
                _cleanup_free_ char *buf = malloc(COPY_CHUNK);
                r = buf ? 0 : -ENOMEM;
                while (r >= 0) {
                        ssize_t n = in->read(in->userdata, buf, COPY_CHUNK);
                        if (n <= 0) {
                                r = (int) n;
                                break;
                        }
                        r = write_full(fd, buf, (size_t) n);
                }
        } else if (src < 0)
                r = write_full(fd, data, len);
        else {
                _cleanup_free_ char *buf = malloc(COPY_CHUNK);
                off_t off = 0;
                r = buf ? 0 : -ENOMEM;
                while (r >= 0) {
                        ssize_t n = pread(src, buf, COPY_CHUNK, off);
                        if (n < 0) {
                                r = errno == EINTR ? 0 : -errno;
                                continue;
                        }
                        if (n == 0)
                                break;
                        r = write_full(fd, buf, (size_t) n);
                        off += n;
                }
        }
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r >= 0)
                r = -errno;
        if (r >= 0 && renameat(wdir, tmp, wdir, name) < 0)
                r = -errno;
        if (r >= 0 && fsync(wdir) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlinkat(wdir, tmp, 0);
                r = set_error(r, err, errlen, "%s: cannot store %s: %s", s->name, key, strerror(-r));
        }
        close(wdir);
        return r;
}

static int file_put(struct vmc_store *s, const char *key, const void *data, size_t len, char *err, size_t errlen) {
        vmc_store_count(s, 1);
        return file_store_object(s, key, data, len, -1, NULL, err, errlen);
}

static int file_put_fd(struct vmc_store *s, const char *key, int fd, struct vmc_put_resume *res, char *err,
                       size_t errlen) {
        (void) res; /* a local copy is quick to redo */
        vmc_store_count(s, 1);
        return file_store_object(s, key, NULL, 0, fd, NULL, err, errlen);
}

static int file_put_stream(struct vmc_store *s, const char *key, struct vmc_stream *in, char *err, size_t errlen) {
        vmc_store_count(s, 1);
        return file_store_object(s, key, NULL, 0, -1, in, err, errlen);
}

static int file_stat(struct vmc_store *s, const char *key, uint64_t *size, char *err, size_t errlen) {
        struct stat st;

        vmc_store_count(s, 1);
        if (fstatat(store_root(s), key, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT || errno == ENOTDIR)
                        return 0;
                return set_error(-errno, err, errlen, "%s: %s: %s", s->name, key, strerror(errno));
        }
        if (!S_ISREG(st.st_mode))
                return 0;
        if (size)
                *size = (uint64_t) st.st_size;
        return 1;
}

static int file_get(struct vmc_store *s, const char *key, size_t max, char **data, size_t *len, char *err,
                    size_t errlen) {
        struct stat st;
        char *buf;
        ssize_t n;
        int fd;

        vmc_store_count(s, 1);
        fd = openat(store_root(s), key, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? -ENOENT
                                       : set_error(-errno, err, errlen, "%s: %s: %s", s->name, key, strerror(errno));
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t) st.st_size > max) {
                close(fd);
                return set_error(-EFBIG, err, errlen, "%s: %s: not a small regular file", s->name, key);
        }
        buf = malloc((size_t) st.st_size + 1);
        if (!buf) {
                close(fd);
                return -ENOMEM;
        }
        n = pread(fd, buf, (size_t) st.st_size, 0);
        close(fd);
        if (n != st.st_size) {
                free(buf);
                return set_error(-EIO, err, errlen, "%s: %s: short read", s->name, key);
        }
        buf[n] = '\0';
        *data = buf;
        *len = (size_t) n;
        return 0;
}

static int file_delete(struct vmc_store *s, const char *key, char *err, size_t errlen) {
        vmc_store_count(s, 1);
        if (unlinkat(store_root(s), key, 0) < 0 && errno != ENOENT)
                return set_error(-errno, err, errlen, "%s: removing %s: %s", s->name, key, strerror(errno));
        return 0;
}

static int file_list(struct vmc_store *s, const char *prefix, char ***names, size_t *n, char *err, size_t errlen) {
        int r;

        vmc_store_count(s, 1);
        r = dir_names(store_root(s), prefix, names, n);
        if (r == -ENOENT)
                return 0;
        return r < 0 ? set_error(r, err, errlen, "%s: %s: %s", s->name, prefix, strerror(-r)) : 0;
}

/* A chunk at a time with pread and write: fd may be a pipe or opened with
 * O_APPEND, which copy_file_range and sendfile refuse. */
static int file_get_fd(struct vmc_store *s, const char *key, uint64_t offset, int fd, char *err, size_t errlen) {
        const struct vmc_store_options *o = &s->opt;
        _cleanup_free_ char *buf = NULL;
        uint64_t size, off = offset;
        struct stat st;
        int src, r = 0;

        vmc_store_count(s, 1);
        src = openat(store_root(s), key, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (src < 0)
                return errno == ENOENT || errno == ENOTDIR || errno == ELOOP
                               ? set_error(-ENOENT, err, errlen, "%s: %s: not found", s->name, key)
                               : set_error(-errno, err, errlen, "%s: %s: %s", s->name, key, strerror(errno));
        if (fstat(src, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(src);
                return set_error(-ENOENT, err, errlen, "%s: %s: not found", s->name, key);
        }
        size = (uint64_t) st.st_size;
        if (offset > size) {
                close(src);
                return set_error(-ERANGE, err, errlen, "%s: %s: offset %" PRIu64 " is beyond its end (%" PRIu64
                                 " bytes)", s->name, key, offset, size);
        }
        if (offset < size && !(buf = malloc(COPY_CHUNK))) {
                close(src);
                return -ENOMEM;
        }
        while (off < size) {
                ssize_t n;

                if (o->cancel && *o->cancel) {
                        r = set_error(-ECANCELED, err, errlen, "%s: reading %s: stopped", s->name, key);
                        break;
                }
                n = pread(src, buf, (size_t) MIN((uint64_t) COPY_CHUNK, size - off), (off_t) off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        r = n < 0 ? -errno : -EIO;
                        r = set_error(r, err, errlen, "%s: reading %s: %s", s->name, key,
                                      n < 0 ? strerror(-r) : "shorter than it was");
                        break;
                }
                r = write_full(fd, buf, (size_t) n);
                if (r < 0) {
                        r = set_error(r, err, errlen, "%s: %s: writing what was read: %s", s->name, key,
                                      strerror(-r));
                        break;
                }
                off += (uint64_t) n;
                if (o->progress)
                        o->progress(o->progress_userdata, off, size);
        }
        close(src);
        return r;
}

const struct vmc_store_ops vmc_store_file_ops = {
        .open = file_open,
        .close = file_close,
        .put = file_put,
        .put_fd = file_put_fd,
        .put_stream = file_put_stream,
        .stat = file_stat,
        .get = file_get,
        .delete = file_delete,
        .list = file_list,
        .get_fd = file_get_fd,
};
