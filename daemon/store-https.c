/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* https://HOST[:PORT]/PATH: plain PUT of each object to BASE/KEY (a WebDAV
 * server such as nginx with dav_methods PUT, or any service that takes
 * PUTs), HEAD to see whether one exists, GET to read one. TLS is verified
 * (the system's CAs or [store] ca_file); bearer token or basic auth from the
 * credentials. Failed attempts are retried with exponential backoff and
 * jitter, except where retrying cannot help: other 4xx answers (wrong
 * credentials, refused), and an untrusted certificate. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "curl-dl.h"
#include "log.h"
#include "store-backend.h"
#include "util.h"

#define BACKOFF_FIRST_MS 500U
#define BACKOFF_MAX_MS 30000U

struct https_store {
        const struct vmc_curl *curl;
        CURL *h;
        char *base;                     /* scheme://host[:port]/path/ */
        unsigned seed;
};

struct body {
        const char *data;               /* from memory */
        int fd;                         /* or from a file (-1: memory) */
        uint64_t size, off;
};

struct sink {
        char *buf;
        size_t len, max;
        bool too_big;
};

static size_t read_body(char *out, size_t size, size_t n, void *userdata) {
        struct body *b = userdata;
        size_t want = size * n;
        uint64_t left = b->size - b->off;

        if (want > left)
                want = (size_t) left;
        if (want == 0)
                return 0;
        if (b->fd < 0)
                memcpy(out, b->data + b->off, want);
        else {
                ssize_t k = pread(b->fd, out, want, (off_t) b->off);
                if (k <= 0)
                        return CURL_READFUNC_ABORT;
                want = (size_t) k;
        }
        b->off += want;
        return want;
}

static size_t write_sink(char *in, size_t size, size_t n, void *userdata) {
        struct sink *s = userdata;
        size_t len = size * n;
        char *nb;

        if (s->len + len > s->max) {
                s->too_big = true;
                return 0;
        }
        nb = realloc(s->buf, s->len + len + 1);
        if (!nb)
                return 0;
        memcpy(nb + s->len, in, len);
        s->buf = nb;
        s->len += len;
        s->buf[s->len] = '\0';
        return len;
}

static size_t discard(char *in, size_t size, size_t n, void *userdata) {
        (void) in;
        (void) userdata;
        return size * n;
}

static int https_open(struct vmc_store *s, char *err, size_t errlen) {
        struct https_store *h;
        const struct vmc_curl *curl;
        int r;

        r = vmc_curl_load(&curl, err, errlen);
        if (r < 0)
                return r;
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->curl = curl;
        h->h = curl->easy_init();
        h->seed = (unsigned) time(NULL) ^ (unsigned) getpid();
        if (!h->h ||
            (s->url->port ? asprintf(&h->base, "%s://%s:%u%s/", vmc_store_scheme_name(s->url->scheme), s->url->host,
                                     s->url->port, s->url->path)
                          : asprintf(&h->base, "%s://%s%s/", vmc_store_scheme_name(s->url->scheme), s->url->host,
                                     s->url->path)) < 0) {
                if (h->h)
                        curl->easy_cleanup(h->h);
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
        h->curl->easy_cleanup(h->h);
        free(h->base);
        free(h);
}

enum method { M_PUT, M_HEAD, M_GET };
static const char *const method_names[] = { "PUT", "HEAD", "GET" };

/* Sets up one attempt. */
static void prepare(struct vmc_store *s, enum method m, const char *url, struct body *b, struct sink *out) {
        struct https_store *h = s->priv;
        const struct vmc_curl *c = h->curl;
        CURL *e = h->h;

        c->easy_reset(e);
        c->easy_setopt(e, CURLOPT_URL, url);
        c->easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http");
        c->easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        c->easy_setopt(e, CURLOPT_USERAGENT, "vmcored/" PACKAGE_VERSION);
        c->easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long) s->opt.connect_timeout);
        /* A transfer that moves nothing for stall_timeout seconds is given
         * up (and retried); a slow but moving one is not. */
        c->easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
        c->easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long) s->opt.stall_timeout);
        if (s->opt.ca_file && *s->opt.ca_file)
                c->easy_setopt(e, CURLOPT_CAINFO, s->opt.ca_file);
        if (s->cred && s->cred->token) {
                c->easy_setopt(e, CURLOPT_HTTPAUTH, (long) CURLAUTH_BEARER);
                c->easy_setopt(e, CURLOPT_XOAUTH2_BEARER, s->cred->token);
        } else if (s->cred && s->cred->user) {
                c->easy_setopt(e, CURLOPT_HTTPAUTH, (long) CURLAUTH_BASIC);
                c->easy_setopt(e, CURLOPT_USERNAME, s->cred->user);
                c->easy_setopt(e, CURLOPT_PASSWORD, s->cred->password);
        }
        c->easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
        switch (m) {
        case M_PUT:
                b->off = 0;
                c->easy_setopt(e, CURLOPT_UPLOAD, 1L);
                c->easy_setopt(e, CURLOPT_READFUNCTION, read_body);
                c->easy_setopt(e, CURLOPT_READDATA, b);
                c->easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t) b->size);
                break;
        case M_HEAD:
                c->easy_setopt(e, CURLOPT_NOBODY, 1L);
                break;
        case M_GET:
                free(out->buf);
                *out = (struct sink){ .max = out->max };
                c->easy_setopt(e, CURLOPT_WRITEFUNCTION, write_sink);
                c->easy_setopt(e, CURLOPT_WRITEDATA, out);
                c->easy_setopt(e, CURLOPT_FAILONERROR, 0L);
                break;
        }
}

