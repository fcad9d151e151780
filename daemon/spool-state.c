/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "spool-state.h"
#include "util.h"

#define STATE_MAX (64U << 10)

static const char *const stage_names[_VMC_STAGE_MAX] = {
        [VMC_STAGE_FINGERPRINT] = "fingerprint",
        [VMC_STAGE_REPORT] = "report",
        [VMC_STAGE_DMESG] = "dmesg",
        [VMC_STAGE_VMCORE] = "vmcore",
        [VMC_STAGE_MANIFEST] = "manifest",
        [VMC_STAGE_RECORD_DUMP] = "record_dump",
};

static const char *const plan_names[] = {
        [VMC_DUMP_UNDECIDED] = "undecided",
        [VMC_DUMP_WANTED] = "wanted",
        [VMC_DUMP_SKIPPED] = "skipped",
        [VMC_DUMP_FAILED] = "failed",
};

const char *vmc_stage_name(enum vmc_stage s) {
        return (unsigned) s < _VMC_STAGE_MAX ? stage_names[s] : "?";
}

const char *vmc_dump_plan_name(enum vmc_dump_plan p) {
        return (unsigned) p < ELEMENTSOF(plan_names) ? plan_names[p] : "?";
}

bool vmc_spool_state_complete(const struct vmc_spool_state *s) {
        return s->stored[VMC_STAGE_MANIFEST] && (s->dump != VMC_DUMP_WANTED || s->stored[VMC_STAGE_RECORD_DUMP]);
}

static int copy_string(json_object *o, const char *key, char *buf, size_t len, bool required) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
                buf[0] = '\0';
                return required ? -EBADMSG : 0;
        }
        if (!json_object_is_type(v, json_type_string) || (size_t) json_object_get_string_len(v) >= len)
                return -EBADMSG;
        memcpy(buf, json_object_get_string(v), (size_t) json_object_get_string_len(v) + 1);
        return 0;
}

static int read_all(int dirfd, const char *name, char **ret) {
        _cleanup_free_ char *buf = malloc(STATE_MAX + 1);
        size_t have = 0;
        int fd;

        if (!buf)
                return -ENOMEM;
        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        for (;;) {
                ssize_t n = read(fd, buf + have, STATE_MAX - have);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int r = -errno;
                        close(fd);
                        return r;
                }
                if (n == 0)
                        break;
                have += (size_t) n;
                if (have == STATE_MAX) {
                        close(fd);
                        return -EFBIG;
                }
        }
        close(fd);
        buf[have] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

int vmc_spool_state_load(int crash_dirfd, struct vmc_spool_state *ret, char *err, size_t errlen) {
        _cleanup_free_ char *text = NULL;
        struct vmc_spool_state s = {};
        json_object *o, *v, *stored;
        int r;

        r = read_all(crash_dirfd, VMC_SPOOL_STATE_FILE, &text);
        if (r == -ENOENT)
                return r;
        if (r < 0)
                return set_error(r, err, errlen, "%s: %s", VMC_SPOOL_STATE_FILE, strerror(-r));
        o = json_tokener_parse(text);
        if (!o || !json_object_is_type(o, json_type_object))
                r = -EBADMSG;
        if (r >= 0 && (!json_object_object_get_ex(o, "schema", &v) ||
                       strcmp(json_object_get_string(v) ?: "", VMC_SPOOL_STATE_SCHEMA) != 0))
                r = -EBADMSG;
        if (r >= 0)
                r = copy_string(o, "crash_id", s.crash_id, sizeof(s.crash_id), true);
        if (r >= 0)
                r = copy_string(o, "fingerprint", s.fingerprint, sizeof(s.fingerprint), true);
        if (r >= 0)
                r = copy_string(o, "source_format", s.source_format, sizeof(s.source_format), false);
        if (r >= 0)
                r = copy_string(o, "last_error", s.last_error, sizeof(s.last_error), false);
        if (r >= 0)
                r = copy_string(o, "dump_format", s.dump_format, sizeof(s.dump_format), false);
        if (r >= 0)
                r = copy_string(o, "compression", s.compression, sizeof(s.compression), false);
        if (r >= 0)
                r = copy_string(o, "upload_id", s.upload_id, sizeof(s.upload_id), false);
        if (r >= 0)
                r = copy_string(o, "gave_up", s.gave_up, sizeof(s.gave_up), false);
        if (r >= 0)
                r = copy_string(o, "dump_sha256", s.dump_sha256, sizeof(s.dump_sha256), false);
        if (r >= 0)
                r = copy_string(o, "lost", s.lost, sizeof(s.lost), false);
        if (r >= 0 && json_object_object_get_ex(o, "streamed", &v))
                s.streamed = json_object_get_boolean(v);
        if (r >= 0)
                r = copy_string(o, "tool_dir", s.tool_dir, sizeof(s.tool_dir), false);
        if (r >= 0 && json_object_object_get_ex(o, "dump_elsewhere", &v))
                s.dump_elsewhere = json_object_get_boolean(v);
        if (r >= 0 && json_object_object_get_ex(o, "dump_size", &v))
                s.dump_size = (uint64_t) json_object_get_int64(v);
        s.dump_level = -1;
        if (r >= 0 && json_object_object_get_ex(o, "dump_level", &v) && !json_object_is_type(v, json_type_null))
                s.dump_level = json_object_get_int(v);
        if (r >= 0) {
                char plan[16];
                r = copy_string(o, "dump", plan, sizeof(plan), true);
                for (size_t i = 0; r >= 0; i++) {
                        if (i == ELEMENTSOF(plan_names)) {
                                r = -EBADMSG;
                                break;
                        }
                        if (strcmp(plan, plan_names[i]) == 0) {
                                s.dump = (enum vmc_dump_plan) i;
                                break;
                        }
                }
        }
        if (r >= 0 && json_object_object_get_ex(o, "captured", &v))
                s.captured = json_object_get_boolean(v);
        if (r >= 0 && json_object_object_get_ex(o, "attempts", &v))
                s.attempts = (unsigned) json_object_get_int(v);
        if (r >= 0 && json_object_object_get_ex(o, "created", &v))
                s.created = json_object_get_int64(v);
        if (r >= 0 && json_object_object_get_ex(o, "updated", &v))
                s.updated = json_object_get_int64(v);
        if (r >= 0 && json_object_object_get_ex(o, "stored", &stored) && json_object_is_type(stored, json_type_object))
                for (unsigned i = 0; i < _VMC_STAGE_MAX; i++)
                        if (json_object_object_get_ex(stored, stage_names[i], &v))
                                s.stored[i] = json_object_get_boolean(v);
        json_object_put(o);
        if (r < 0)
                return set_error(-EBADMSG, err, errlen, "%s: not a vmcored spool state (%s)", VMC_SPOOL_STATE_FILE,
                                 VMC_SPOOL_STATE_SCHEMA);
        *ret = s;
        return 0;
}

