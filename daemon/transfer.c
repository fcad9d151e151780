/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "transfer.h"
#include "util.h"

#define BACKOFF_FIRST_MS 500U
#define BACKOFF_MAX_MS 30000U
#define ERROR_BODY_MAX 16384
/* libcurl's receive buffer for downloads: fewer, larger writes to the file
 * than its 16 KiB default. */
#define DOWNLOAD_BUFFER (256L << 10)

struct vmc_transfer {
        const struct vmc_curl *curl;
        CURL *h;
        const char *name;
        struct vmc_store_options opt;
        uint64_t *requests;             /* NULL: not counted */
        unsigned seed;
};

char *vmc_uri_encode(const char *s, bool keep_slash) {
        static const char hex[] = "0123456789ABCDEF";
        char *out = malloc(strlen(s) * 3 + 1), *o = out;

        if (!out)
                return NULL;
        for (; *s; s++) {
                char c = *s;
                if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_' || c == '~' || (keep_slash && c == '/'))
                        *o++ = c;
                else {
                        *o++ = '%';
                        *o++ = hex[(unsigned char) c >> 4];
                        *o++ = hex[(unsigned char) c & 15];
                }
        }
        *o = '\0';
        return out;
}

int vmc_transfer_new(const char *store_name, const struct vmc_store_options *opt, uint64_t *requests,
                     struct vmc_transfer **ret, char *err, size_t errlen) {
        const struct vmc_curl *curl;
        struct vmc_transfer *t;
        int r;

        r = vmc_curl_load(&curl, err, errlen);
        if (r < 0)
                return r;
        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->curl = curl;
        t->name = store_name;
        t->opt = *opt;
        t->requests = requests;
        t->seed = (unsigned) time(NULL) ^ (unsigned) getpid();
        t->h = curl->easy_init();
        if (!t->h) {
                free(t);
                return -ENOMEM;
        }
        *ret = t;
        return 0;
}

void vmc_transfer_free(struct vmc_transfer *t) {
        if (!t)
                return;
        t->curl->easy_cleanup(t->h);
        free(t);
}

