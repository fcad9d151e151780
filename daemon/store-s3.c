/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* s3://BUCKET/PREFIX?endpoint=...&region=...: objects at
 * ENDPOINT/BUCKET/PREFIX/KEY (path-style, which AWS, Ceph RGW and MinIO all
 * take), signed with SigV4 by libcurl. Every request carries its payload's
 * SHA-256 (x-amz-content-sha256, signed; curl 7.88 does not add it, and
 * servers then refuse every request), so the server rejects a body damaged
 * on the way (400 XAmzContentSHA256Mismatch). No Content-MD5 on top: it
 * checks the same thing, and computing it cost 15% of the throughput.
 *
 * Small objects and files up to one part go in one PUT. Larger files go
 * as a multipart upload of FILE_PART_SIZE ranges, each hashed and then sent
 * straight from the file (nothing buffered; radosgw spends ~20 ms on each
 * part, so large parts go faster: 8 MiB parts reached 69 MiB/s on
 * loopback, 64 MiB ones 93). A stream of unknown length (a pipe,
 * makedumpfile -F) goes as a multipart upload of PIPE_PART_SIZE parts by
 * two senders with a buffer each, so memory stays bounded whatever the
 * dump's size. A part is sent
 * again on a transient failure (the last upload of a part number wins); a
 * part that fails for good aborts the upload, so no invisible parts are
 * left to pay for.
 *
 * libcurl signs the path and query as written: keys are percent-encoded
 * here (all but A-Z a-z 0-9 - . _ ~ /), query parameters are sorted by
 * name and always have '='. */
#include <errno.h>
#include <pthread.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "digest.h"
#include "log.h"
#include "store-backend.h"
#include "transfer.h"
#include "util.h"
#include "xml.h"

#define FILE_PART_SIZE ((uint64_t) 64 << 20)
/* Two of them in memory while streaming: 12 MiB keeps vmcored under 32 MiB
 * (8 MiB parts brought it to 32.0). */
#define PIPE_PART_SIZE ((size_t) 6 << 20)
#define PART_SIZE_MAX ((size_t) 5 << 30)
#define PARTS_MAX 10000U
#define ANSWER_MAX ((size_t) 4 << 20)
#define REASON_MAX 256
#define STREAM_SENDERS 2                /* parts of a stream in flight at once */
#define SHA256_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct s3_store {
        struct vmc_transfer *t;
        char *bucket_url;               /* ENDPOINT/BUCKET */
        char *prefix;                   /* "" or "a/b/" */
        char *sigv4;                    /* aws:amz:REGION:s3 */
        char *userpwd;                  /* ACCESS:SECRET, wiped at close */
        char *token_header;             /* x-amz-security-token: ..., or NULL */
        char reason[REASON_MAX];        /* the last answer's error code, for messages */
};

static void wipe_free(char *s) {
        if (s) {
                explicit_bzero(s, strlen(s));
                free(s);
        }
}

static void s3_close(struct vmc_store *s) {
        struct s3_store *h = s->priv;
        if (!h)
                return;
        vmc_transfer_free(h->t);
        free(h->bucket_url);
        free(h->prefix);
        free(h->sigv4);
        wipe_free(h->userpwd);
        wipe_free(h->token_header);
        free(h);
        s->priv = NULL;
}

static int s3_open(struct vmc_store *s, char *err, size_t errlen) {
        const struct vmc_store_url *u = s->url;
        struct s3_store *h;
        size_t elen;
        int r;

        if (!s->cred || !s->cred->access_key || !s->cred->secret_key)
                return set_error(-EINVAL, err, errlen,
                                 "%s: an S3 store needs access_key and secret_key in [store] credentials", s->name);
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        s->priv = h;
        r = vmc_transfer_new(s->name, &s->opt, &s->requests, &h->t, err, errlen);
        if (r < 0) {
                s3_close(s);
                return r;
        }
        elen = strlen(u->endpoint);
        while (elen > 0 && u->endpoint[elen - 1] == '/')
                elen--;
        if (asprintf(&h->bucket_url, "%.*s/%s", (int) elen, u->endpoint, u->bucket) < 0 ||
            asprintf(&h->prefix, "%s%s", u->path, *u->path ? "/" : "") < 0 ||
            asprintf(&h->sigv4, "aws:amz:%s:s3", u->region) < 0 ||
            asprintf(&h->userpwd, "%s:%s", s->cred->access_key, s->cred->secret_key) < 0 ||
            (s->cred->token && asprintf(&h->token_header, "x-amz-security-token: %s", s->cred->token) < 0)) {
                s3_close(s);
                return -ENOMEM;
        }
        return 0;
}

static void setup_sigv4(const struct vmc_curl *c, CURL *e, void *userdata) {
        struct s3_store *h = userdata;

        c->easy_setopt(e, CURLOPT_AWS_SIGV4, h->sigv4);
        c->easy_setopt(e, CURLOPT_USERPWD, h->userpwd);
}

struct error_answer {
        char code[96], message[160];
};

