/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Requests of the network stores (https, s3, sftp) over one libcurl handle,
 * with the store's timeouts, stall detection and retries: exponential
 * backoff with jitter, one log line per failed attempt, and no retry where
 * another attempt cannot help (4xx answers, untrusted certificates or host
 * keys, refused logins). */

#include <stdbool.h>
#include <stdint.h>

#include "curl-dl.h"
#include "store.h"

struct vmc_transfer;

/* What a request sends: memory, or a range of a file. */
struct vmc_body {
        const char *data;               /* from memory, or */
        int fd;                         /* from fd (-1: memory or stream) */
        struct vmc_stream *stream;      /* with size VMC_BODY_STREAM */
        int stream_error;               /* out: the stream's error, if it failed */
        uint64_t start;                 /* offset of the body in fd */
        uint64_t size;                  /* VMC_BODY_STREAM: stream is read to its end */
        uint64_t off;                   /* progress of the current attempt */
        uint64_t progress_base;         /* where this body starts in the file being sent */
        uint64_t progress_total;        /* that file's size; 0: no progress reports */
};

#define VMC_BODY_STREAM UINT64_MAX

/* Where an answer's body goes, bounded. */
struct vmc_sink {
        char *buf;                      /* NUL-terminated */
        size_t len, max;
        bool too_big;
        bool lossy;                     /* keep the first max bytes, drop the rest */
};

/* Where a GET's body goes when it is a whole object (a dump of GBs): to fd
 * as it arrives, from byte offset of the object on. An attempt that fails
 * midway is taken up by the next one where it stopped (a Range from offset
 * + written), so nothing is written twice. Error answers' bodies do not go
 * to fd. */
struct vmc_download {
        int fd;
        uint64_t offset;
        uint64_t written;               /* out: bytes written to fd */
        int error;                      /* out: a failed write's -errno */
        /* The current attempt's, kept by the transfer. */
        uint64_t from;                  /* the object's byte it asked for first */
        bool started;                   /* the answer's body began */
        bool to_fd;                     /* a 2xx answer: the body is the object's */
        uint64_t skip;                  /* bytes to drop: a 200 answer to a Range */
        uint64_t total;                 /* the object's size; 0: unknown */
};

/* What a store's get returns after a GET that ended with r: the sink's
 * text handed to the caller ("" when empty) for r >= 0, -ENOENT for 404,
 * else r; the sink is freed when not handed over. */
int vmc_sink_result(struct vmc_sink *s, int r, char **data, size_t *len);

struct vmc_request {
        const char *method;             /* GET, HEAD, PUT, POST, DELETE */
        const char *url;
        const char *what;               /* for messages: usually the key */
        struct vmc_body *body;          /* PUT, POST */
        struct vmc_sink *out;           /* NULL: discarded */
        struct vmc_download *download;  /* GET: the body goes there, not to out */
        struct curl_slist *headers;
        /* Backend options (authentication, keys), set for every attempt. */
        void (*setup)(const struct vmc_curl *c, CURL *e, void *userdata);
        void *userdata;
        /* The server's reason for a failed answer ("SignatureDoesNotMatch"),
         * from its body; NULL: none. */
        void (*explain)(const char *body, char *buf, size_t buflen);
        char etag[128];                 /* out: the answer's ETag, if any */
        char reason[256];               /* out: explain()'s words on a 4xx/5xx answer */
};

/* Percent-encodes all but A-Z a-z 0-9 - . _ ~ (and '/' when keep_slash),
 * with uppercase hex: what SigV4 canonicalizes to, and safe in any URL
 * path or query value. */
char *vmc_uri_encode(const char *s, bool keep_slash);

/* Every attempt (each one a request to the store) is counted in *requests
 * (atomically: S3's senders share one counter); NULL: not counted. */
int vmc_transfer_new(const char *store_name, const struct vmc_store_options *opt, uint64_t *requests,
                     struct vmc_transfer **ret, char *err, size_t errlen);
void vmc_transfer_free(struct vmc_transfer *t);

/* Runs rq until it succeeds or fails for good. Returns the HTTP status
 * below 400 (200 for SFTP; callers decide what a 3xx means: redirects are
 * not followed), 404 when the object does not exist (also SFTP's "no such
 * file"), 412 when a condition failed, 416 when a download's range starts
 * beyond the object's end (also SFTP's), or a negative errno with err set:
 * -EACCES for a refused request (401, 403, a refused login), -EAGAIN when
 * the retries ran out on failures that a later run may not meet (the
 * store down, 5xx), -EIO otherwise. */
int vmc_transfer_run(struct vmc_transfer *t, struct vmc_request *rq, char *err, size_t errlen);

/* What a store's stat returns after a HEAD that ended with r: r when
 * negative, 0 for 404, else 1 and the object's size. */
int vmc_transfer_stat_result(struct vmc_transfer *t, int r, uint64_t *size);

/* The handle of the last request, for curl_easy_getinfo. */
CURL *vmc_transfer_handle(struct vmc_transfer *t);
const struct vmc_curl *vmc_transfer_curl(struct vmc_transfer *t);
