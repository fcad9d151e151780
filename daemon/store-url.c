/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store-url.h"
#include "util.h"

const char *vmc_store_scheme_name(enum vmc_store_scheme s) {
        static const char *const names[] = { "file", "s3", "https", "http", "sftp" };
        return (unsigned) s < ELEMENTSOF(names) ? names[s] : "?";
}

void vmc_store_url_done(struct vmc_store_url *u) {
        free(u->user);
        free(u->host);
        free(u->bucket);
        free(u->path);
        free(u->endpoint);
        free(u->region);
        *u = (struct vmc_store_url){};
}

/* Percent-decodes s[0..len) into a new string; NULL on a bad escape or a
 * decoded NUL. */
static char *decode(const char *s, size_t len) {
        char *out = malloc(len + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < len; i++) {
                if (s[i] != '%') {
                        *o++ = s[i];
                        continue;
                }
                if (i + 2 >= len || !isxdigit((unsigned char) s[i + 1]) || !isxdigit((unsigned char) s[i + 2])) {
                        free(out);
                        return NULL;
                }
                char hex[3] = { s[i + 1], s[i + 2], 0 };
                long v = strtol(hex, NULL, 16);
                if (v == 0) {
                        free(out);
                        return NULL;
                }
                *o++ = (char) v;
                i += 2;
        }
        *o = '\0';
        return out;
}

/* HOST[:PORT] (HOST may be [IPv6]) from s[0..len). */
static int parse_authority(const char *s, size_t len, struct vmc_store_url *u, const char *url, char *err,
                           size_t errlen) {
        const char *colon = NULL, *end = s + len;

        if (len == 0)
                return set_error(-EINVAL, err, errlen, "store url '%s': no host", url);
        if (*s == '[') {
                const char *close = memchr(s, ']', len);
                if (!close)
                        return set_error(-EINVAL, err, errlen, "store url '%s': unclosed [ in the host", url);
                if (close + 1 < end) {
                        if (close[1] != ':')
                                return set_error(-EINVAL, err, errlen, "store url '%s': junk after ]", url);
                        colon = close + 1;
                }
        } else
                colon = memchr(s, ':', len);
        u->host = strndup(s, (size_t) ((colon ? colon : end) - s));
        if (!u->host)
                return -ENOMEM;
        if (colon) {
                char *e;
                unsigned long p;

                errno = 0;
                p = strtoul(colon + 1, &e, 10);
                if (colon + 1 == end || e != end || errno || p == 0 || p > 65535)
                        return set_error(-EINVAL, err, errlen, "store url '%s': bad port", url);
                u->port = (unsigned) p;
        }
        for (const char *c = u->host; *c; c++)
                if (*c == '/' || *c == '@' || *c == ' ' || (unsigned char) *c < 0x20)
                        return set_error(-EINVAL, err, errlen, "store url '%s': bad character in the host", url);
        return 0;
}

/* A path without a trailing slash; "" for none or "/". */
static int set_path(struct vmc_store_url *u, const char *s, size_t len, bool keep_slash) {
        while (len > 0 && s[len - 1] == '/')
                len--;
        if (!keep_slash)
                while (len > 0 && *s == '/') {
                        s++;
                        len--;
                }
        u->path = decode(s, len);
        return u->path ? 0 : -EINVAL;
}

static int parse_s3_query(const char *q, struct vmc_store_url *u, const char *url, char *err, size_t errlen) {
        while (*q) {
                const char *amp = strchr(q, '&'), *end = amp ? amp : q + strlen(q), *eq = memchr(q, '=', (size_t) (end - q));
                char **slot;

                if (!eq)
                        return set_error(-EINVAL, err, errlen, "store url '%s': query parameter without '='", url);
                if ((size_t) (eq - q) == 8 && strncmp(q, "endpoint", 8) == 0)
                        slot = &u->endpoint;
                else if ((size_t) (eq - q) == 6 && strncmp(q, "region", 6) == 0)
                        slot = &u->region;
                else
                        return set_error(-EINVAL, err, errlen,
                                         "store url '%s': unknown parameter '%.*s' (endpoint, region)", url,
                                         (int) (eq - q), q);
                free(*slot);
                *slot = decode(eq + 1, (size_t) (end - eq - 1));
                if (!*slot || !**slot)
                        return set_error(-EINVAL, err, errlen, "store url '%s': bad value for '%.*s'", url,
                                         (int) (eq - q), q);
                q = amp ? amp + 1 : end;
        }
        if (u->endpoint && strncmp(u->endpoint, "https://", 8) != 0 && strncmp(u->endpoint, "http://", 7) != 0)
                return set_error(-EINVAL, err, errlen, "store url '%s': endpoint must be https://HOST[:PORT]", url);
        return 0;
}

