/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* https://HOST[:PORT]/PATH: plain PUT of each object to BASE/KEY (a WebDAV
 * server such as nginx with dav_methods PUT, or any service that takes
 * PUTs), HEAD to see whether one exists, GET to read one (with a Range to
 * go on from an offset), DELETE to remove one. Listing reads nginx's
 * autoindex in JSON form (autoindex on; autoindex_format json;) of
 * BASE/PREFIX/; a server without it cannot list. TLS is verified (the
 * system's CAs or [store] ca_file); bearer token or basic auth from the
 * credentials. Retries: see transfer.h. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store-backend.h"
#include "transfer.h"
#include "util.h"

#define LIST_MAX ((size_t) 16 << 20)

struct https_store {
        struct vmc_transfer *t;
        char *base;                     /* scheme://host[:port]/path/ */
};

static int https_open(struct vmc_store *s, char *err, size_t errlen) {
        struct https_store *h;
        int r;

        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        r = vmc_transfer_new(s->name, &s->opt, &s->requests, &h->t, err, errlen);
        if (r < 0) {
                free(h);
                return r;
        }
        /* The path is kept decoded; it goes back into the URL encoded. */
        _cleanup_free_ char *path = vmc_uri_encode(s->url->path, true);
        if (!path ||
            (s->url->port ? asprintf(&h->base, "%s://%s:%u%s/", vmc_store_scheme_name(s->url->scheme), s->url->host,
                                     s->url->port, path)
                          : asprintf(&h->base, "%s://%s%s/", vmc_store_scheme_name(s->url->scheme), s->url->host,
                                     path)) < 0) {
                vmc_transfer_free(h->t);
                free(h);
                return -ENOMEM;
        }
        s->priv = h;
        return 0;
}

static void https_close(struct vmc_store *s) {
        struct https_store *h = s->priv;
        if (!h)
                return;
        vmc_transfer_free(h->t);
        free(h->base);
        free(h);
}

static void setup_auth(const struct vmc_curl *c, CURL *e, void *userdata) {
        const struct vmc_store *s = userdata;

        if (s->cred && s->cred->token) {
                c->easy_setopt(e, CURLOPT_HTTPAUTH, (long) CURLAUTH_BEARER);
                c->easy_setopt(e, CURLOPT_XOAUTH2_BEARER, s->cred->token);
        } else if (s->cred && s->cred->user) {
                c->easy_setopt(e, CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC);
                c->easy_setopt(e, CURLOPT_USERNAME, s->cred->user);
                c->easy_setopt(e, CURLOPT_PASSWORD, s->cred->password);
        }
}

static int request(struct vmc_store *s, const char *method, const char *key, struct vmc_body *body,
                   struct vmc_sink *out, struct vmc_download *download, char *err, size_t errlen) {
        struct https_store *h = s->priv;
        _cleanup_free_ char *url = NULL, *enc = vmc_uri_encode(key, true);
        struct vmc_request rq = {
                .method = method,
                .what = key,
                .body = body,
                .out = out,
                .download = download,
                .setup = setup_auth,
                .userdata = s,
        };

        if (!enc || asprintf(&url, "%s%s", h->base, enc) < 0)
                return -ENOMEM;
        rq.url = url;
        return vmc_transfer_run(h->t, &rq, err, errlen);
}

/* A redirect (a login page, http to https) is not the object: redirects
 * are not followed, so 3xx is an error like 404 on a PUT. */
static int expect(struct vmc_store *s, const char *method, const char *key, int r, bool absent_ok, char *err,
                  size_t errlen) {
        if (r < 0 || (r == 404 && absent_ok))
                return r;
        if (r >= 300)
                return set_error(-EIO, err, errlen, "%s: %s %s: HTTP %d%s", s->name, method, key, r,
                                 r < 400 ? " (a redirect: give the final URL as [store] url)" : "");
        return r;
}

static int put_result(struct vmc_store *s, const char *key, int r, char *err, size_t errlen) {
        r = expect(s, "PUT", key, r, false, err, errlen);
        return r < 0 ? r : 0;
}

static int https_put(struct vmc_store *s, const char *key, const void *data, size_t len, char *err, size_t errlen) {
        struct vmc_body b = { .data = data, .fd = -1, .size = len };
        return put_result(s, key, request(s, "PUT", key, &b, NULL, NULL, err, errlen), err, errlen);
}

static int https_put_fd(struct vmc_store *s, const char *key, int fd, struct vmc_put_resume *res, char *err,
                        size_t errlen) {
        (void) res; /* a PUT cannot continue (nginx answers 501 to ranges): it starts over */
        struct stat st;
        struct vmc_body b = { .fd = fd };

        if (fstat(fd, &st) < 0)
                return -errno;
        b.size = b.progress_total = (uint64_t) st.st_size;
        return put_result(s, key, request(s, "PUT", key, &b, NULL, NULL, err, errlen), err, errlen);
}

/* A stream goes as it comes, chunked. */
static int https_put_stream(struct vmc_store *s, const char *key, struct vmc_stream *in, char *err, size_t errlen) {
        struct vmc_body b = { .fd = -1, .stream = in, .size = VMC_BODY_STREAM };
        return put_result(s, key, request(s, "PUT", key, &b, NULL, NULL, err, errlen), err, errlen);
}

static int https_stat(struct vmc_store *s, const char *key, uint64_t *size, char *err, size_t errlen) {
        struct https_store *h = s->priv;
        int r = expect(s, "HEAD", key, request(s, "HEAD", key, NULL, NULL, NULL, err, errlen), true, err, errlen);

        return vmc_transfer_stat_result(h->t, r, size);
}

static int https_get(struct vmc_store *s, const char *key, size_t max, char **data, size_t *len, char *err,
                     size_t errlen) {
        struct vmc_sink out = { .max = max };
        int r = expect(s, "GET", key, request(s, "GET", key, NULL, &out, NULL, err, errlen), true, err, errlen);

        return vmc_sink_result(&out, r, data, len);
}

static int https_delete(struct vmc_store *s, const char *key, char *err, size_t errlen) {
        int r = expect(s, "DELETE", key, request(s, "DELETE", key, NULL, NULL, NULL, err, errlen), true, err, errlen);
        return r < 0 ? r : 0;
}

static int https_get_fd(struct vmc_store *s, const char *key, uint64_t offset, int fd, char *err, size_t errlen) {
        struct vmc_download d = { .fd = fd, .offset = offset };
        int r = request(s, "GET", key, NULL, NULL, &d, err, errlen);

        if (r == 416)
                return vmc_store_range_end(s, key, offset + d.written, err, errlen);
        if (r == 404)
                return set_error(-ENOENT, err, errlen, "%s: %s: not found", s->name, key);
        r = expect(s, "GET", key, r, false, err, errlen);
        return r < 0 ? r : 0;
}

static int no_listing(struct vmc_store *s, const char *prefix, const char *why, char *err, size_t errlen) {
        return set_error(-EOPNOTSUPP, err, errlen,
                         "%s: listing %s/: the server offers no listing (%s); enable it where the store is "
                         "served (nginx: autoindex on; autoindex_format json;)",
                         s->name, prefix, why);
}

static int cmp_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The names of an autoindex answer: [{"name":"x","type":"file",...},...]. */
static int parse_listing(json_object *a, char ***names, size_t *n) {
        size_t len = json_object_array_length(a), count = 0;
        char **v = calloc(MAX(len, (size_t) 1), sizeof(char *));

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < len; i++) {
                json_object *e = json_object_array_get_idx(a, i), *name;
                const char *nm;
                size_t k;

                if (!json_object_object_get_ex(e, "name", &name) || !json_object_is_type(name, json_type_string))
                        continue;
                nm = json_object_get_string(name);
                k = strlen(nm);
                while (k > 0 && nm[k - 1] == '/')
                        k--;
                /* Hidden files and uploads still in progress, as the
                 * other stores skip them. */
                if (k == 0 || nm[0] == '.' || (k > 5 && strncmp(nm + k - 5, ".part", 5) == 0) ||
                    memchr(nm, '/', k))
                        continue;
                if (!(v[count] = strndup(nm, k))) {
                        vmc_store_names_free(v, count);
                        return -ENOMEM;
                }
                count++;
        }
        qsort(v, count, sizeof(char *), cmp_names);
        *names = v;
        *n = count;
        return 0;
}