static int error_field(const char *path, const char *text, size_t len, void *userdata) {
        struct error_answer *a = userdata;
        (void) len;
        if (strcmp(path, "Error/Code") == 0)
                snprintf(a->code, sizeof(a->code), "%s", text);
        else if (strcmp(path, "Error/Message") == 0)
                snprintf(a->message, sizeof(a->message), "%s", text);
        return 0;
}

/* "SignatureDoesNotMatch" from an S3 error answer. */
static void explain(const char *body, char *buf, size_t buflen) {
        struct error_answer a = {};
        char ignored[64];

        if (vmc_xml_parse(body, strlen(body), error_field, &a, ignored, sizeof(ignored)) < 0 || !*a.code)
                return;
        snprintf(buf, buflen, "%s%s%s", a.code, *a.message ? ": " : "", a.message);
}

/* One signed request on transfer t; the server's reason for a failure goes
 * to reason (REASON_MAX). key NULL: the bucket. query: sorted, encoded. The
 * answer's body goes to out, or to download (a GET of a whole object). */
static int request_on(struct vmc_store *s, struct vmc_transfer *t, char *reason, const char *method, const char *key,
                      const char *what, const char *query, struct vmc_body *body, const char *sha256,
                      const char *content_type, struct vmc_sink *out, struct vmc_download *download, char *etag,
                      size_t etaglen, char *err, size_t errlen) {
        struct s3_store *h = s->priv;
        const struct vmc_curl *c = vmc_transfer_curl(t);
        _cleanup_free_ char *enc = NULL, *url = NULL, *full = NULL;
        char sha_header[96], type_header[128];
        struct curl_slist *headers = NULL, *l;
        struct vmc_request rq = {
                .method = method,
                .what = what,
                .body = body,
                .out = out,
                .download = download,
                .setup = setup_sigv4,
                .userdata = h,
                .explain = explain,
        };
        int r;

        if (key) {
                if (asprintf(&full, "%s%s", h->prefix, key) < 0)
                        return -ENOMEM;
                enc = vmc_uri_encode(full, true);
                if (!enc)
                        return -ENOMEM;
        }
        if (asprintf(&url, "%s/%s%s%s", h->bucket_url, enc ? enc : "", query ? "?" : "", query ? query : "") < 0)
                return -ENOMEM;
        rq.url = url;

        snprintf(sha_header, sizeof(sha_header), "x-amz-content-sha256: %s", sha256 ? sha256 : SHA256_EMPTY);
        l = c->slist_append(headers, sha_header);
        if (l && content_type) {
                snprintf(type_header, sizeof(type_header), "Content-Type: %s", content_type);
                l = c->slist_append(headers = l, type_header);
        }
        if (l && h->token_header)
                l = c->slist_append(headers = l, h->token_header);
        if (!l) {
                c->slist_free_all(headers);
                return -ENOMEM;
        }
        rq.headers = headers = l;
        r = vmc_transfer_run(t, &rq, err, errlen);
        c->slist_free_all(headers);
        if (etag)
                snprintf(etag, etaglen, "%s", rq.etag);
        snprintf(reason, REASON_MAX, "%s", rq.reason);
        return r;
}

/* On the store's own transfer. */
static int request(struct vmc_store *s, const char *method, const char *key, const char *what, const char *query,
                   struct vmc_body *body, const char *sha256, const char *content_type,
                   struct vmc_sink *out, char *etag, size_t etaglen, char *err, size_t errlen) {
        struct s3_store *h = s->priv;
        return request_on(s, h->t, h->reason, method, key, what, query, body, sha256, content_type, out, NULL, etag,
                          etaglen, err, errlen);
}

static int expect_success_reason(struct vmc_store *s, const char *method, const char *what, int r,
                                 const char *reason, char *err, size_t errlen) {
        if (r < 0)
                return r;
        if (r >= 300)
                return set_error(-EIO, err, errlen, "%s: %s %s: HTTP %d%s%s%s", s->name, method, what, r,
                                 *reason ? " " : "", reason,
                                 r == 404 && !*reason ? " (does the bucket exist?)" : "");
        return 0;
}

static int expect_success(struct vmc_store *s, const char *method, const char *what, int r, char *err,
                          size_t errlen) {
        struct s3_store *h = s->priv;
        return expect_success_reason(s, method, what, r, h->reason, err, errlen);
}

static int s3_put(struct vmc_store *s, const char *key, const void *data, size_t len, char *err, size_t errlen) {
        struct vmc_body b = { .data = data, .fd = -1, .size = len };
        char d[VMC_SHA256_HEX];
        int r = vmc_sha256_hex(data, len, d);

        if (r < 0)
                return r;
        r = request(s, "PUT", key, key, NULL, &b, d, NULL, NULL, NULL, 0, err, errlen);
        return expect_success(s, "PUT", key, r, err, errlen);
}

/* Reads up to len bytes of a stream; fewer only at its end. */
struct upload_id {
        char *id;
        bool error;
        char code[96];
};