int vmc_transfer_stat_result(struct vmc_transfer *t, int r, uint64_t *size) {
        curl_off_t len = -1;

        if (r < 0)
                return r;
        if (r == 404)
                return 0;
        t->curl->easy_getinfo(t->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
        if (size)
                *size = len >= 0 ? (uint64_t) len : 0;
        return 1;
}

CURL *vmc_transfer_handle(struct vmc_transfer *t) {
        return t->h;
}

const struct vmc_curl *vmc_transfer_curl(struct vmc_transfer *t) {
        return t->curl;
}

static size_t read_body(char *out, size_t size, size_t n, void *userdata) {
        struct vmc_body *b = userdata;
        size_t want = size * n;
        uint64_t left = b->size - b->off;

        if (want > left)
                want = (size_t) left;
        if (want == 0)
                return 0;
        if (b->size == VMC_BODY_STREAM) {
                /* A stream: sent once, as it comes (chunked). A failing
                 * producer aborts the request, so the server keeps nothing. */
                ssize_t k = b->stream->read(b->stream->userdata, out, size * n);
                if (k < 0) {
                        b->stream_error = (int) k;
                        return CURL_READFUNC_ABORT;
                }
                b->off += (uint64_t) k;
                return (size_t) k;
        }
        if (b->fd < 0)
                memcpy(out, b->data + b->off, want);
        else {
                ssize_t k = pread(b->fd, out, want, (off_t) (b->start + b->off));
                if (k <= 0)
                        return CURL_READFUNC_ABORT;
                want = (size_t) k;
        }
        b->off += want;
        return want;
}

/* libcurl rewinds the body when it must send it again (a redirect, or an
 * authentication round); the body is in memory or at a known offset. */
static int seek_body(void *userdata, curl_off_t offset, int origin) {
        struct vmc_body *b = userdata;

        if (origin != SEEK_SET || offset < 0 || (uint64_t) offset > b->size || b->size == VMC_BODY_STREAM)
                return CURL_SEEKFUNC_FAIL;
        b->off = (uint64_t) offset;
        return CURL_SEEKFUNC_OK;
}

static size_t write_sink(char *in, size_t size, size_t n, void *userdata) {
        struct vmc_sink *s = userdata;
        size_t len = size * n;
        char *nb;

        if (s->len + len > s->max) {
                s->too_big = true;
                /* The scratch sink keeps the start of an answer for its
                 * error message; the rest does not matter. */
                return s->lossy ? len : 0;
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

int vmc_sink_result(struct vmc_sink *s, int r, char **data, size_t *len) {
        if (r == 404)
                r = -ENOENT;
        if (r < 0) {
                free(s->buf);
                *s = (struct vmc_sink){};
                return r;
        }
        if (!s->buf && !(s->buf = strdup("")))
                return -ENOMEM;
        *data = s->buf;
        *len = s->len;
        *s = (struct vmc_sink){};
        return 0;
}

static size_t read_header(char *in, size_t size, size_t n, void *userdata) {
        struct vmc_request *rq = userdata;
        size_t len = size * n;

        if (len > 5 && strncasecmp(in, "etag:", 5) == 0) {
                const char *v = in + 5;
                size_t k;

                while (v < in + len && (*v == ' ' || *v == '\t'))
                        v++;
                k = (size_t) (in + len - v);
                while (k > 0 && (v[k - 1] == '\r' || v[k - 1] == '\n' || v[k - 1] == ' '))
                        k--;
                if (k < sizeof(rq->etag)) {
                        memcpy(rq->etag, v, k);
                        rq->etag[k] = '\0';
                }
        }
        return len;
}

struct xfer {
        struct vmc_transfer *t;
        struct vmc_request *rq;
        struct vmc_sink *out;
        bool sftp;
};

/* A download's body goes to its file; an error answer's to the sink, for
 * its message. */
static size_t write_download(char *in, size_t size, size_t n, void *userdata) {
        struct xfer *x = userdata;
        struct vmc_download *d = x->rq->download;
        const struct vmc_store_options *o = &x->t->opt;
        size_t len = size * n, drop;
        int r;

        if (!d->started) {
                long status = 200;
                curl_off_t cl = -1;

                if (!x->sftp)
                        x->t->curl->easy_getinfo(x->t->h, CURLINFO_RESPONSE_CODE, &status);
                x->t->curl->easy_getinfo(x->t->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
                d->started = true;
                d->to_fd = status >= 200 && status < 300;
                /* A server that ignores Range sends the object from its start. */
                d->skip = !x->sftp && status == 200 ? d->from : 0;
                d->total = cl >= 0 ? (d->skip ? 0 : d->from) + (uint64_t) cl : 0;
        }
        if (!d->to_fd)
                return write_sink(in, size, n, x->out);
        drop = (size_t) MIN((uint64_t) len, d->skip);
        d->skip -= drop;
        r = write_full(d->fd, in + drop, len - drop);
        if (r < 0) {
                d->error = r;
                return 0;
        }
        d->written += len - drop;
        if (o->progress && d->total)
                o->progress(o->progress_userdata, d->offset + d->written, d->total);
        return len;
}

/* Progress of the file being sent, and the way out when asked to stop. */
static int xferinfo(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
        struct xfer *x = userdata;
        const struct vmc_store_options *o = &x->t->opt;
        struct vmc_body *b = x->rq->body;
        (void) dltotal, (void) dlnow, (void) ultotal;

        if (o->cancel && *o->cancel)
                return 1;
        if (o->progress && b && b->progress_total)
                o->progress(o->progress_userdata, b->progress_base + (uint64_t) ulnow, b->progress_total);
        return 0;
}

static void prepare(struct vmc_transfer *t, struct vmc_request *rq, struct vmc_sink *out, bool sftp, struct xfer *x) {
        const struct vmc_curl *c = t->curl;
        struct vmc_download *d = rq->download;
        CURL *e = t->h;

        c->easy_reset(e);
        c->easy_setopt(e, CURLOPT_URL, rq->url);
        c->easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http,sftp");
        c->easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        c->easy_setopt(e, CURLOPT_USERAGENT, "vmcored/" PACKAGE_VERSION);
        c->easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long) t->opt.connect_timeout);
        c->easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
        /* A transfer that moves nothing for stall_timeout seconds is given
         * up (and retried); a slow but moving one is not. */
        c->easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
        c->easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long) t->opt.stall_timeout);
        if (t->opt.ca_file && *t->opt.ca_file)
                c->easy_setopt(e, CURLOPT_CAINFO, t->opt.ca_file);
        if (rq->headers)
                c->easy_setopt(e, CURLOPT_HTTPHEADER, rq->headers);
        *x = (struct xfer){ t, rq, out, sftp };
        if (t->opt.cancel || t->opt.progress) {
                c->easy_setopt(e, CURLOPT_XFERINFOFUNCTION, xferinfo);
                c->easy_setopt(e, CURLOPT_XFERINFODATA, x);
                c->easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
        }
        c->easy_setopt(e, CURLOPT_HEADERFUNCTION, read_header);
        c->easy_setopt(e, CURLOPT_HEADERDATA, rq);
        free(out->buf);
        *out = (struct vmc_sink){ .max = out->max, .lossy = out->lossy };
        if (d) {
                /* From where the last attempt stopped. */
                d->from = d->offset + d->written;
                d->started = d->to_fd = false;
                d->skip = d->total = 0;
                d->error = 0;
                c->easy_setopt(e, CURLOPT_WRITEFUNCTION, write_download);
                c->easy_setopt(e, CURLOPT_WRITEDATA, x);
                c->easy_setopt(e, CURLOPT_BUFFERSIZE, DOWNLOAD_BUFFER);
                if (d->from > 0 && sftp)
                        c->easy_setopt(e, CURLOPT_RESUME_FROM_LARGE, (curl_off_t) d->from);
                else if (d->from > 0) {
                        /* CURLOPT_RANGE, not RESUME_FROM: curl then leaves
                         * the answer (206, 200 or 416) to us. */
                        char range[32];
                        snprintf(range, sizeof(range), "%" PRIu64 "-", d->from);
                        c->easy_setopt(e, CURLOPT_RANGE, range);
                }
        } else {
                c->easy_setopt(e, CURLOPT_WRITEFUNCTION, write_sink);
                c->easy_setopt(e, CURLOPT_WRITEDATA, out);
        }
        rq->etag[0] = '\0';

        if (strcmp(rq->method, "HEAD") == 0)
                c->easy_setopt(e, CURLOPT_NOBODY, 1L);
        else if (strcmp(rq->method, "GET") != 0) {
                if (strcmp(rq->method, "PUT") != 0)
                        c->easy_setopt(e, CURLOPT_CUSTOMREQUEST, rq->method);
                if (rq->body) {
                        rq->body->off = 0;
                        /* UPLOAD is a PUT; CUSTOMREQUEST turns it into POST. */
                        c->easy_setopt(e, CURLOPT_UPLOAD, 1L);
                        /* The body goes at once, without waiting for "100
                         * Continue": one round trip less for every part. */
                        c->easy_setopt(e, CURLOPT_EXPECT_100_TIMEOUT_MS, 0L);
                        c->easy_setopt(e, CURLOPT_READFUNCTION, read_body);
                        c->easy_setopt(e, CURLOPT_READDATA, rq->body);
                        c->easy_setopt(e, CURLOPT_SEEKFUNCTION, seek_body);
                        c->easy_setopt(e, CURLOPT_SEEKDATA, rq->body);
                        c->easy_setopt(e, CURLOPT_INFILESIZE_LARGE,
                                       rq->body->size == VMC_BODY_STREAM ? (curl_off_t) -1
                                                                         : (curl_off_t) rq->body->size);
                } else if (strcmp(rq->method, "DELETE") == 0)
                        c->easy_setopt(e, CURLOPT_NOBODY, 0L);
        }
        if (rq->setup)
                rq->setup(c, e, rq->userdata);
}