static int https_list(struct vmc_store *s, const char *prefix, char ***names, size_t *n, char *err, size_t errlen) {
        struct https_store *h = s->priv;
        struct vmc_sink out = { .max = LIST_MAX };
        _cleanup_free_ char *dir = NULL;
        json_object *a = NULL;
        long status = 0;
        int r;

        if (asprintf(&dir, "%s/", prefix) < 0)
                return -ENOMEM;
        r = request(s, "GET", dir, NULL, &out, NULL, err, errlen);
        if (r == -EACCES) {
                /* nginx answers 403 for a directory it may not list; a
                 * refused login is 401. */
                vmc_transfer_curl(h->t)->easy_getinfo(vmc_transfer_handle(h->t), CURLINFO_RESPONSE_CODE, &status);
                if (status == 403)
                        r = no_listing(s, prefix, "HTTP 403", err, errlen);
        } else if (r == 404)
                r = 0; /* no such directory: nothing under it, as in a file store */
        else {
                r = expect(s, "GET", dir, r, false, err, errlen);
                if (r >= 0) {
                        a = json_tokener_parse(out.buf ? out.buf : "");
                        r = json_object_is_type(a, json_type_array) ? parse_listing(a, names, n)
                                                                     : no_listing(s, prefix, "not a JSON list", err, errlen);
                }
        }
        json_object_put(a);
        free(out.buf);
        return r < 0 ? r : 0;
}

const struct vmc_store_ops vmc_store_https_ops = {
        .open = https_open,
        .close = https_close,
        .put = https_put,
        .put_fd = https_put_fd,
        .put_stream = https_put_stream,
        .stat = https_stat,
        .get = https_get,
        .delete = https_delete,
        .list = https_list,
        .get_fd = https_get_fd,
};