static int initiate_field(const char *path, const char *text, size_t len, void *userdata) {
        struct upload_id *u = userdata;
        if (strcmp(path, "InitiateMultipartUploadResult/UploadId") == 0 && len > 0 && !u->id)
                return (u->id = strdup(text)) ? 0 : -ENOMEM;
        if (strcmp(path, "Error/Code") == 0) {
                u->error = true;
                snprintf(u->code, sizeof(u->code), "%s", text);
        }
        return 0;
}

struct multipart {
        struct vmc_store *s;
        const char *key;
        char *id, *id_enc;
        char **etags;
        unsigned parts;
        uint64_t total;                 /* the file's size, for progress; 0: a stream */
};

static void multipart_done(struct multipart *m) {
        for (unsigned i = 0; i < m->parts; i++)
                free(m->etags[i]);
        free(m->etags);
        free(m->id);
        free(m->id_enc);
}

static int multipart_begin(struct multipart *m, char *err, size_t errlen) {
        struct vmc_store *s = m->s;
        struct vmc_sink out = { .max = ANSWER_MAX };
        struct vmc_body empty = { .fd = -1 };
        struct upload_id u = {};
        int r;

        r = request(s, "POST", m->key, m->key, "uploads=", &empty, SHA256_EMPTY, NULL, &out, NULL, 0, err, errlen);
        r = expect_success(s, "POST (start multipart upload)", m->key, r, err, errlen);
        if (r >= 0) {
                r = vmc_xml_parse(out.buf ? out.buf : "", out.len, initiate_field, &u, err, errlen);
                if (r >= 0 && (u.error || !u.id))
                        r = set_error(-EIO, err, errlen, "%s: starting a multipart upload of %s: %s", s->name,
                                      m->key, u.error ? u.code : "no UploadId in the answer");
        }
        free(out.buf);
        if (r < 0) {
                free(u.id);
                return r;
        }
        m->id = u.id;
        m->id_enc = vmc_uri_encode(u.id, false);
        return m->id_enc ? 0 : -ENOMEM;
}

/* Sends part n on transfer t: len bytes of buf, or of fd at off when buf is
 * NULL; its ETag into etag (128 bytes). */
static int send_part(struct multipart *m, struct vmc_transfer *t, unsigned n, const char *buf, int fd, uint64_t off,
                     uint64_t len, char *etag, char *err, size_t errlen) {
        struct vmc_store *s = m->s;
        struct vmc_body b = { .data = buf, .fd = buf ? -1 : fd, .start = off, .size = len,
                              .progress_base = off, .progress_total = m->total };
        char d[VMC_SHA256_HEX], reason[REASON_MAX] = "";
        _cleanup_free_ char *query = NULL, *what = NULL;
        int r;

        if (n > PARTS_MAX)
                return set_error(-EFBIG, err, errlen, "%s: %s: more than %u parts", s->name, m->key, PARTS_MAX);
        r = buf ? vmc_sha256_hex(buf, (size_t) len, d) : vmc_sha256_fd_range(fd, off, len, d);
        if (r < 0)
                return set_error(r, err, errlen, "%s: reading the file for %s: %s", s->name, m->key, strerror(-r));
        if (asprintf(&query, "partNumber=%u&uploadId=%s", n, m->id_enc) < 0 ||
            asprintf(&what, "%s (part %u)", m->key, n) < 0)
                return -ENOMEM;
        etag[0] = '\0';
        r = request_on(s, t, reason, "PUT", m->key, what, query, &b, d, NULL, NULL, NULL, etag, 128, err, errlen);
        r = expect_success_reason(s, "PUT", what, r, reason, err, errlen);
        if (r < 0)
                return r;
        if (!*etag)
                return set_error(-EIO, err, errlen, "%s: PUT %s: no ETag in the answer", s->name, what);
        return 0;
}

/* Part n is stored with etag: parts may finish out of order. */
static int record_part(struct multipart *m, unsigned n, const char *etag) {
        if (n > m->parts) {
                char **ne = realloc(m->etags, n * sizeof(char *));
                if (!ne)
                        return -ENOMEM;
                for (unsigned i = m->parts; i < n; i++)
                        ne[i] = NULL;
                m->etags = ne;
                m->parts = n;
        }
        free(m->etags[n - 1]);
        return (m->etags[n - 1] = strdup(etag)) ? 0 : -ENOMEM;
}

/* Sends the next part, on the store's own transfer. */
static int multipart_part(struct multipart *m, const char *buf, int fd, uint64_t off, uint64_t len, char *err,
                          size_t errlen) {
        struct s3_store *h = m->s->priv;
        char etag[128];
        int r = send_part(m, h->t, m->parts + 1, buf, fd, off, len, etag, err, errlen);

        return r < 0 ? r : record_part(m, m->parts + 1, etag);
}

static int complete_field(const char *path, const char *text, size_t len, void *userdata) {
        struct upload_id *u = userdata;
        (void) len;
        if (strcmp(path, "Error/Code") == 0) {
                u->error = true;
                snprintf(u->code, sizeof(u->code), "%s", text);
        }
        return 0;
}