/* Whether another attempt could succeed. */
static bool transient(CURLcode code, long status, const char *reason) {
        if (code == CURLE_OK)
                /* S3 answers 400 RequestTimeout when the body came too
                 * slowly: worth another attempt, unlike other 400s. */
                return status >= 500 || status == 408 || status == 429 ||
                       (status == 400 && strncmp(reason, "RequestTimeout", 14) == 0);
        switch (code) {
        case CURLE_PEER_FAILED_VERIFICATION:    /* TLS certificate or SSH host key */
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT:
        case CURLE_LOGIN_DENIED:
        case CURLE_REMOTE_ACCESS_DENIED:
        case CURLE_REMOTE_FILE_NOT_FOUND:
        case CURLE_REMOTE_DISK_FULL:
        case CURLE_QUOTE_ERROR:
        case CURLE_ABORTED_BY_CALLBACK:
        case CURLE_READ_ERROR:
        case CURLE_OUT_OF_MEMORY:
        case CURLE_FILESIZE_EXCEEDED:
                return false;
        default:
                return true; /* connection refused, reset, timeout, DNS */
        }
}

static const char *hint(CURLcode code, long status) {
        if (code == CURLE_OK && (status == 401 || status == 403))
                return " (check [store] credentials)";
        if (code == CURLE_LOGIN_DENIED)
                return " (check [store] ssh_key and the server's authorized_keys)";
        if (code == CURLE_PEER_FAILED_VERIFICATION)
                return " (check [store] ca_file or ssh_host_key)";
        return "";
}

