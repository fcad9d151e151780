/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sftp://USER@HOST[:PORT]/PATH: objects are files under the absolute
 * directory PATH, over libcurl's SFTP (libssh2). The client logs in with a
 * key ([store] ssh_key: Ed25519 or ECDSA; libssh2 1.10 signs RSA only with
 * SHA-1, which OpenSSH 9 refuses) and the server's host key must match the
 * pinned [store] ssh_host_key: there is no trust on first use.
 *
 * An object is written to a part file and renamed into place when
 * complete, so a reader never sees half of one: KEY.RANDOM.part, this
 * writer's alone, or KEY.part for a dump. A dump whose KEY.part an earlier
 * run left (a kill, a power cut, the server away) is continued from the
 * size the server has, not sent again. SFTP's rename does not replace
 * (OpenSSH's server links, then unlinks), so replacing an object removes
 * the old one first: in that short gap the key is absent, never partial. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "store-backend.h"
#include "transfer.h"
#include "util.h"

#define LIST_MAX ((size_t) 16 << 20)
/* What the caller records (vmc_put_resume.upload_id) while KEY.part is ours. */
#define SFTP_UPLOAD_MARK "sftp:part"

struct sftp_store {
        struct vmc_transfer *t;
        struct vmc_store *s;
        char *base;                     /* sftp://host:port */
        char *dir;                      /* /abs/path (no trailing slash) */
        char *public_key;               /* ssh_key.pub if present */
        char *host_sha256;              /* base64 without padding, as curl wants it */
};

/* One call's options on top of the login. */
struct call {
        struct sftp_store *h;
        struct curl_slist *quote, *postquote;
        bool create_dirs, dirlist;
        bool resume;                    /* append to what KEY.part has */
        struct vmc_download *download;  /* a GET's body to a file */
};

static void sftp_close(struct vmc_store *s) {
        struct sftp_store *h = s->priv;
        if (!h)
                return;
        vmc_transfer_free(h->t);
        free(h->base);
        free(h->dir);
        free(h->public_key);
        free(h->host_sha256);
        free(h);
        s->priv = NULL;
}

/* "SHA256:AbC..." (as ssh-keygen -l prints it) or bare base64, with or
 * without '=' padding; curl wants it bare and unpadded. */
static char *host_key_sha256(const char *pin) {
        size_t len;
        char *out;

        if (strncmp(pin, "SHA256:", 7) == 0)
                pin += 7;
        len = strlen(pin);
        while (len > 0 && pin[len - 1] == '=')
                len--;
        if (len != 43)
                return NULL; /* 32 bytes of base64 */
        for (size_t i = 0; i < len; i++)
                if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", pin[i]))
                        return NULL;
        out = strndup(pin, len);
        return out;
}

static int sftp_open(struct vmc_store *s, char *err, size_t errlen) {
        const struct vmc_store_url *u = s->url;
        struct sftp_store *h;
        struct stat st;
        int r;

        if (!s->opt.ssh_key || !*s->opt.ssh_key)
                return set_error(-EINVAL, err, errlen, "%s: an sftp store needs [store] ssh_key (an Ed25519 private key)",
                                 s->name);
        if (!s->opt.ssh_host_key || !*s->opt.ssh_host_key)
                return set_error(-EINVAL, err, errlen,
                                 "%s: an sftp store needs [store] ssh_host_key, the server's key fingerprint "
                                 "(ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the server)",
                                 s->name);
        if (stat(s->opt.ssh_key, &st) < 0)
                return set_error(-errno, err, errlen, "%s: [store] ssh_key %s: %s", s->name, s->opt.ssh_key,
                                 strerror(errno));
        if (st.st_mode & 077)
                return set_error(-EPERM, err, errlen,
                                 "%s: [store] ssh_key %s is readable by group or others (mode %04o); chmod 600 it",
                                 s->name, s->opt.ssh_key, (unsigned) (st.st_mode & 07777));
        if (!*u->path || strcmp(u->path, "/") == 0)
                return set_error(-EINVAL, err, errlen, "%s: an sftp store needs a directory (sftp://user@host/srv/crashes)",
                                 s->name);
        /* SFTP quote commands (rename, rm) split their arguments at spaces
         * and take quotes and backslashes as syntax. */
        if (strpbrk(u->path, " \t\"\\'"))
                return set_error(-EINVAL, err, errlen,
                                 "%s: the sftp directory must not contain spaces, quotes or backslashes", s->name);
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        s->priv = h;
        h->s = s;
        h->host_sha256 = host_key_sha256(s->opt.ssh_host_key);
        if (!h->host_sha256) {
                sftp_close(s);
                return set_error(-EINVAL, err, errlen,
                                 "%s: [store] ssh_host_key must be a SHA256 fingerprint (SHA256:43 base64 characters)",
                                 s->name);
        }
        r = vmc_transfer_new(s->name, &s->opt, &s->requests, &h->t, err, errlen);
        if (r < 0) {
                sftp_close(s);
                return r;
        }
        if ((u->port ? asprintf(&h->base, "sftp://%s:%u", u->host, u->port) : asprintf(&h->base, "sftp://%s", u->host)) <
            0) {
                h->base = NULL;
                sftp_close(s);
                return -ENOMEM;
        }
        h->dir = strdup(u->path);
        if (!h->dir) {
                sftp_close(s);
                return -ENOMEM;
        }
        if (asprintf(&h->public_key, "%s.pub", s->opt.ssh_key) < 0) {
                h->public_key = NULL;
                sftp_close(s);
                return -ENOMEM;
        }
        if (access(h->public_key, R_OK) < 0) {
                /* libssh2 derives it from the private key. */
                free(h->public_key);
                h->public_key = NULL;
        }
        return 0;
}

/* Each quote command is an SFTP operation of its own (the transfer
 * counts the attempt itself). */
static uint64_t count_commands(const struct curl_slist *l) {
        uint64_t n = 0;
        for (; l; l = l->next)
                n++;
        return n;
}

static void setup_ssh(const struct vmc_curl *c, CURL *e, void *userdata) {
        struct call *call = userdata;
        struct sftp_store *h = call->h;

        vmc_store_count(h->s, count_commands(call->quote) + count_commands(call->postquote));

        c->easy_setopt(e, CURLOPT_USERNAME, h->s->url->user);
        c->easy_setopt(e, CURLOPT_PASSWORD, "");
        c->easy_setopt(e, CURLOPT_SSH_AUTH_TYPES, (long) CURLSSH_AUTH_PUBLICKEY);
        c->easy_setopt(e, CURLOPT_SSH_PRIVATE_KEYFILE, h->s->opt.ssh_key);
        if (h->public_key)
                c->easy_setopt(e, CURLOPT_SSH_PUBLIC_KEYFILE, h->public_key);
        c->easy_setopt(e, CURLOPT_SSH_HOST_PUBLIC_KEY_SHA256, h->host_sha256);
        if (call->create_dirs)
                c->easy_setopt(e, CURLOPT_FTP_CREATE_MISSING_DIRS, (long) CURLFTP_CREATE_DIR);
        if (call->quote)
                c->easy_setopt(e, CURLOPT_QUOTE, call->quote);
        if (call->postquote)
                c->easy_setopt(e, CURLOPT_POSTQUOTE, call->postquote);
        if (call->dirlist)
                c->easy_setopt(e, CURLOPT_DIRLISTONLY, 1L);
        if (call->resume)
                /* -1: curl asks the server the size of KEY.part at every
                 * attempt, seeks the body there (seek_body) and appends, so
                 * a retry after a cut goes on from what arrived. */
                c->easy_setopt(e, CURLOPT_RESUME_FROM_LARGE, (curl_off_t) -1);
}

/* The URL of a path under the store directory (percent-encoded; curl
 * decodes it). */
static char *url_of(struct sftp_store *h, const char *rel, const char *suffix) {
        _cleanup_free_ char *path = NULL, *enc = NULL;
        char *url;

        if (asprintf(&path, "%s/%s%s", h->dir, rel, suffix) < 0 || !(enc = vmc_uri_encode(path, true)))
                return NULL;
        return asprintf(&url, "%s%s", h->base, enc) < 0 ? NULL : url;
}

static int run(struct vmc_store *s, const char *method, const char *url, const char *what, struct vmc_body *body,
               struct vmc_sink *out, struct call *call, char *err, size_t errlen) {
        struct vmc_request rq = {
                .method = method,
                .url = url,
                .what = what,
                .body = body,
                .out = out,
                .download = call->download,
                .setup = setup_ssh,
                .userdata = call,
        };
        return vmc_transfer_run(((struct sftp_store *) s->priv)->t, &rq, err, errlen);
}

/* SFTP quote commands take a path in double quotes when it has spaces;
 * keys never do (store.c refuses them), so plain paths are enough. */
static int sftp_stat(struct vmc_store *s, const char *key, uint64_t *size, char *err, size_t errlen);
static int sftp_delete(struct vmc_store *s, const char *key, char *err, size_t errlen);

/* The part is whole but the rename failed: another writer stored the key
 * between the removal and the rename. The last writer wins, as on the
 * other backends: remove and rename again, a few times; otherwise the part
 * goes. */
static int replace_with_part(struct vmc_store *s, const char *key, const char *part, const char *rm,
                             const char *mv, char *err, size_t errlen) {
        struct sftp_store *h = s->priv;
        const struct vmc_curl *c = vmc_transfer_curl(h->t);
        _cleanup_free_ char *url = url_of(h, "", "");
        int r = -EIO;

        if (!url)
                return -ENOMEM;
        for (int attempt = 0; attempt < 3 && r < 0; attempt++) {
                struct call call = { .h = h };
                struct curl_slist *l;

                call.quote = c->slist_append(NULL, rm);
                l = call.quote ? c->slist_append(call.quote, mv) : NULL;
                if (!l) {
                        c->slist_free_all(call.quote);
                        return -ENOMEM;
                }
                r = run(s, "HEAD", url, key, NULL, NULL, &call, err, errlen);
                c->slist_free_all(call.quote);
        }
        if (r < 0)
                (void) sftp_delete(s, part, NULL, 0);
        return r;
}

static int upload(struct vmc_store *s, const char *key, struct vmc_body *body, struct vmc_put_resume *res,
                  char *err, size_t errlen) {
        struct sftp_store *h = s->priv;
        const struct vmc_curl *c = vmc_transfer_curl(h->t);
        _cleanup_free_ char *url = NULL, *rm = NULL, *mv = NULL, *part = NULL;
        struct call call = { .h = h, .create_dirs = true };
        char suffix[32] = ".part";
        int r;

        if (!res || body->fd < 0 || body->size == VMC_BODY_STREAM) {
                /* Nothing to continue: a part of its own, so that two
                 * writers of one key (two indexers storing catalog.json)
                 * never write into, or rename, each other's. */
                uint8_t rnd[6];
                if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t) sizeof(rnd))
                        return -errno ?: -EIO;
                snprintf(suffix, sizeof(suffix), ".%02x%02x%02x%02x%02x%02x.part", rnd[0], rnd[1], rnd[2], rnd[3],
                         rnd[4], rnd[5]);
        } else {
                /* A KEY.part is continued only when the caller's record
                 * says this upload started it; anything else there is
                 * removed first, so nothing is ever appended to a stranger. */
                bool ours = strcmp(res->upload_id, SFTP_UPLOAD_MARK) == 0;
                uint64_t have = 0;

                if (asprintf(&part, "%s.part", key) < 0)
                        return -ENOMEM;
                r = sftp_stat(s, part, &have, err, errlen);
                if (r < 0)
                        return r;
                if (r > 0 && (!ours || have >= body->size)) {
                        r = sftp_delete(s, part, err, errlen);
                        if (r < 0)
                                return r;
                } else if (r > 0 && have > 0) {
                        log_info("%s: %s: going on from %" PRIu64 " MiB that an earlier run sent", s->name, key,
                                 have >> 20);
                        res->resent_from = body->progress_base = have;
                }
                if (!ours) {
                        snprintf(res->upload_id, sizeof(res->upload_id), "%s", SFTP_UPLOAD_MARK);
                        if (res->save && (r = res->save(res, res->userdata)) < 0)
                                return r;
                }
                call.resume = true;
        }
        url = url_of(h, key, suffix);
        if (!url || (!part && asprintf(&part, "%s%s", key, suffix) < 0) ||
            asprintf(&rm, "*rm %s/%s", h->dir, key) < 0 ||
            asprintf(&mv, "rename %s/%s %s/%s", h->dir, part, h->dir, key) < 0)
                return -ENOMEM;
        call.postquote = c->slist_append(NULL, rm);
        if (call.postquote) {
                struct curl_slist *l = c->slist_append(call.postquote, mv);
                if (!l) {
                        c->slist_free_all(call.postquote);
                        call.postquote = NULL;
                }
        }
        if (!call.postquote)
                return -ENOMEM;
        r = run(s, "PUT", url, key, body, NULL, &call, err, errlen);
        c->slist_free_all(call.postquote);
        if (r < 0 && r != -ECANCELED && !call.resume && sftp_stat(s, part, NULL, NULL, 0) > 0)
                r = replace_with_part(s, key, part, rm, mv, err, errlen);
        else if (r < 0 && !call.resume)
                (void) sftp_delete(s, part, NULL, 0); /* no one would continue it */
        if (r == 404)
                r = set_error(-ENOENT, err, errlen, "%s: PUT %s: no such directory", s->name, key);
        if (r >= 0 && call.resume) {
                res->upload_id[0] = '\0';
                if (res->save)
                        (void) res->save(res, res->userdata);
        }
        return r < 0 ? r : 0;
}