static int multipart_complete(struct multipart *m, char *err, size_t errlen) {
        struct vmc_store *s = m->s;
        struct vmc_sink out = { .max = ANSWER_MAX };
        char d[VMC_SHA256_HEX];
        struct upload_id u = {};
        _cleanup_free_ char *xml = NULL, *query = NULL;
        size_t cap = 128 + (size_t) m->parts * 200, len;
        int r;

        xml = malloc(cap);
        if (!xml || asprintf(&query, "uploadId=%s", m->id_enc) < 0)
                return -ENOMEM;
        len = (size_t) snprintf(xml, cap, "<CompleteMultipartUpload>");
        for (unsigned i = 0; i < m->parts; i++) {
                /* ETags are quoted hex from the server: nothing to escape,
                 * but refuse anything that would need it. */
                if (!m->etags[i])
                        return set_error(-EIO, err, errlen, "%s: %s: part %u missing", s->name, m->key, i + 1);
                if (strpbrk(m->etags[i], "<>&"))
                        return set_error(-EIO, err, errlen, "%s: %s: odd ETag from the server", s->name, m->key);
                len += (size_t) snprintf(xml + len, cap - len, "<Part><PartNumber>%u</PartNumber><ETag>%s</ETag></Part>",
                                         i + 1, m->etags[i]);
        }
        len += (size_t) snprintf(xml + len, cap - len, "</CompleteMultipartUpload>");
        if (len >= cap)
                return -ENOBUFS;

        struct vmc_body b = { .data = xml, .fd = -1, .size = len };
        r = vmc_sha256_hex(xml, len, d);
        if (r < 0)
                return r;
        /* A 200 answer can still carry an <Error> (AWS documents this for
         * a Complete that failed after the headers were sent); sending
         * Complete again is safe, so the server's "try again" codes get
         * the usual attempts. */
        for (unsigned attempt = 0;; attempt++) {
                u = (struct upload_id){};
                r = request(s, "POST", m->key, m->key, query, &b, d, "application/xml", &out, NULL, 0, err, errlen);
                r = expect_success(s, "POST (complete multipart upload)", m->key, r, err, errlen);
                if (r >= 0 && out.len > 0)
                        r = vmc_xml_parse(out.buf, out.len, complete_field, &u, err, errlen);
                free(out.buf);
                out = (struct vmc_sink){ .max = ANSWER_MAX };
                if (r < 0 || !u.error)
                        return r;
                bool again = strcmp(u.code, "InternalError") == 0 || strcmp(u.code, "SlowDown") == 0 ||
                             strcmp(u.code, "ServiceUnavailable") == 0;
                if (!again || attempt >= s->opt.retries)
                        return set_error(-EIO, err, errlen, "%s: completing the upload of %s: %s", s->name, m->key,
                                         u.code);
                log_warning("%s: completing the upload of %s: attempt %u of %u: %s; retrying in %u s", s->name,
                            m->key, attempt + 1, s->opt.retries + 1, u.code, attempt + 1);
                sleep(attempt + 1);
        }
}

/* 0 when the store dropped the upload (or never had it). */
static int multipart_abort(struct multipart *m) {
        _cleanup_free_ char *query = NULL;
        char err[512];
        int r;

        if (!m->id_enc)
                m->id_enc = vmc_uri_encode(m->id, false);
        if (!m->id_enc || asprintf(&query, "uploadId=%s", m->id_enc) < 0)
                return -ENOMEM;
        r = request(m->s, "DELETE", m->key, m->key, query, NULL, NULL, NULL, NULL, NULL, 0, err, sizeof(err));
        if (r == 404)
                return 0;
        r = expect_success(m->s, "DELETE (abort multipart upload)", m->key, r, err, sizeof(err));
        if (r < 0)
                log_warning("%s: aborting the multipart upload of %s: %s", m->s->name, m->key, err);
        return r;
}

/* A file of known size: ranges of it, nothing buffered. */
struct part_list {
        uint64_t part_size;
        unsigned want;                  /* parts of the whole file */
        char **etags;                   /* [want]: what the store has */
        uint64_t *sizes;
        unsigned next_marker;
        bool truncated;
        unsigned cur;                   /* the <Part> being read */
        uint64_t cur_size;
        char cur_etag[128];
};

static int parts_field(const char *path, const char *text, size_t len, void *userdata) {
        struct part_list *l = userdata;
        (void) len;

        if (strcmp(path, "ListPartsResult/Part/PartNumber") == 0)
                l->cur = (unsigned) strtoul(text, NULL, 10);
        else if (strcmp(path, "ListPartsResult/Part/ETag") == 0)
                snprintf(l->cur_etag, sizeof(l->cur_etag), "%s", text);
        else if (strcmp(path, "ListPartsResult/Part/Size") == 0)
                l->cur_size = strtoull(text, NULL, 10);
        else if (strcmp(path, "ListPartsResult/Part") == 0) {
                if (l->cur >= 1 && l->cur <= l->want && *l->cur_etag && !l->etags[l->cur - 1]) {
                        if (!(l->etags[l->cur - 1] = strdup(l->cur_etag)))
                                return -ENOMEM;
                        l->sizes[l->cur - 1] = l->cur_size;
                }
                l->cur = 0;
                l->cur_size = 0;
                l->cur_etag[0] = '\0';
        } else if (strcmp(path, "ListPartsResult/IsTruncated") == 0)
                l->truncated = strcmp(text, "true") == 0;
        else if (strcmp(path, "ListPartsResult/NextPartNumberMarker") == 0)
                l->next_marker = (unsigned) strtoul(text, NULL, 10);
        return 0;
}

