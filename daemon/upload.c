/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"
#include "fileio.h"
#include "layout.h"
#include "log.h"
#include "upload.h"
#include "util.h"

#define SMALL_MAX (16U << 20)

static double now_ms(void) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double) t.tv_sec * 1e3 + (double) t.tv_nsec / 1e6;
}

int vmc_upload_open_crash(const char *spool, const char *crash_id, int *ret) {
        _cleanup_free_ char *path = NULL;
        int fd;

        if (asprintf(&path, "%s/%s", spool, crash_id) < 0)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* One vmcored at a time per crash (run's pass and a vmcored upload
         * by hand, or two collects of one dump): held until fd is closed. */
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                int r = errno == EWOULDBLOCK ? -EBUSY : -errno;
                close(fd);
                return r;
        }
        *ret = fd;
        return 0;
}

/* A small spool file, whole. */
static int read_small(int dirfd, const char *name, char **data, size_t *len) {
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        ssize_t n;
        int fd, r = 0;

        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t) st.st_size > SMALL_MAX)
                r = -EFBIG;
        if (r >= 0 && !(buf = malloc((size_t) st.st_size + 1)))
                r = -ENOMEM;
        if (r >= 0) {
                n = pread(fd, buf, (size_t) st.st_size, 0);
                if (n != st.st_size)
                        r = n < 0 ? -errno : -EIO;
        }
        close(fd);
        if (r < 0)
                return r;
        buf[st.st_size] = '\0';
        *len = (size_t) st.st_size;
        *data = TAKE_PTR(buf);
        return 0;
}

static int write_small(int dirfd, const char *name, const char *text) {
        return write_file_atomic(dirfd, name, text, strlen(text), 0644);
}

static int store_small(struct vmc_upload *u, int dirfd, const char *file, const char *key) {
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r = read_small(dirfd, file, &data, &len);

        if (r < 0)
                return set_error(r, u->err, sizeof(u->err), "spool: %s: %s", file, strerror(-r));
        return vmc_store_put(u->store, key, data, len, u->err, sizeof(u->err));
}

/* Marks a stage done, durably, before going on. */
static int stage_done(int dirfd, struct vmc_spool_state *s, enum vmc_stage stage) {
        s->stored[stage] = true;
        return vmc_spool_state_save(dirfd, s);
}

/* Counts the fingerprint's records that say a dump is stored, up to limit:
 * a common crash has many records, and each is one request to the store. */
static int count_dumps(struct vmc_upload *u, const struct vmc_spool_state *s, unsigned limit, unsigned *ret) {
        _cleanup_free_ char *dir = vmc_key_fingerprint_dir(s->fingerprint);
        char **names = NULL;
        size_t n = 0;
        unsigned count = 0;
        int r;

        if (!dir)
                return -ENOMEM;
        r = vmc_store_list(u->store, dir, &names, &n, u->err, sizeof(u->err));
        for (size_t i = 0; r >= 0 && i < n && count < limit; i++) {
                _cleanup_free_ char *key = NULL, *data = NULL;
                json_object *o, *d;
                size_t len;

                if (asprintf(&key, "%s/%s", dir, names[i]) < 0) {
                        r = -ENOMEM;
                        break;
                }
                r = vmc_store_get(u->store, key, SMALL_MAX, &data, &len, u->err, sizeof(u->err));
                if (r == -ENOENT) {
                        r = 0; /* removed since the listing */
                        continue;
                }
                if (r < 0)
                        break; /* not counted short: decided on a later run */
                o = json_tokener_parse(data);
                if (o && json_object_object_get_ex(o, "dump", &d) && json_object_get_boolean(d))
                        count++;
                json_object_put(o);
        }
        vmc_store_names_free(names, n);
        *ret = count;
        return r;
}

static int store_inbox(struct vmc_upload *u, int dirfd, const char *crash_id, bool dump) {
        _cleanup_free_ char *key = vmc_key_inbox(crash_id, dump);
        return key ? store_small(u, dirfd, "fingerprint.json", key) : -ENOMEM;
}