static int sftp_put(struct vmc_store *s, const char *key, const void *data, size_t len, char *err, size_t errlen) {
        struct vmc_body b = { .data = data, .fd = -1, .size = len };
        return upload(s, key, &b, NULL, err, errlen);
}

static int sftp_put_fd(struct vmc_store *s, const char *key, int fd, struct vmc_put_resume *res, char *err,
                       size_t errlen) {

        struct vmc_body b = { .fd = fd };
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        b.size = b.progress_total = (uint64_t) st.st_size;
        return upload(s, key, &b, res, err, errlen);
}

/* A stream goes to its end into NAME.part, renamed only when whole. */
static int sftp_put_stream(struct vmc_store *s, const char *key, struct vmc_stream *in, char *err, size_t errlen) {
        struct vmc_body b = { .fd = -1, .stream = in, .size = VMC_BODY_STREAM };
        return upload(s, key, &b, NULL, err, errlen);
}

static int sftp_stat(struct vmc_store *s, const char *key, uint64_t *size, char *err, size_t errlen) {
        struct sftp_store *h = s->priv;
        _cleanup_free_ char *url = url_of(h, key, "");
        struct call call = { .h = h };
        int r;

        if (!url)
                return -ENOMEM;
        r = run(s, "HEAD", url, key, NULL, NULL, &call, err, errlen);
        return vmc_transfer_stat_result(h->t, r, size);
}