/* Picks up an upload a earlier run left open: the parts the store has from
 * the first on, whole (of the size this file's parts have), are kept; the
 * rest is sent. -ENOENT when the store no longer knows the upload. */
static int multipart_resume(struct multipart *m, const char *id, uint64_t total, uint64_t part, char *err,
                            size_t errlen) {
        struct vmc_store *s = m->s;
        struct part_list l = { .part_size = part, .want = (unsigned) ((total + part - 1) / part) };
        unsigned k = 0;
        int r = 0;

        m->id = strdup(id);
        m->id_enc = m->id ? vmc_uri_encode(m->id, false) : NULL;
        l.etags = calloc(l.want, sizeof(char *));
        l.sizes = calloc(l.want, sizeof(uint64_t));
        if (!m->id_enc || !l.etags || !l.sizes)
                r = -ENOMEM;
        for (unsigned page = 0; r >= 0 && page < PARTS_MAX; page++) {
                struct vmc_sink out = { .max = ANSWER_MAX };
                _cleanup_free_ char *query = NULL;

                /* Sorted: part-number-marker, uploadId. */
                if ((l.next_marker ? asprintf(&query, "part-number-marker=%u&uploadId=%s", l.next_marker, m->id_enc)
                                   : asprintf(&query, "uploadId=%s", m->id_enc)) < 0) {
                        r = -ENOMEM;
                        break;
                }
                l.truncated = false;
                r = request(s, "GET", m->key, m->key, query, NULL, NULL, NULL, &out, NULL, 0, err, errlen);
                if (r == 404) {
                        free(out.buf);
                        r = -ENOENT;
                        break;
                }
                r = expect_success(s, "GET (list parts)", m->key, r, err, errlen);
                if (r >= 0)
                        r = vmc_xml_parse(out.buf ? out.buf : "", out.len, parts_field, &l, err, errlen);
                free(out.buf);
                if (r < 0 || !l.truncated || !l.next_marker)
                        break;
        }
        /* Parts 1..k as they should be; a part after a gap, or of another
         * size, is sent again (the last upload of a part number wins). */
        while (r >= 0 && k < l.want && l.etags[k] &&
               l.sizes[k] == (k + 1 < l.want ? part : total - (uint64_t) k * part))
                k++;
        if (r >= 0 && k > 0) {
                m->etags = calloc(k, sizeof(char *));
                if (!m->etags)
                        r = -ENOMEM;
                for (unsigned i = 0; r >= 0 && i < k; i++)
                        m->etags[i] = TAKE_PTR(l.etags[i]);
                if (r >= 0)
                        m->parts = k;
        }
        for (unsigned i = 0; l.etags && i < l.want; i++)
                free(l.etags[i]);
        free(l.etags);
        free(l.sizes);
        return r;
}

/* Records the open upload (or none) where the caller keeps it. */
static int resume_save(struct vmc_put_resume *res, const char *id) {
        if (!res)
                return 0;
        snprintf(res->upload_id, sizeof(res->upload_id), "%s", id ? id : "");
        return res->save ? res->save(res, res->userdata) : 0;
}