int vmc_transfer_run(struct vmc_transfer *t, struct vmc_request *rq, char *err, size_t errlen) {
        const struct vmc_curl *c = t->curl;
        bool sftp = strncmp(rq->url, "sftp:", 5) == 0;
        struct vmc_sink scratch = { .max = ERROR_BODY_MAX, .lossy = true };
        struct vmc_sink *out = rq->out ? rq->out : &scratch;
        unsigned delay = BACKOFF_FIRST_MS;

        for (unsigned attempt = 0;; attempt++) {
                char what[512];
                long status = 0;
                CURLcode code;

                struct xfer x;
                if (t->opt.cancel && *t->opt.cancel) {
                        free(scratch.buf);
                        return set_error(-ECANCELED, err, errlen, "%s: %s %s: stopped", t->name, rq->method, rq->what);
                }
                prepare(t, rq, out, sftp, &x);
                if (t->requests)
                        __atomic_add_fetch(t->requests, 1, __ATOMIC_RELAXED);
                code = c->easy_perform(t->h);
                if (code == CURLE_ABORTED_BY_CALLBACK && t->opt.cancel && *t->opt.cancel) {
                        free(scratch.buf);
                        return set_error(-ECANCELED, err, errlen, "%s: %s %s: stopped", t->name, rq->method, rq->what);
                }
                if (rq->body && rq->body->stream_error < 0) {
                        free(scratch.buf);
                        return set_error(rq->body->stream_error, err, errlen, "%s: %s %s: the data to send failed: %s",
                                         t->name, rq->method, rq->what, strerror(-rq->body->stream_error));
                }
                if (rq->download && rq->download->error < 0) {
                        free(scratch.buf);
                        return set_error(rq->download->error, err, errlen, "%s: %s %s: writing what arrived: %s",
                                         t->name, rq->method, rq->what, strerror(-rq->download->error));
                }
                if (out->too_big && !out->lossy) {
                        free(scratch.buf);
                        return set_error(-EFBIG, err, errlen, "%s: %s %s: larger than %zu bytes", t->name,
                                         rq->method, rq->what, out->max);
                }
                if (!sftp)
                        c->easy_getinfo(t->h, CURLINFO_RESPONSE_CODE, &status);
                else if (code == CURLE_OK)
                        status = 200;
                else if (code == CURLE_REMOTE_FILE_NOT_FOUND) {
                        code = CURLE_OK;
                        status = 404;
                } else if (code == CURLE_BAD_DOWNLOAD_RESUME && rq->download) {
                        code = CURLE_OK;
                        status = 416;
                }
                /* A server that ignored the Range sent less than the
                 * offset: the range is beyond the object's end. */
                if (code == CURLE_OK && status == 200 && !sftp && rq->download && rq->download->from > 0 &&
                    (!rq->download->started || rq->download->skip > 0))
                        status = 416;
                if (code == CURLE_OK && status == 416 && rq->download) {
                        free(scratch.buf);
                        return 416;
                }
                rq->reason[0] = '\0';
                if (code == CURLE_OK && status >= 400 && rq->explain && out->buf)
                        rq->explain(out->buf, rq->reason, sizeof(rq->reason));
                if (code == CURLE_OK && (status < 400 || status == 404 || status == 412)) {
                        free(scratch.buf);
                        return (int) status;
                }
                if (code == CURLE_OK)
                        snprintf(what, sizeof(what), "HTTP %ld%s%s%s", status, *rq->reason ? " " : "", rq->reason,
                                 hint(code, status));
                else
                        snprintf(what, sizeof(what), "%s%s", c->easy_strerror(code), hint(code, status));
                /* A stream that was partly sent cannot be sent again. */
                bool spent = rq->body && rq->body->size == VMC_BODY_STREAM && rq->body->off > 0;
                bool again = transient(code, status, rq->reason);
                if (!again || attempt >= t->opt.retries || spent) {
                        bool refused = (code == CURLE_OK && (status == 401 || status == 403)) ||
                                       code == CURLE_LOGIN_DENIED || code == CURLE_REMOTE_ACCESS_DENIED;
                        free(scratch.buf);
                        return set_error(refused ? -EACCES : again ? -EAGAIN : -EIO, err, errlen, "%s: %s %s: %s%s",
                                         t->name, rq->method, rq->what, what, again ? ", giving up" : "");
                }
                /* Exponential backoff with jitter: many hosts rebooting at
                 * once do not come back in step. */
                unsigned wait = delay / 2 + (unsigned) (rand_r(&t->seed) % (delay / 2 + 1));
                log_warning("%s: %s %s: attempt %u of %u: %s; retrying in %.1f s", t->name, rq->method, rq->what,
                            attempt + 1, t->opt.retries + 1, what, wait / 1000.0);
                struct timespec ts = { wait / 1000, (long) (wait % 1000) * 1000000L };
                while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !(t->opt.cancel && *t->opt.cancel))
                        ;
                delay = MIN(delay * 2, BACKOFF_MAX_MS);
        }
}
