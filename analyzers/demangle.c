/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "demangle.h"
#include "util.h"

#if HAVE_LIBIBERTY
#include <libiberty/demangle.h>
#endif

char *frame_demangle(const char *name, size_t len) {
        if (!startswith_n(name, len, "_R") && !startswith_n(name, len, "_Z"))
                return NULL;
#if HAVE_LIBIBERTY
        _cleanup_free_ char *copy = strndup(name, len);
        if (!copy)
                return NULL;
        /* Without DMGL_VERBOSE Rust hashes are dropped; without DMGL_PARAMS
         * C++ parameter lists are. */
        return cplus_demangle(copy, DMGL_AUTO);
#else
        return NULL;
#endif
}