static int put_file(struct vmc_store *s, const char *key, int fd, uint64_t total, struct vmc_put_resume *res,
                    char *err, size_t errlen) {
        struct multipart m = { .s = s, .key = key, .total = total };
        uint64_t part = FILE_PART_SIZE, off = 0;
        unsigned last_tenth = 0;
        int r;

        if (total <= part) {
                struct vmc_body b = { .fd = fd, .size = total, .progress_total = total };
                char d[VMC_SHA256_HEX];

                r = vmc_sha256_fd_range(fd, 0, total, d);
                if (r < 0)
                        return set_error(r, err, errlen, "%s: reading the file for %s: %s", s->name, key,
                                         strerror(-r));
                r = request(s, "PUT", key, key, NULL, &b, d, NULL, NULL, NULL, 0, err, errlen);
                return expect_success(s, "PUT", key, r, err, errlen);
        }
        /* Parts large enough that 10000 of them hold the file. */
        while (part * PARTS_MAX < total && part < PART_SIZE_MAX)
                part = MIN(part * 2, (uint64_t) PART_SIZE_MAX);
        r = -ENOENT;
        if (res && *res->upload_id) {
                r = multipart_resume(&m, res->upload_id, total, part, err, errlen);
                if (r == -ENOENT) {
                        log_warning("%s: %s: the store no longer has upload %s; starting again", s->name, key,
                                    res->upload_id);
                        multipart_done(&m);
                        m = (struct multipart){ .s = s, .key = key, .total = total };
                } else if (r >= 0) {
                        off = MIN((uint64_t) m.parts * part, total);
                        log_info("%s: %s: going on with the upload of an earlier run: %u part%s (%" PRIu64
                                 " MiB) already stored", s->name, key, m.parts, m.parts == 1 ? "" : "s", off >> 20);
                }
        }
        if (r == -ENOENT) {
                r = multipart_begin(&m, err, errlen);
                if (r >= 0)
                        r = resume_save(res, m.id);
        }
        if (res)
                res->resent_from = off;
        while (r >= 0 && off < total) {
                uint64_t len = MIN(part, total - off);

                r = multipart_part(&m, NULL, fd, off, len, err, errlen);
                if (r < 0)
                        break;
                off += len;
                if (off * 10 / total > last_tenth) {
                        last_tenth = (unsigned) (off * 10 / total);
                        log_info("%s: %s: %" PRIu64 " of %" PRIu64 " MiB sent", s->name, key, off >> 20, total >> 20);
                }
        }
        if (r >= 0)
                r = multipart_complete(&m, err, errlen);
        if (r >= 0)
                (void) resume_save(res, NULL);
        else if (m.id && (!res || (r != -EAGAIN && r != -ECANCELED))) {
                /* Refused, damaged, or nowhere to note it: no parts are left
                 * to pay for. A store that is away (or a stop asked for)
                 * keeps the upload, and a later run goes on with it. */
                /* Forgotten only once the store dropped it: otherwise a
                 * later run still knows what to abort. */
                if (multipart_abort(&m) >= 0)
                        (void) resume_save(res, NULL);
        }
        multipart_done(&m);
        return r;
}

/* A stream of unknown length, as a multipart upload sent by
 * STREAM_SENDERS senders (this thread and more), each with its own buffer
 * of PIPE_PART_SIZE and its own connection. They take turns reading the
 * next part (so parts are numbered in stream order) and send their parts
 * at once: one sender reads while the other sends, and when the producer
 * is quicker than the store, two parts are in flight, which hides the
 * store's time for each request (radosgw: tens of ms). */
struct stream_upload {
        struct vmc_store *s;
        struct multipart m;
        struct vmc_stream *in;
        pthread_mutex_t read_lock;      /* held while a sender reads its part */
        pthread_mutex_t lock;           /* m.etags, sent, the failure */
        unsigned next_part;
        bool eof;
        uint64_t sent;
        int error;                      /* the first failure, with its message */
        char err[1024];
};

struct sender {
        struct stream_upload *u;
        struct vmc_transfer *t;
        char *buf;
        pthread_t thread;
};

static void stream_fail(struct stream_upload *u, int r, const char *err) {
        pthread_mutex_lock(&u->lock);
        if (!u->error) {
                u->error = r;
                snprintf(u->err, sizeof(u->err), "%s", *err ? err : strerror(-r));
        }
        pthread_mutex_unlock(&u->lock);
}

static bool stream_failed(struct stream_upload *u) {
        pthread_mutex_lock(&u->lock);
        bool f = u->error != 0;
        pthread_mutex_unlock(&u->lock);
        return f;
}

/* Reads the next part into buf: its number (0: nothing more) and length. */
static int read_next_part(struct stream_upload *u, char *buf, unsigned *part, size_t *len) {
        size_t got = 0;
        ssize_t n = 0;
        int r = 0;

        *part = 0;
        pthread_mutex_lock(&u->read_lock);
        if (!u->eof && !stream_failed(u)) {
                while (got < PIPE_PART_SIZE) {
                        n = u->in->read(u->in->userdata, buf + got, PIPE_PART_SIZE - got);
                        if (n <= 0)
                                break;
                        got += (size_t) n;
                }
                if (n < 0)
                        r = (int) n;
                else {
                        u->eof = got < PIPE_PART_SIZE;
                        if (got > 0 || u->next_part == 0)
                                *part = ++u->next_part;
                }
        }
        pthread_mutex_unlock(&u->read_lock);
        *len = got;
        return r;
}

static void *sender_run(void *userdata) {
        struct sender *w = userdata;
        struct stream_upload *u = w->u;
        struct vmc_store *s = u->s;

        for (;;) {
                char err[1024] = "", etag[128];
                unsigned part;
                size_t len;
                int r = read_next_part(u, w->buf, &part, &len);

                if (r < 0) {
                        snprintf(err, sizeof(err), "%s: reading the stream for %s: %s", s->name, u->m.key,
                                 strerror(-r));
                        stream_fail(u, r, err);
                        break;
                }
                if (part == 0 || stream_failed(u))
                        break;
                r = send_part(&u->m, w->t, part, w->buf, -1, 0, len, etag, err, sizeof(err));
                if (r >= 0) {
                        pthread_mutex_lock(&u->lock);
                        r = record_part(&u->m, part, etag);
                        u->sent += len;
                        if (part % 32 == 0)
                                log_info("%s: %s: %" PRIu64 " MiB sent", s->name, u->m.key, u->sent >> 20);
                        pthread_mutex_unlock(&u->lock);
                }
                if (r < 0) {
                        stream_fail(u, r, err);
                        break;
                }
        }
        return NULL;
}

