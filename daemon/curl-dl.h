/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* libcurl, loaded when a transfer is first needed. Linked in, it brings
 * about 30 shared objects (TLS, HTTP/2, SSH, IDN, LDAP, Kerberos...) that
 * add about 9 ms to every start, more than a whole dump analysis; a run
 * that never talks to a network store never loads them. */

#include <curl/curl.h>

struct vmc_curl {
        CURLcode (*global_init)(long flags);
        CURL *(*easy_init)(void);
        CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
        CURLcode (*easy_perform)(CURL *h);
        CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
        void (*easy_reset)(CURL *h);
        void (*easy_cleanup)(CURL *h);
        const char *(*easy_strerror)(CURLcode c);
        struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
        void (*slist_free_all)(struct curl_slist *l);
};

/* The loaded library (once per process); -ELIBACC with a message when it
 * is not installed. */
int vmc_curl_load(const struct vmc_curl **ret, char *err, size_t errlen);