int vmc_upload_first(struct vmc_upload *u, int dirfd, struct vmc_spool_state *s) {
        const struct vmc_config *cfg = &u->st->cfg;
        static const struct {
                enum vmc_stage stage;
                const char *file;
        } first[] = {
                { VMC_STAGE_FINGERPRINT, "fingerprint.json" },
                { VMC_STAGE_REPORT, "report.json" },
                { VMC_STAGE_DMESG, "dmesg.txt" },
        };
        int r;

        u->err[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(first); i++) {
                _cleanup_free_ char *key = NULL;

                if (s->stored[first[i].stage])
                        continue;
                key = first[i].stage == VMC_STAGE_FINGERPRINT ? vmc_key_fingerprint(s->fingerprint, s->crash_id)
                                                               : vmc_key_crash(s->crash_id, first[i].file);
                if (!key)
                        return -ENOMEM;
                r = store_small(u, dirfd, first[i].file, key);
                /* The fleet index's inbox: after v1/fingerprints/, so that a
                 * rebuild of the index from there misses nothing. */
                if (r >= 0 && first[i].stage == VMC_STAGE_FINGERPRINT)
                        r = store_inbox(u, dirfd, s->crash_id, false);
                if (r >= 0)
                        r = stage_done(dirfd, s, first[i].stage);
                if (r < 0)
                        return r;
                if (first[i].stage == VMC_STAGE_FINGERPRINT)
                        log_info("fingerprint %s of crash %s stored in %s (%.0f ms after start)", s->fingerprint,
                                 s->crash_id, vmc_store_name(u->store), now_ms() - u->t0);
        }
        if (s->dump == VMC_DUMP_UNDECIDED) {
                unsigned dumps = 0;

                r = count_dumps(u, s, cfg->dumps_per_fingerprint, &dumps);
                if (r == -EOPNOTSUPP) {
                        log_warning("%s; [upload] dump = unknown cannot count dumps there: storing this one", u->err);
                        u->err[0] = '\0';
                        s->dump = VMC_DUMP_WANTED;
                } else if (r < 0)
                        return r;
                else if (dumps >= cfg->dumps_per_fingerprint) {
                        log_info("the store holds %u dumps of fingerprint %s: this one is not captured", dumps,
                                 s->fingerprint);
                        s->dump = VMC_DUMP_SKIPPED;
                } else
                        s->dump = VMC_DUMP_WANTED;
                r = vmc_spool_state_save(dirfd, s);
                if (r < 0)
                        return r;
        }
        return 0;
}

struct resume_ctx {
        int dirfd;
        struct vmc_spool_state *s;
};

/* The open upload goes into the state at once: a kill after this point
 * leaves an upload the next run goes on with. */
static int save_upload_id(struct vmc_put_resume *res, void *userdata) {
        struct resume_ctx *ctx = userdata;
        snprintf(ctx->s->upload_id, sizeof(ctx->s->upload_id), "%s", res->upload_id);
        return vmc_spool_state_save(ctx->dirfd, ctx->s);
}

static int store_dump(struct vmc_upload *u, int dirfd, struct vmc_spool_state *s) {
        struct resume_ctx ctx = { dirfd, s };
        struct vmc_put_resume res = { .save = save_upload_id, .userdata = &ctx };
        _cleanup_free_ char *key = vmc_key_crash(s->crash_id, "vmcore");
        struct stat st;
        double t;
        int fd, r;

        if (!key)
                return -ENOMEM;
        fd = openat(dirfd, "vmcore", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0) {
                r = -errno;
                if (fd >= 0)
                        close(fd);
                return set_error(r, u->err, sizeof(u->err), "spool: %s/vmcore: %s", s->crash_id, strerror(-r));
        }
        snprintf(res.upload_id, sizeof(res.upload_id), "%s", s->upload_id);
        t = now_ms();
        r = vmc_store_put_fd_resumable(u->store, key, fd, &res, u->err, sizeof(u->err));
        close(fd);
        t = (now_ms() - t) / 1000.0;
        if (r < 0)
                return r;
        log_info("dump sent: %.1f MiB in %.2f s (%.0f MiB/s)%s", (st.st_size - (double) res.resent_from) / 1048576.0,
                 t, t > 0 ? (st.st_size - (double) res.resent_from) / 1048576.0 / t : 0.0,
                 res.resent_from ? " after what an earlier run had sent" : "");
        log_info("dump of crash %s stored (%.0f ms)", s->crash_id, now_ms() - u->t0);
        return stage_done(dirfd, s, VMC_STAGE_VMCORE);
}

static int add_file(int dirfd, json_object *files, const char *name) {
        char hex[VMC_SHA256_HEX];
        uint64_t size = 0;
        json_object *f;
        int fd, r;

        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        r = vmc_sha256_fd(fd, hex, &size);
        close(fd);
        if (r < 0)
                return r;
        f = json_object_new_object();
        json_object_object_add(f, "size", json_object_new_int64((int64_t) size));
        json_object_object_add(f, "sha256", json_object_new_string(hex));
        json_object_object_add(files, name, f);
        return 0;
}

/* MANIFEST.json: made once and kept in the spool, so that a later run
 * stores the same text. */
