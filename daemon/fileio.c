/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "util.h"

void names_free(char **names, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

static int cmp_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int dir_names(int at, const char *path, char ***ret, size_t *n) {
        char **v = NULL;
        size_t count = 0, cap = 0;
        struct dirent *de;
        DIR *d;
        int fd;

        *ret = NULL;
        *n = 0;
        fd = openat(at, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                int r = -errno;
                close(fd);
                return r;
        }
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                if (count == cap) {
                        char **nv = realloc(v, (cap = MAX(cap * 2, (size_t) 16)) * sizeof(char *));
                        if (!nv)
                                goto oom;
                        v = nv;
                }
                if (!(v[count] = strdup(de->d_name)))
                        goto oom;
                count++;
        }
        closedir(d);
        if (count)
                qsort(v, count, sizeof(char *), cmp_names);
        *ret = v;
        *n = count;
        return 0;
oom:
        closedir(d);
        names_free(v, count);
        return -ENOMEM;
}

int write_full(int fd, const void *data, size_t len) {
        const char *p = data;

        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

int write_file_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode) {
        _cleanup_free_ char *tmp = NULL;
        int fd, r = 0;

        if (asprintf(&tmp, ".%s.tmp", name) < 0)
                return -ENOMEM;
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0)
                return -errno;
        r = write_full(fd, data, len);
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r >= 0)
                r = -errno;
        if (r >= 0 && renameat(dirfd, tmp, dirfd, name) < 0)
                r = -errno;
        if (r >= 0 && fsync(dirfd) < 0)
                r = -errno;
        if (r < 0)
                (void) unlinkat(dirfd, tmp, 0);
        return r;
}

static int remove_tree_depth(int at, const char *name, unsigned depth) {
        struct dirent *de;
        DIR *d;
        int fd, r = 0;

        if (unlinkat(at, name, 0) == 0 || errno == ENOENT)
                return 0;
        if (errno != EISDIR && errno != EPERM)
                return -errno;
        if (depth > 16)
                return -ELOOP;
        fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        d = fdopendir(fd);
        if (!d) {
                r = -errno;
                close(fd);
                return r;
        }
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
                        int k = remove_tree_depth(dirfd(d), de->d_name, depth + 1);
                        if (k < 0 && r >= 0)
                                r = k;
                }
        closedir(d);
        if (unlinkat(at, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r >= 0)
                r = -errno;
        return r;
}

int remove_tree_at(int at, const char *name) {
        return remove_tree_depth(at, name, 0);
}