static int put_stream(struct vmc_store *s, const char *key, struct vmc_stream *in, char *err, size_t errlen) {
        struct s3_store *h = s->priv;
        struct stream_upload u = { .s = s, .m = { .s = s, .key = key }, .in = in };
        struct sender w[STREAM_SENDERS] = {};
        unsigned started = 0, part;
        size_t len;
        int r;

        pthread_mutex_init(&u.read_lock, NULL);
        pthread_mutex_init(&u.lock, NULL);
        for (unsigned i = 0; i < STREAM_SENDERS; i++) {
                w[i] = (struct sender){ .u = &u, .t = i == 0 ? h->t : NULL };
                if (!(w[i].buf = malloc(PIPE_PART_SIZE))) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        /* The first part decides: a stream that ends within it is one PUT. */
        r = read_next_part(&u, w[0].buf, &part, &len);
        if (r < 0) {
                r = set_error(r, err, errlen, "%s: reading the stream for %s: %s", s->name, key, strerror(-r));
                goto out;
        }
        if (u.eof) {
                r = s3_put(s, key, w[0].buf, len, err, errlen);
                goto out;
        }
        r = multipart_begin(&u.m, err, errlen);
        if (r < 0)
                goto out;
        {
                char etag[128], perr[1024] = "";
                r = send_part(&u.m, h->t, part, w[0].buf, -1, 0, len, etag, perr, sizeof(perr));
                if (r >= 0)
                        r = record_part(&u.m, part, etag);
                if (r < 0)
                        stream_fail(&u, r, perr);
                u.sent = len;
        }
        /* The other senders, each on a connection of its own. */
        for (unsigned i = 1; i < STREAM_SENDERS && !u.error; i++) {
                char terr[256];
                if (vmc_transfer_new(s->name, &s->opt, &s->requests, &w[i].t, terr, sizeof(terr)) < 0 ||
                    pthread_create(&w[i].thread, NULL, sender_run, &w[i]) != 0) {
                        vmc_transfer_free(w[i].t);
                        w[i].t = NULL;
                        break; /* fewer senders: slower, not wrong */
                }
                started++;
        }
        if (!u.error)
                sender_run(&w[0]);
        for (unsigned i = 1; i <= started; i++)
                pthread_join(w[i].thread, NULL);
        if (u.error)
                r = set_error(u.error, err, errlen, "%s", u.err);
        else
                r = multipart_complete(&u.m, err, errlen);
out:
        if (r < 0 && u.m.id)
                (void) multipart_abort(&u.m);
        multipart_done(&u.m);
        for (unsigned i = 0; i < STREAM_SENDERS; i++) {
                if (i > 0)
                        vmc_transfer_free(w[i].t);
                free(w[i].buf);
        }
        pthread_mutex_destroy(&u.read_lock);
        pthread_mutex_destroy(&u.lock);
        return r;
}

static int s3_put_fd(struct vmc_store *s, const char *key, int fd, struct vmc_put_resume *res, char *err,
                     size_t errlen) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        return put_file(s, key, fd, (uint64_t) st.st_size, res, err, errlen);
}

static int s3_stat(struct vmc_store *s, const char *key, uint64_t *size, char *err, size_t errlen) {
        struct s3_store *h = s->priv;
        int r = request(s, "HEAD", key, key, NULL, NULL, NULL, NULL, NULL, NULL, 0, err, errlen);

        if (r >= 300 && r != 404)
                return expect_success(s, "HEAD", key, r, err, errlen);
        return vmc_transfer_stat_result(h->t, r, size);
}

static int s3_get(struct vmc_store *s, const char *key, size_t max, char **data, size_t *len, char *err,
                  size_t errlen) {
        struct vmc_sink out = { .max = max };
        int r = request(s, "GET", key, key, NULL, NULL, NULL, NULL, &out, NULL, 0, err, errlen);

        if (r != 404)
                r = expect_success(s, "GET", key, r, err, errlen);
        return vmc_sink_result(&out, r, data, len);
}

/* A GET with "Range: bytes=OFFSET-" (unsigned: SigV4 need not cover it). */
static int s3_get_fd(struct vmc_store *s, const char *key, uint64_t offset, int fd, char *err, size_t errlen) {
        struct s3_store *h = s->priv;
        struct vmc_download d = { .fd = fd, .offset = offset };
        int r = request_on(s, h->t, h->reason, "GET", key, key, NULL, NULL, NULL, NULL, NULL, &d, NULL, 0, err, errlen);

        if (r == 416)
                return vmc_store_range_end(s, key, offset + d.written, err, errlen);
        if (r == 404 && strncmp(h->reason, "NoSuchBucket", 12) != 0)
                return set_error(-ENOENT, err, errlen, "%s: %s: not found", s->name, key);
        return expect_success(s, "GET", key, r, err, errlen);
}

static int s3_delete(struct vmc_store *s, const char *key, char *err, size_t errlen) {
        int r = request(s, "DELETE", key, key, NULL, NULL, NULL, NULL, NULL, NULL, 0, err, errlen);
        return r == 404 ? 0 : expect_success(s, "DELETE", key, r, err, errlen);
}