static int sftp_get(struct vmc_store *s, const char *key, size_t max, char **data, size_t *len, char *err,
                    size_t errlen) {
        struct sftp_store *h = s->priv;
        _cleanup_free_ char *url = url_of(h, key, "");
        struct call call = { .h = h };
        struct vmc_sink out = { .max = max };
        int r;

        if (!url)
                return -ENOMEM;
        r = run(s, "GET", url, key, NULL, &out, &call, err, errlen);
        return vmc_sink_result(&out, r, data, len);
}

static int sftp_delete(struct vmc_store *s, const char *key, char *err, size_t errlen) {
        struct sftp_store *h = s->priv;
        const struct vmc_curl *c = vmc_transfer_curl(h->t);
        _cleanup_free_ char *url = url_of(h, "", ""), *rm = NULL;
        struct call call = { .h = h };
        int r;

        /* "rm" of a missing file and of a forbidden one fail alike; look
         * first, so that only a real failure is an error. */
        r = sftp_stat(s, key, NULL, err, errlen);
        if (r <= 0)
                return r;
        if (!url || asprintf(&rm, "rm %s/%s", h->dir, key) < 0)
                return -ENOMEM;
        call.quote = c->slist_append(NULL, rm);
        if (!call.quote)
                return -ENOMEM;
        r = run(s, "HEAD", url, key, NULL, NULL, &call, err, errlen);
        c->slist_free_all(call.quote);
        /* Removed by someone else between the look and the "rm" (two
         * indexers at once): absent is what was asked. */
        if (r < 0 && r != -ECANCELED && sftp_stat(s, key, NULL, NULL, 0) == 0)
                r = 0;
        return r < 0 ? r : 0;
}

