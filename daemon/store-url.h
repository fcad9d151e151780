/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Store URLs, as [store] url and --store give them:
 *   file:///DIR
 *   s3://BUCKET[/PREFIX][?endpoint=https://HOST[:PORT]&region=REGION]
 *   https://HOST[:PORT][/PATH]      (http:// only with allow_http)
 *   sftp://USER@HOST[:PORT][/PATH]
 * Parsing says what is wrong in one line; it does not connect. */

#include <stdbool.h>
#include <stddef.h>

enum vmc_store_scheme {
        VMC_STORE_FILE,
        VMC_STORE_S3,
        VMC_STORE_HTTPS,
        VMC_STORE_HTTP,
        VMC_STORE_SFTP,
};

struct vmc_store_url {
        enum vmc_store_scheme scheme;
        char *user;             /* sftp */
        char *host;             /* https, http, sftp: the host name or [IPv6] */
        unsigned port;          /* 0: the scheme's default */
        char *bucket;           /* s3 */
        /* file: the directory (absolute); https, sftp: the base path ("" or
         * "/a/b", no trailing slash); s3: the key prefix ("" or "a/b"). */
        char *path;
        char *endpoint;         /* s3: https://host[:port]; AWS's for the region by default */
        char *region;           /* s3: us-east-1 by default */
};

int vmc_store_url_parse(const char *url, bool allow_http, struct vmc_store_url *ret, char *err, size_t errlen);
void vmc_store_url_done(struct vmc_store_url *u);

const char *vmc_store_scheme_name(enum vmc_store_scheme s);
