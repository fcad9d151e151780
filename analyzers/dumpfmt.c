/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "dumpfmt.h"
#include "util.h"

enum dump_format dump_format_detect(const void *head, size_t n) {
        const char *h = head;

        if (startswith_n(h, n, "\177ELF"))
                return DUMP_FORMAT_ELF;
        if (startswith_n(h, n, "KDUMP   "))
                return DUMP_FORMAT_KDUMP;
        if (startswith_n(h, n, "DISKDUMP"))
                return DUMP_FORMAT_DISKDUMP;
        /* The flattened header starts with "makedumpfile" and NUL padding. */
        if (n >= 13 && memcmp(h, "makedumpfile\0", 13) == 0)
                return DUMP_FORMAT_FLATTENED;
        return DUMP_FORMAT_NONE;
}

const char *dump_format_name(enum dump_format f) {
        switch (f) {
        case DUMP_FORMAT_ELF:
                return "ELF";
        case DUMP_FORMAT_KDUMP:
                return "kdump-compressed";
        case DUMP_FORMAT_DISKDUMP:
                return "diskdump";
        case DUMP_FORMAT_FLATTENED:
                return "makedumpfile flattened";
        default:
                return "text log";
        }
}
