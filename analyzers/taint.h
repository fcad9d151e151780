/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The kernel's taint flags (Documentation/admin-guide/tainted-kernels.rst):
 * the letter in "Tainted: G OE", its TAINT_* name and what it means. */

#include <stdbool.h>

struct taint_flag {
        char letter;
        const char *name;       /* "OOT_MODULE" */
        const char *meaning;    /* "an out-of-tree module was loaded" */
        bool third_party;       /* code the kernel's developers did not ship or review */
};

/* NULL for a letter that is no taint flag ('G', ' ', unknown). */
const struct taint_flag *taint_flag(char letter);