int vmc_spool_state_save(int crash_dirfd, struct vmc_spool_state *s) {
        json_object *o = json_object_new_object(), *stored = json_object_new_object();
        const char *text;
        size_t len;
        int r;

        if (!o || !stored) {
                json_object_put(o);
                json_object_put(stored);
                return -ENOMEM;
        }
        s->updated = (int64_t) time(NULL);
        if (!s->created)
                s->created = s->updated;
        json_object_object_add(o, "schema", json_object_new_string(VMC_SPOOL_STATE_SCHEMA));
        json_object_object_add(o, "crash_id", json_object_new_string(s->crash_id));
        json_object_object_add(o, "fingerprint", json_object_new_string(s->fingerprint));
        json_object_object_add(o, "source_format", json_object_new_string(s->source_format));
        json_object_object_add(o, "dump", json_object_new_string(vmc_dump_plan_name(s->dump)));
        json_object_object_add(o, "captured", json_object_new_boolean(s->captured));
        json_object_object_add(o, "dump_format", *s->dump_format ? json_object_new_string(s->dump_format) : NULL);
        json_object_object_add(o, "dump_level", s->dump_level >= 0 ? json_object_new_int(s->dump_level) : NULL);
        json_object_object_add(o, "compression", *s->compression ? json_object_new_string(s->compression) : NULL);
        json_object_object_add(o, "dump_elsewhere", json_object_new_boolean(s->dump_elsewhere));
        json_object_object_add(o, "tool_dir", *s->tool_dir ? json_object_new_string(s->tool_dir) : NULL);
        json_object_object_add(o, "streamed", json_object_new_boolean(s->streamed));
        json_object_object_add(o, "dump_size", s->streamed ? json_object_new_int64((int64_t) s->dump_size) : NULL);
        json_object_object_add(o, "dump_sha256", *s->dump_sha256 ? json_object_new_string(s->dump_sha256) : NULL);
        json_object_object_add(o, "lost", *s->lost ? json_object_new_string(s->lost) : NULL);
        json_object_object_add(o, "upload_id", *s->upload_id ? json_object_new_string(s->upload_id) : NULL);
        for (unsigned i = 0; i < _VMC_STAGE_MAX; i++)
                json_object_object_add(stored, stage_names[i], json_object_new_boolean(s->stored[i]));
        json_object_object_add(o, "stored", stored);
        json_object_object_add(o, "complete", json_object_new_boolean(vmc_spool_state_complete(s)));
        json_object_object_add(o, "attempts", json_object_new_int((int) s->attempts));
        json_object_object_add(o, "last_error", *s->last_error ? json_object_new_string(s->last_error) : NULL);
        json_object_object_add(o, "gave_up", *s->gave_up ? json_object_new_string(s->gave_up) : NULL);
        json_object_object_add(o, "created", json_object_new_int64(s->created));
        json_object_object_add(o, "updated", json_object_new_int64(s->updated));
        text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE);
        len = text ? strlen(text) : 0;

        r = text ? write_file_atomic(crash_dirfd, VMC_SPOOL_STATE_FILE, text, len, 0600) : -ENOMEM;
        json_object_put(o);
        return r;
}