/* Whether another attempt could succeed. */
static bool transient(CURLcode code, long status) {
        if (code == CURLE_OK)
                return status >= 500 || status == 408 || status == 429;
        switch (code) {
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT:
        case CURLE_LOGIN_DENIED:
        case CURLE_ABORTED_BY_CALLBACK:
        case CURLE_READ_ERROR:
        case CURLE_OUT_OF_MEMORY:
                return false;
        default:
                return true; /* connection refused, reset, timeout, DNS */
        }
}

/* Runs a request with retries. Returns the final HTTP status (>= 0), or a
 * negative errno with err set. */
static int request(struct vmc_store *s, enum method m, const char *key, struct body *b, struct sink *out, char *err,
                   size_t errlen) {
        struct https_store *h = s->priv;
        const struct vmc_curl *c = h->curl;
        _cleanup_free_ char *url = NULL;
        unsigned delay = BACKOFF_FIRST_MS;

        if (asprintf(&url, "%s%s", h->base, key) < 0)
                return -ENOMEM;
        for (unsigned attempt = 0;; attempt++) {
                char what[256];
                long status = 0;
                CURLcode code;

                prepare(s, m, url, b, out);
                code = c->easy_perform(h->h);
                c->easy_getinfo(h->h, CURLINFO_RESPONSE_CODE, &status);
                if (code == CURLE_OK && status < 400)
                        return (int) status;
                if (code == CURLE_OK && status == 404 && m != M_PUT)
                        return 404;
                if (code == CURLE_OK)
                        snprintf(what, sizeof(what), "HTTP %ld%s", status,
                                 status == 401 || status == 403 ? " (check [store] credentials)" : "");
                else
                        snprintf(what, sizeof(what), "%s", c->easy_strerror(code));
                if (!transient(code, status) || attempt >= s->opt.retries) {
                        return set_error(code == CURLE_OK ? -EACCES : -EIO, err, errlen, "%s: %s %s: %s%s",
                                         s->name, method_names[m], key, what,
                                         transient(code, status) ? ", giving up" : "");
                }
                /* Exponential backoff with jitter: many hosts rebooting at
                 * once do not come back in step. */
                unsigned wait = delay / 2 + (unsigned) (rand_r(&h->seed) % (delay / 2 + 1));
                log_warning("%s: %s %s: attempt %u of %u: %s; retrying in %.1f s", s->name, method_names[m], key,
                            attempt + 1, s->opt.retries + 1, what, wait / 1000.0);
                struct timespec ts = { wait / 1000, (long) (wait % 1000) * 1000000L };
                while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                        ;
                delay = MIN(delay * 2, BACKOFF_MAX_MS);
        }
}

static int https_put(struct vmc_store *s, const char *key, const void *data, size_t len, char *err, size_t errlen) {
        struct body b = { .data = data, .fd = -1, .size = len };
        int r = request(s, M_PUT, key, &b, NULL, err, errlen);
        return r < 0 ? r : 0;
}

static int https_put_fd(struct vmc_store *s, const char *key, int fd, char *err, size_t errlen) {
        struct stat st;
        struct body b = { .fd = fd };
        int r;

        if (fstat(fd, &st) < 0)
                return -errno;
        b.size = (uint64_t) st.st_size;
        r = request(s, M_PUT, key, &b, NULL, err, errlen);
        return r < 0 ? r : 0;
}

static int https_stat(struct vmc_store *s, const char *key, uint64_t *size, char *err, size_t errlen) {
        struct https_store *h = s->priv;
        curl_off_t len = -1;
        int r = request(s, M_HEAD, key, NULL, NULL, err, errlen);

        if (r < 0)
                return r;
        if (r == 404)
                return 0;
        h->curl->easy_getinfo(h->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
        if (size)
                *size = len >= 0 ? (uint64_t) len : 0;
        return 1;
}

static int https_get(struct vmc_store *s, const char *key, size_t max, char **data, size_t *len, char *err,
                     size_t errlen) {
        struct sink out = { .max = max };
        int r = request(s, M_GET, key, NULL, &out, err, errlen);

        if (r >= 0 && out.too_big)
                r = set_error(-EFBIG, err, errlen, "%s: %s: larger than %zu bytes", s->name, key, max);
        else if (r == 404)
                r = -ENOENT;
        if (r < 0) {
                free(out.buf);
                return r;
        }
        if (!out.buf && !(out.buf = strdup("")))
                return -ENOMEM;
        *data = out.buf;
        *len = out.len;
        return 0;
}

static int https_list(struct vmc_store *s, const char *prefix, char ***names, size_t *n, char *err, size_t errlen) {
        (void) names;
        (void) n;
        return set_error(-EOPNOTSUPP, err, errlen, "%s: listing %s: a plain HTTPS store cannot list", s->name, prefix);
}

const struct vmc_store_ops vmc_store_https_ops = {
        .open = https_open,
        .close = https_close,
        .put = https_put,
        .put_fd = https_put_fd,
        .stat = https_stat,
        .get = https_get,
        .list = https_list,
};