struct listing {
        const char *full_prefix;        /* "PREFIX/KEYPREFIX/" */
        char **names;
        size_t n, cap;
        bool truncated;
        char *next;
};

static int listing_add(struct listing *l, const char *name, size_t len) {
        size_t plen = strlen(l->full_prefix);

        if (len <= plen || strncmp(name, l->full_prefix, plen) != 0)
                return 0; /* not under the prefix: ignore, as a directory listing would */
        name += plen;
        len -= plen;
        if (name[len - 1] == '/')
                len--;
        if (len == 0 || memchr(name, '/', len))
                return 0;
        if (l->n == l->cap) {
                char **nv = realloc(l->names, (l->cap = MAX(l->cap * 2, (size_t) 16)) * sizeof(char *));
                if (!nv)
                        return -ENOMEM;
                l->names = nv;
        }
        if (!(l->names[l->n] = strndup(name, len)))
                return -ENOMEM;
        l->n++;
        return 0;
}

static int list_field(const char *path, const char *text, size_t len, void *userdata) {
        struct listing *l = userdata;

        if (strcmp(path, "ListBucketResult/Contents/Key") == 0 ||
            strcmp(path, "ListBucketResult/CommonPrefixes/Prefix") == 0)
                return listing_add(l, text, len);
        if (strcmp(path, "ListBucketResult/IsTruncated") == 0)
                l->truncated = strcmp(text, "true") == 0;
        else if (strcmp(path, "ListBucketResult/NextContinuationToken") == 0) {
                free(l->next);
                return (l->next = strdup(text)) ? 0 : -ENOMEM;
        }
        return 0;
}

static int cmp_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int s3_list(struct vmc_store *s, const char *prefix, char ***names, size_t *n, char *err, size_t errlen) {
        struct s3_store *h = s->priv;
        _cleanup_free_ char *full = NULL, *full_enc = NULL;
        struct listing l = {};
        int r;

        if (asprintf(&full, "%s%s/", h->prefix, prefix) < 0)
                return -ENOMEM;
        full_enc = vmc_uri_encode(full, false);
        if (!full_enc)
                return -ENOMEM;
        l.full_prefix = full;
        for (unsigned page = 0;; page++) {
                struct vmc_sink out = { .max = ANSWER_MAX };
                _cleanup_free_ char *query = NULL, *token = NULL;

                if (l.next && !(token = vmc_uri_encode(l.next, false))) {
                        r = -ENOMEM;
                        break;
                }
                /* Each page must bring its own token to go on. */
                free(l.next);
                l.next = NULL;
                /* Sorted by name: continuation-token, delimiter, list-type, prefix. */
                if (asprintf(&query, "%s%s%sdelimiter=%%2F&list-type=2&prefix=%s", token ? "continuation-token=" : "",
                             token ? token : "", token ? "&" : "", full_enc) < 0) {
                        r = -ENOMEM;
                        break;
                }
                l.truncated = false;
                r = request(s, "GET", NULL, prefix, query, NULL, NULL, NULL, &out, NULL, 0, err, errlen);
                r = expect_success(s, "GET (list)", prefix, r, err, errlen);
                if (r >= 0)
                        r = vmc_xml_parse(out.buf ? out.buf : "", out.len, list_field, &l, err, errlen);
                free(out.buf);
                if (r < 0 || !l.truncated)
                        break;
                if (!l.next || page > 100000) {
                        r = set_error(-EIO, err, errlen, "%s: listing %s: truncated answer without a continuation",
                                      s->name, prefix);
                        break;
                }
        }
        free(l.next);
        if (r < 0) {
                vmc_store_names_free(l.names, l.n);
                return r;
        }
        if (l.n > 0) /* l.names is NULL then, which qsort must not get */
                qsort(l.names, l.n, sizeof(char *), cmp_names);
        *names = l.names;
        *n = l.n;
        return 0;
}

static int s3_abort_upload(struct vmc_store *s, const char *key, const char *upload_id, char *err, size_t errlen) {
        _cleanup_free_ char *enc = vmc_uri_encode(upload_id, false), *query = NULL;
        int r;

        if (!enc || asprintf(&query, "uploadId=%s", enc) < 0)
                return -ENOMEM;
        r = request(s, "DELETE", key, key, query, NULL, NULL, NULL, NULL, NULL, 0, err, errlen);
        /* 404: the store dropped it already (NoSuchUpload). */
        return r == 404 ? 0 : expect_success(s, "DELETE (abort multipart upload)", key, r, err, errlen);
}

const struct vmc_store_ops vmc_store_s3_ops = {
        .open = s3_open,
        .close = s3_close,
        .put = s3_put,
        .put_fd = s3_put_fd,
        .put_stream = put_stream,
        .stat = s3_stat,
        .get = s3_get,
        .delete = s3_delete,
        .abort_upload = s3_abort_upload,
        .list = s3_list,
        .get_fd = s3_get_fd,
};
