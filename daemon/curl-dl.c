/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>

#include "curl-dl.h"
#include "util.h"

int vmc_curl_load(const struct vmc_curl **ret, char *err, size_t errlen) {
        /* One library per process: this is the cache of a dlopen. */
        static struct vmc_curl curl;
        static bool loaded;
        void *h;

        if (loaded) {
                *ret = &curl;
                return 0;
        }
        h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
        if (!h)
                return set_error(-ELIBACC, err, errlen, "libcurl is needed for network stores: %s", dlerror());
#define SYM(field, name)                                                                               \
        do {                                                                                           \
                *(void **) &curl.field = dlsym(h, name);                                               \
                if (!curl.field)                                                                       \
                        return set_error(-ELIBACC, err, errlen, "libcurl.so.4 has no %s", name);       \
        } while (0)
        SYM(global_init, "curl_global_init");
        SYM(easy_init, "curl_easy_init");
        SYM(easy_setopt, "curl_easy_setopt");
        SYM(easy_perform, "curl_easy_perform");
        SYM(easy_getinfo, "curl_easy_getinfo");
        SYM(easy_reset, "curl_easy_reset");
        SYM(easy_cleanup, "curl_easy_cleanup");
        SYM(easy_strerror, "curl_easy_strerror");
        SYM(slist_append, "curl_slist_append");
        SYM(slist_free_all, "curl_slist_free_all");
#undef SYM
        if (curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return set_error(-EIO, err, errlen, "libcurl failed to initialize");
        loaded = true;
        *ret = &curl;
        return 0;
}