int vmc_store_url_parse(const char *url, bool allow_http, struct vmc_store_url *ret, char *err, size_t errlen) {
        struct vmc_store_url u = {};
        const char *rest, *slash, *query;
        int r;

        *ret = (struct vmc_store_url){};
        for (const char *c = url; *c; c++)
                if ((unsigned char) *c <= ' ')
                        return set_error(-EINVAL, err, errlen, "store url '%s': spaces or control characters", url);

        if (strncmp(url, "file://", 7) == 0) {
                u.scheme = VMC_STORE_FILE;
                rest = url + 7;
                if (*rest != '/')
                        return set_error(-EINVAL, err, errlen,
                                         "store url '%s': file:// needs an absolute path (file:///var/lib/...)", url);
                r = set_path(&u, rest, strlen(rest), true);
                if (r >= 0 && !*u.path) {
                        free(u.path);
                        u.path = strdup("/");
                        if (!u.path)
                                r = -ENOMEM;
                }
                if (r < 0) {
                        vmc_store_url_done(&u);
                        return set_error(-EINVAL, err, errlen, "store url '%s': bad %% escape in the path", url);
                }
                *ret = u;
                return 0;
        }

        if (strncmp(url, "s3://", 5) == 0) {
                u.scheme = VMC_STORE_S3;
                rest = url + 5;
                query = strchr(rest, '?');
                slash = memchr(rest, '/', (size_t) ((query ? query : rest + strlen(rest)) - rest));
                size_t blen = (size_t) ((slash ? slash : query ? query : rest + strlen(rest)) - rest);
                if (blen == 0) {
                        vmc_store_url_done(&u);
                        return set_error(-EINVAL, err, errlen, "store url '%s': s3:// needs a bucket (s3://bucket/prefix)",
                                         url);
                }
                u.bucket = strndup(rest, blen);
                r = u.bucket ? 0 : -ENOMEM;
                /* S3 bucket names: 3-63 of a-z 0-9 . - */
                for (const char *c = u.bucket; r >= 0 && *c; c++)
                        if (!islower((unsigned char) *c) && !isdigit((unsigned char) *c) && *c != '.' && *c != '-')
                                r = set_error(-EINVAL, err, errlen, "store url '%s': '%s' is not a bucket name", url,
                                              u.bucket);
                if (r >= 0 && (blen < 3 || blen > 63))
                        r = set_error(-EINVAL, err, errlen, "store url '%s': a bucket name has 3 to 63 characters", url);
                if (r >= 0) {
                        const char *p = slash ? slash : rest + blen;
                        size_t plen = (size_t) ((query ? query : p + strlen(p)) - p);
                        r = set_path(&u, p, plen, false) < 0
                                    ? set_error(-EINVAL, err, errlen, "store url '%s': bad %% escape in the prefix", url)
                                    : 0;
                }
                if (r >= 0 && query)
                        r = parse_s3_query(query + 1, &u, url, err, errlen);
                if (r >= 0 && !u.region && !(u.region = strdup("us-east-1")))
                        r = -ENOMEM;
                if (r >= 0 && !u.endpoint && asprintf(&u.endpoint, "https://s3.%s.amazonaws.com", u.region) < 0) {
                        u.endpoint = NULL;
                        r = -ENOMEM;
                }
                if (r >= 0 && !allow_http && strncmp(u.endpoint, "http://", 7) == 0)
                        r = set_error(-EINVAL, err, errlen,
                                      "store url '%s': a plain http endpoint sends dumps and secrets in the clear; "
                                      "use https, or set [store] allow_http = yes", url);
                if (r < 0) {
                        vmc_store_url_done(&u);
                        return r;
                }
                *ret = u;
                return 0;
        }

        if (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0 || strncmp(url, "sftp://", 7) == 0) {
                const char *at;
                size_t alen;

                u.scheme = url[0] == 's' ? VMC_STORE_SFTP : url[4] == 's' ? VMC_STORE_HTTPS : VMC_STORE_HTTP;
                rest = strstr(url, "://") + 3;
                if (u.scheme == VMC_STORE_HTTP && !allow_http)
                        return set_error(-EINVAL, err, errlen,
                                         "store url '%s': plain http sends dumps and secrets in the clear; use "
                                         "https, or set [store] allow_http = yes", url);
                if (strchr(rest, '?') || strchr(rest, '#'))
                        return set_error(-EINVAL, err, errlen, "store url '%s': no query or fragment here", url);
                slash = strchr(rest, '/');
                alen = (size_t) ((slash ? slash : rest + strlen(rest)) - rest);
                at = memchr(rest, '@', alen);
                if (u.scheme == VMC_STORE_SFTP) {
                        if (!at || at == rest)
                                return set_error(-EINVAL, err, errlen, "store url '%s': sftp:// needs a user (sftp://user@host/path)",
                                                 url);
                        if (memchr(rest, ':', (size_t) (at - rest)))
                                return set_error(-EINVAL, err, errlen,
                                                 "store url '%s': no password in the URL (sftp uses a key)", url);
                        u.user = strndup(rest, (size_t) (at - rest));
                        if (!u.user)
                                return -ENOMEM;
                        alen -= (size_t) (at + 1 - rest);
                        rest = at + 1;
                } else if (at) {
                        return set_error(-EINVAL, err, errlen,
                                         "store url '%s': no user or password in the URL (use [store] credentials)", url);
                }
                r = parse_authority(rest, alen, &u, url, err, errlen);
                if (r >= 0 && set_path(&u, rest + alen, strlen(rest + alen), true) < 0)
                        r = set_error(-EINVAL, err, errlen, "store url '%s': bad %% escape in the path", url);
                if (r < 0) {
                        vmc_store_url_done(&u);
                        return r;
                }
                *ret = u;
                return 0;
        }
        return set_error(-EINVAL, err, errlen, "store url '%s': not file://, s3://, https:// or sftp://", url);
}
