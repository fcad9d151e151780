/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "kdumpdir.h"
#include "util.h"

static int add(char ***v, size_t *n, const char *dir, const char *name) {
        char **nv, *p;

        if (asprintf(&p, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        nv = realloc(*v, (*n + 1) * sizeof(char *));
        if (!nv) {
                free(p);
                return -ENOMEM;
        }
        *v = nv;
        (*v)[(*n)++] = p;
        return 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* "vmcore-3": a split part (a name ending in -<digits>). */
static bool split_part(const char *name) {
        const char *dash = strrchr(name, '-');
        if (!dash || dash == name || !dash[1])
                return false;
        for (const char *p = dash + 1; *p; p++)
                if (*p < '0' || *p > '9')
                        return false;
        return startswith_n(name, strlen(name), "vmcore-") || startswith_n(name, strlen(name), "dump");
}

int kdump_dir_scan(const char *dir, struct kdump_dir *ret) {
        struct kdump_dir k = {};
        char *vmcore = NULL, *incomplete = NULL;
        struct dirent *de;
        DIR *d;
        int r = 0;

        d = opendir(dir);
        if (!d)
                return -errno;
        while ((de = readdir(d)) && r >= 0) {
                const char *n = de->d_name;
                size_t l = strlen(n);
                struct stat st;

                if (n[0] == '.' || fstatat(dirfd(d), n, &st, 0) < 0 || !S_ISREG(st.st_mode))
                        continue;
                if (strcmp(n, "vmcore") == 0)
                        r = (vmcore = strdup(n)) ? 0 : -ENOMEM;
                else if (strcmp(n, "vmcore-incomplete") == 0)
                        r = (incomplete = strdup(n)) ? 0 : -ENOMEM;
                else if (strcmp(n, "vmcore-dmesg.txt") == 0 || (startswith_n(n, l, "dmesg.") && !k.dmesg)) {
                        free(k.dmesg);
                        k.dmesg = NULL;
                        if (asprintf(&k.dmesg, "%s/%s", dir, n) < 0) {
                                k.dmesg = NULL;
                                r = -ENOMEM;
                        }
                } else if (startswith_n(n, l, "dump.") || split_part(n))
                        r = add(&k.dumps, &k.n_dumps, dir, n);
        }
        closedir(d);
        if (r >= 0 && (vmcore || (incomplete && k.n_dumps == 0))) {
                /* kdump-utils' own name wins over anything else. */
                for (size_t i = 0; i < k.n_dumps; i++)
                        free(k.dumps[i]);
                k.n_dumps = 0;
                k.incomplete = !vmcore;
                r = add(&k.dumps, &k.n_dumps, dir, vmcore ? vmcore : incomplete);
        }
        free(vmcore);
        free(incomplete);
        if (r >= 0 && k.n_dumps > 1)
                qsort(k.dumps, k.n_dumps, sizeof(char *), cmp_str);
        if (r >= 0 && k.n_dumps == 0 && !k.dmesg)
                r = -ENOENT;
        if (r < 0) {
                kdump_dir_done(&k);
                return r;
        }
        *ret = k;
        return 0;
}

void kdump_dir_done(struct kdump_dir *k) {
        for (size_t i = 0; i < k->n_dumps; i++)
                free(k->dumps[i]);
        free(k->dumps);
        free(k->dmesg);
        *k = (struct kdump_dir){};
}
