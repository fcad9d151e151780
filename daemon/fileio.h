/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Small file helpers shared by the spool, the file store and transfers. */

#include <stddef.h>
#include <sys/types.h>

/* The names in directory at/path that do not start with '.' (so not ".",
 * "..", nor our temporary files), sorted; an array of strings freed with
 * names_free. -ENOENT when the directory does not exist. */
int dir_names(int at, const char *path, char ***ret, size_t *n);
void names_free(char **names, size_t n);

/* Writes all len bytes to fd, going on after short writes and EINTR;
 * 0 or -errno. */
int write_full(int fd, const void *data, size_t len);

/* Replaces dirfd/name with len bytes of data, durably and whole: a
 * temporary ".NAME.tmp", fsync, rename over NAME, fsync of the directory.
 * A kill at any point leaves the old file or the new one, and at worst the
 * temporary file, which the next call replaces. */
int write_file_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode);

/* Removes at/name and everything below it, without following symbolic
 * links (a link is removed, not what it points to). 0 when it is gone
 * (or was not there), or the first -errno. */
int remove_tree_at(int at, const char *name);
