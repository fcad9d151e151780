/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Telling a crash dump from a kernel log by its first bytes (never by file
 * name). */

#include <stddef.h>

enum dump_format {
        DUMP_FORMAT_NONE,       /* not a dump: treat as a text log */
        DUMP_FORMAT_ELF,        /* /proc/vmcore, makedumpfile -E, QEMU ELF */
        DUMP_FORMAT_KDUMP,      /* kdump-compressed ("KDUMP   ") */
        DUMP_FORMAT_DISKDUMP,   /* diskdump ("DISKDUMP") */
        DUMP_FORMAT_FLATTENED,  /* makedumpfile -F ("makedumpfile") */
};

/* head: the first bytes of the input (16 are enough). */
enum dump_format dump_format_detect(const void *head, size_t n);
const char *dump_format_name(enum dump_format f);
