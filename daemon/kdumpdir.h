/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What kdump tools leave in a crash directory, and which files vmcored
 * reads from it:
 *   kdump-utils (RHEL family): vmcore (or vmcore-incomplete) and
 *                              vmcore-dmesg.txt, in /var/crash/<ip>-<date>/
 *   Debian kdump-tools:        dump.<stamp> and dmesg.<stamp>, in
 *                              /var/crash/<stamp>/
 *   makedumpfile --split sets: vmcore-1, vmcore-2, ... (any prefix + -N)
 * Files are told apart by name here only to pair them; their formats are
 * still detected by content. */

#include <stdbool.h>
#include <stddef.h>

struct kdump_dir {
        char **dumps;           /* one file, or the files of a split set */
        size_t n_dumps;
        char *dmesg;            /* the log the tool saved, or NULL */
        bool incomplete;        /* kdump-utils marked the dump incomplete */
};

/* -ENOENT when dir holds neither a dump nor a saved log. */
int kdump_dir_scan(const char *dir, struct kdump_dir *ret);
void kdump_dir_done(struct kdump_dir *k);
