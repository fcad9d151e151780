/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Crash stores: one small interface, a backend chosen by the URL's scheme.
 * Keys are relative paths ("v1/crashes/ID/report.json"). A stored object is
 * whole or absent: a reader never sees half of one. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

#include "credentials.h"
#include "store-url.h"

struct vmc_store;

struct vmc_store_options {
        unsigned connect_timeout;       /* seconds */
        unsigned stall_timeout;         /* seconds without progress */
        unsigned retries;
        const char *ca_file;            /* NULL or "": the system's */
        const char *ssh_key;            /* sftp: the client's private key */
        const char *ssh_host_key;       /* sftp: the server's key, SHA256:... */
        /* Called as a file goes out (sent bytes of total), or NULL. */
        void (*progress)(void *userdata, uint64_t sent, uint64_t total);
        void *progress_userdata;
        /* When *cancel becomes non-zero (a signal handler sets it), the
         * transfer in progress stops at once with -ECANCELED; what the
         * store has of an upload is kept for the next run. */
        volatile sig_atomic_t *cancel;
};

/* -EPROTONOSUPPORT with a message for a scheme this build cannot store to
 * yet; the URL and credentials must outlive the store. */
int vmc_store_open(const struct vmc_store_url *url, const struct vmc_credentials *cred,
                   const struct vmc_store_options *opt, struct vmc_store **ret, char *err, size_t errlen);
void vmc_store_close(struct vmc_store *s);

/* Another connection to the same store (same URL, credentials and
 * options), for requests in parallel from another thread; its requests
 * count in s's once it is closed. s must outlive it. */
int vmc_store_clone(struct vmc_store *s, struct vmc_store **ret, char *err, size_t errlen);

/* A human name for messages ("file:///srv/crashes"). */
const char *vmc_store_name(const struct vmc_store *s);

/* Stores len bytes under key, replacing what was there. */
int vmc_store_put(struct vmc_store *s, const char *key, const void *data, size_t len, char *err, size_t errlen);

/* Stores the contents of fd (from its start to its end) under key. A pipe
 * is read to its end, as vmc_store_put_stream(). */
int vmc_store_put_fd(struct vmc_store *s, const char *key, int fd, char *err, size_t errlen);

/* A stream of unknown length whose producer can fail (makedumpfile writing
 * to a pipe): read gives up to len bytes, 0 at the end, or a negative
 * errno. It may be called from another thread than the caller's (S3 reads
 * the next part while the current one is sent), never from two at once. */
struct vmc_stream {
        ssize_t (*read)(void *userdata, void *buf, size_t len);
        void *userdata;
};

/* Stores a stream with bounded memory whatever its length. A stream that
 * fails leaves nothing under key (S3: the multipart upload is aborted). */
int vmc_store_put_stream(struct vmc_store *s, const char *key, struct vmc_stream *in, char *err, size_t errlen);

/* A long upload's progress, kept by the caller (in the spool) so that a
 * later run resumes it instead of sending everything again. S3 keeps the
 * multipart upload id: the parts the store already has are asked of it
 * (ListParts) and not sent again. Other stores start over. */
struct vmc_put_resume {
        char upload_id[512];            /* in/out; "" when none is open */
        /* Called when upload_id changes (opened, completed, aborted);
         * a negative return stops the upload. */
        int (*save)(struct vmc_put_resume *r, void *userdata);
        void *userdata;
        uint64_t resent_from;           /* out: offset the upload went on from */
};

/* Gives up an upload a vmc_put_resume recorded (S3: aborts the multipart
 * upload, so the store drops its parts); nothing to do for other stores. */
int vmc_store_abort_upload(struct vmc_store *s, const char *key, const char *upload_id, char *err, size_t errlen);

int vmc_store_put_fd_resumable(struct vmc_store *s, const char *key, int fd, struct vmc_put_resume *res, char *err,
                               size_t errlen);

/* 1 and the size when key exists, 0 when it does not. */
int vmc_store_stat(struct vmc_store *s, const char *key, uint64_t *size, char *err, size_t errlen);

/* Reads a small object (at most max bytes) into a new buffer. -ENOENT when
 * absent. */
int vmc_store_get(struct vmc_store *s, const char *key, size_t max, char **data, size_t *len, char *err,
                  size_t errlen);

/* Removes key; an absent key is not an error. */
int vmc_store_delete(struct vmc_store *s, const char *key, char *err, size_t errlen);

/* Downloads key from byte offset to its end, writing to fd at fd's current
 * position (a resumed download opens its partial file with O_APPEND and
 * passes the partial file's size). Memory is bounded whatever the object's
 * size; opt.progress is called as it arrives (received bytes of total, both
 * counting from 0, not from offset). -ENOENT when key is absent, -ERANGE
 * when offset is beyond the object's end. */
int vmc_store_get_fd(struct vmc_store *s, const char *key, uint64_t offset, int fd, char *err, size_t errlen);

/* Requests made to the store since it was opened: HTTP requests (S3, HTTPS;
 * each page of a listing counts, and each retry), SFTP operations, or
 * file-system operations on a file:// store (one per object read, written,
 * listed or removed). The fleet commands report it as their cost. */
uint64_t vmc_store_requests(const struct vmc_store *s);

/* The keys directly under prefix/ (names only, not recursive), sorted. An
 * HTTPS store lists where the server offers it (nginx's autoindex in JSON
 * form); elsewhere it is -EOPNOTSUPP. */
int vmc_store_list(struct vmc_store *s, const char *prefix, char ***names, size_t *n, char *err, size_t errlen);

void vmc_store_names_free(char **names, size_t n);