static int store_manifest(struct vmc_upload *u, int dirfd, struct vmc_spool_state *s) {
        _cleanup_free_ char *key = vmc_key_crash(s->crash_id, "MANIFEST.json"), *text = NULL;
        bool dump = s->stored[VMC_STAGE_VMCORE];
        size_t len = 0;
        int r;

        if (!key)
                return -ENOMEM;
        r = read_small(dirfd, "MANIFEST.json", &text, &len);
        if (r == -ENOENT) {
                json_object *o = json_object_new_object(), *files = json_object_new_object(), *d;
                const char *t;

                r = o && files ? 0 : -ENOMEM;
                json_object_object_add(o, "schema", json_object_new_string(VMC_MANIFEST_SCHEMA));
                json_object_object_add(o, "crash_id", json_object_new_string(s->crash_id));
                json_object_object_add(o, "fingerprint", json_object_new_string(s->fingerprint));
                json_object_object_add(o, "files", files);
                json_object_object_add(o, "lost", *s->lost ? json_object_new_string(s->lost) : NULL);
                if (r >= 0)
                        r = add_file(dirfd, files, "report.json");
                if (r >= 0)
                        r = add_file(dirfd, files, "dmesg.txt");
                if (r >= 0 && dump && s->streamed) {
                        /* Not in the spool: as it went by. */
                        json_object *f = json_object_new_object();
                        json_object_object_add(f, "size", json_object_new_int64((int64_t) s->dump_size));
                        json_object_object_add(f, "sha256", json_object_new_string(s->dump_sha256));
                        json_object_object_add(files, "vmcore", f);
                } else if (r >= 0 && dump)
                        r = add_file(dirfd, files, "vmcore");
                if (dump) {
                        d = json_object_new_object();
                        json_object_object_add(d, "format", json_object_new_string(s->dump_format));
                        json_object_object_add(d, "source_format", json_object_new_string(s->source_format));
                        json_object_object_add(d, "dump_level",
                                               s->dump_level >= 0 ? json_object_new_int(s->dump_level) : NULL);
                        json_object_object_add(d, "compression",
                                               *s->compression ? json_object_new_string(s->compression) : NULL);
                        json_object_object_add(d, "streamed", json_object_new_boolean(s->streamed));
                        json_object_object_add(o, "dump", d);
                } else
                        json_object_object_add(o, "dump", NULL);
                t = r >= 0 ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                        JSON_C_TO_STRING_NOSLASHESCAPE)
                           : NULL;
                if (t)
                        r = write_small(dirfd, "MANIFEST.json", t);
                json_object_put(o);
                if (r >= 0)
                        r = read_small(dirfd, "MANIFEST.json", &text, &len);
        }
        if (r < 0)
                return set_error(r, u->err, sizeof(u->err), "spool: %s/MANIFEST.json: %s", s->crash_id, strerror(-r));
        r = vmc_store_put(u->store, key, text, len, u->err, sizeof(u->err));
        return r < 0 ? r : stage_done(dirfd, s, VMC_STAGE_MANIFEST);
}

/* The fingerprint record says, in the end, whether the dump is stored. */
static int store_record_dump(struct vmc_upload *u, int dirfd, struct vmc_spool_state *s) {
        _cleanup_free_ char *data = NULL, *key = vmc_key_fingerprint(s->fingerprint, s->crash_id);
        size_t len = 0;
        json_object *o;
        int r = key ? read_small(dirfd, "fingerprint.json", &data, &len) : -ENOMEM;

        if (r < 0)
                return set_error(r, u->err, sizeof(u->err), "spool: %s/fingerprint.json: %s", s->crash_id,
                                 strerror(-r));
        o = json_tokener_parse(data);
        if (!o)
                return set_error(-EBADMSG, u->err, sizeof(u->err), "spool: %s/fingerprint.json: not JSON",
                                 s->crash_id);
        json_object_object_add(o, "dump", json_object_new_boolean(true));
        r = write_small(dirfd, "fingerprint.json",
                        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        if (r >= 0)
                r = store_small(u, dirfd, "fingerprint.json", key);
        if (r >= 0)
                r = store_inbox(u, dirfd, s->crash_id, true);
        return r < 0 ? r : stage_done(dirfd, s, VMC_STAGE_RECORD_DUMP);
}

int vmc_upload_rest(struct vmc_upload *u, int dirfd, struct vmc_spool_state *s) {
        int r = vmc_upload_first(u, dirfd, s);

        if (r >= 0 && s->dump == VMC_DUMP_WANTED && !s->captured) {
                /* collect was stopped before the capture finished, and
                 * /proc/vmcore is gone with the capture kernel: what is
                 * there is stored, and says so. */
                s->dump = VMC_DUMP_FAILED;
                if (!*s->lost)
                        snprintf(s->lost, sizeof(s->lost), "%s",
                                 s->dump_elsewhere ? "the dump: the kdump tool saved none that vmcored run found"
                                                   : "the dump: collect was stopped before its capture finished");
        }
        if (r >= 0 && s->dump == VMC_DUMP_WANTED && !s->stored[VMC_STAGE_VMCORE])
                r = store_dump(u, dirfd, s);
        if (r >= 0 && !s->stored[VMC_STAGE_MANIFEST])
                r = store_manifest(u, dirfd, s);
        if (r >= 0 && s->stored[VMC_STAGE_VMCORE] && !s->stored[VMC_STAGE_RECORD_DUMP])
                r = store_record_dump(u, dirfd, s);
        if (r >= 0) {
                s->last_error[0] = '\0';
                r = vmc_spool_state_save(dirfd, s);
        }
        return r;
}

void vmc_upload_failed(struct vmc_upload *u, int dirfd, struct vmc_spool_state *s, int r) {
        s->attempts++;
        snprintf(s->last_error, sizeof(s->last_error), "%.*s", (int) sizeof(s->last_error) - 1,
                 *u->err ? u->err : strerror(-r));
        if (vmc_spool_state_save(dirfd, s) < 0)
                log_warning("spool: %s: cannot record the failed attempt", s->crash_id);
}