/* curl resumes an SFTP download at the offset (CURLOPT_RESUME_FROM_LARGE);
 * an offset beyond the end comes back as 416 (transfer.c). */
static int sftp_get_fd(struct vmc_store *s, const char *key, uint64_t offset, int fd, char *err, size_t errlen) {
        struct sftp_store *h = s->priv;
        _cleanup_free_ char *url = url_of(h, key, "");
        struct vmc_download d = { .fd = fd, .offset = offset };
        struct call call = { .h = h, .download = &d };
        int r;

        if (!url)
                return -ENOMEM;
        r = run(s, "GET", url, key, NULL, NULL, &call, err, errlen);
        if (r == 416)
                return vmc_store_range_end(s, key, offset + d.written, err, errlen);
        if (r == 404)
                return set_error(-ENOENT, err, errlen, "%s: %s: not found", s->name, key);
        return r < 0 ? r : 0;
}

static int cmp_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int sftp_list(struct vmc_store *s, const char *prefix, char ***names, size_t *n, char *err, size_t errlen) {
        struct sftp_store *h = s->priv;
        _cleanup_free_ char *url = url_of(h, prefix, "/");
        struct call call = { .h = h, .dirlist = true };
        struct vmc_sink out = { .max = LIST_MAX };
        char **v = NULL;
        size_t count = 0, cap = 0;
        int r;

        if (!url)
                return -ENOMEM;
        r = run(s, "GET", url, prefix, NULL, &out, &call, err, errlen);
        if (r == 404) {
                free(out.buf);
                return 0;
        }
        if (r < 0) {
                free(out.buf);
                return r;
        }
        for (char *line = out.buf, *next; line && *line; line = next) {
                size_t len = strcspn(line, "\r\n");
                next = line + len + strspn(line + len, "\r\n");
                /* ., .., hidden files, and uploads still in progress. */
                if (len == 0 || line[0] == '.' || (len > 5 && strncmp(line + len - 5, ".part", 5) == 0))
                        continue;
                if (count == cap) {
                        char **nv = realloc(v, (cap = MAX(cap * 2, (size_t) 16)) * sizeof(char *));
                        if (!nv)
                                goto oom;
                        v = nv;
                }
                if (!(v[count] = strndup(line, len)))
                        goto oom;
                count++;
        }
        free(out.buf);
        if (count > 0) /* v is NULL then, which qsort must not get */
                qsort(v, count, sizeof(char *), cmp_names);
        *names = v;
        *n = count;
        return 0;
oom:
        free(out.buf);
        vmc_store_names_free(v, count);
        return -ENOMEM;
}

const struct vmc_store_ops vmc_store_sftp_ops = {
        .open = sftp_open,
        .close = sftp_close,
        .put = sftp_put,
        .put_fd = sftp_put_fd,
        .put_stream = sftp_put_stream,
        .stat = sftp_stat,
        .get = sftp_get,
        .delete = sftp_delete,
        .list = sftp_list,
        .get_fd = sftp_get_fd,
};
