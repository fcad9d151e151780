/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

enum key_type { KEY_STRING, KEY_BOOL, KEY_UINT, KEY_ENUM, KEY_SIZE };

struct key {
        const char *section, *name;
        enum key_type type;
        size_t offset;
        unsigned min, max;              /* KEY_UINT */
        const char *const *choices;     /* KEY_ENUM (index stored as int) */
        bool not_empty;
};

static const char *const compressions[] = { "lzo", "zlib", "zstd", "snappy", "none", NULL };
static const char *const upload_dumps[] = { "always", "unknown", "never", NULL };

#define S(sec, nm, field, ne) { sec, nm, KEY_STRING, offsetof(struct vmc_config, field), 0, 0, NULL, ne }
#define B(sec, nm, field) { sec, nm, KEY_BOOL, offsetof(struct vmc_config, field), 0, 0, NULL, false }
#define U(sec, nm, field, lo, hi) { sec, nm, KEY_UINT, offsetof(struct vmc_config, field), lo, hi, NULL, false }
#define Z(sec, nm, field) { sec, nm, KEY_SIZE, offsetof(struct vmc_config, field), 0, 0, NULL, false }
#define E(sec, nm, field, ch) { sec, nm, KEY_ENUM, offsetof(struct vmc_config, field), 0, 0, ch, false }

static const struct key keys[] = {
        S("capture", "spool", spool, true),
        S("capture", "crash_dir", crash_dir, true),
        U("capture", "dump_level", dump_level, 0, 31),
        { "capture", "compression", KEY_STRING, offsetof(struct vmc_config, compression), 0, 0, compressions, true },
        U("capture", "keep_days", keep_days, 0, 36500),
        Z("capture", "keep_size", keep_size),
        B("capture", "delete_ingested", delete_ingested),
        S("store", "url", store_url, true),
        S("store", "credentials", credentials, false),
        S("store", "ca_file", ca_file, false),
        B("store", "allow_http", allow_http),
        S("store", "ssh_key", ssh_key, false),
        S("store", "ssh_host_key", ssh_host_key, false),
        U("store", "connect_timeout", connect_timeout, 1, 3600),
        U("store", "stall_timeout", stall_timeout, 1, 86400),
        E("upload", "dump", upload_dump, upload_dumps),
        U("upload", "dumps_per_fingerprint", dumps_per_fingerprint, 1, 1000000),
        U("upload", "retries", retries, 0, 1000),
        U("upload", "give_up_attempts", give_up_attempts, 0, 1000000),
        U("upload", "give_up_days", give_up_days, 0, 36500),
        S("analyze", "signatures", signatures, false),
};

static char **string_field(struct vmc_config *c, const struct key *k) {
        return (char **) ((char *) c + k->offset);
}

int vmc_config_init(struct vmc_config *c) {
        *c = (struct vmc_config){
                .dump_level = 31,
                .connect_timeout = 10,
                .stall_timeout = 30,
                .upload_dump = VMC_UPLOAD_DUMP_ALWAYS,
                .dumps_per_fingerprint = 3,
                .retries = 5,
                .give_up_days = 30,
                .keep_days = 7,
                .keep_size = UINT64_C(2) << 30,
        };
        c->spool = strdup("/var/crash/vmcored");
        c->crash_dir = strdup("/var/crash");
        c->compression = strdup("lzo");
        c->store_url = strdup("file:///var/lib/vmcored/store");
        c->credentials = strdup("");
        c->ca_file = strdup("");
        c->ssh_key = strdup("/etc/vmcored/ssh_key");
        c->ssh_host_key = strdup("");
        c->signatures = strdup("/etc/vmcored/signatures.d");
        if (!c->spool || !c->crash_dir || !c->compression || !c->store_url || !c->credentials || !c->ca_file || !c->ssh_key || !c->ssh_host_key ||
            !c->signatures) {
                vmc_config_done(c);
                return -ENOMEM;
        }
        return 0;
}

void vmc_config_done(struct vmc_config *c) {
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (keys[i].type == KEY_STRING) {
                        free(*string_field(c, &keys[i]));
                        *string_field(c, &keys[i]) = NULL;
                }
}

const char *vmc_upload_dump_to_string(enum vmc_upload_dump d) {
        return (unsigned) d < ELEMENTSOF(upload_dumps) - 1 ? upload_dumps[d] : "?";
}

static int parse_bool(const char *v, bool *ret) {
        static const char *const yes[] = { "yes", "true", "on", "1" }, *const no[] = { "no", "false", "off", "0" };
        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcmp(v, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
                if (strcmp(v, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        }
        return -EINVAL;
}

static int parse_uint(const char *v, unsigned lo, unsigned hi, unsigned *ret) {
        char *end;
        unsigned long n;

        if (*v < '0' || *v > '9')
                return -EINVAL;
        errno = 0;
        n = strtoul(v, &end, 10);
        if (errno || *end || n < lo || n > hi)
                return -ERANGE;
        *ret = (unsigned) n;
        return 0;
}

/* A byte count: digits with an optional K, M, G or T (powers of 1024),
 * optionally followed by "iB" or "B". */
static int parse_size(const char *v, uint64_t *ret) {
        static const char units[] = "KMGT";
        unsigned long long n;
        const char *u;
        unsigned shift = 0;
        char *end;

        if (*v < '0' || *v > '9')
                return -EINVAL;
        errno = 0;
        n = strtoull(v, &end, 10);
        if (errno)
                return -ERANGE;
        if (*end && (u = strchr(units, toupper((unsigned char) *end)))) {
                shift = 10 * (unsigned) (u - units + 1);
                end++;
        }
        if (strcmp(end, "") != 0 && strcmp(end, "B") != 0 && !(shift && strcmp(end, "iB") == 0))
                return -EINVAL;
        if (shift && n > (UINT64_MAX >> shift))
                return -ERANGE;
        *ret = (uint64_t) n << shift;
        return 0;
}

static int choice_index(const char *const *choices, const char *v) {
        for (int i = 0; choices[i]; i++)
                if (strcmp(choices[i], v) == 0)
                        return i;
        return -1;
}

static void choices_text(const char *const *choices, char *buf, size_t len) {
        size_t at = 0;
        buf[0] = '\0';
        for (size_t i = 0; choices[i] && at < len; i++)
                at += (size_t) snprintf(buf + at, len - at, "%s%s", i ? ", " : "", choices[i]);
}

int vmc_config_set(struct vmc_config *c, const char *section, const char *key, const char *value,
                   const char *origin, char *err, size_t errlen) {
        const struct key *k = NULL;
        bool known_section = false;
        char list[128];
        int r;

        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                if (strcmp(keys[i].section, section) != 0)
                        continue;
                known_section = true;
                if (strcmp(keys[i].name, key) == 0)
                        k = &keys[i];
        }
        if (!known_section)
                return set_error(-EINVAL, err, errlen, "%s: [%s]: unknown section (capture, store, upload, analyze)",
                                 origin, section);
        if (!k)
                return set_error(-EINVAL, err, errlen, "%s: [%s] %s: unknown key", origin, section, key);

        switch (k->type) {
        case KEY_STRING: {
                char *s;
                if (k->not_empty && !*value)
                        return set_error(-EINVAL, err, errlen, "%s: [%s] %s: must not be empty", origin, section, key);
                if (k->choices && choice_index(k->choices, value) < 0) {
                        choices_text(k->choices, list, sizeof(list));
                        return set_error(-EINVAL, err, errlen, "%s: [%s] %s: '%s' is not one of %s", origin, section,
                                         key, value, list);
                }
                s = strdup(value);
                if (!s)
                        return -ENOMEM;
                free(*string_field(c, k));
                *string_field(c, k) = s;
                return 0;
        }
        case KEY_BOOL:
                r = parse_bool(value, (bool *) ((char *) c + k->offset));
                if (r < 0)
                        return set_error(r, err, errlen, "%s: [%s] %s: '%s' is not yes or no", origin, section, key,
                                         value);
                return 0;
        case KEY_UINT:
                r = parse_uint(value, k->min, k->max, (unsigned *) ((char *) c + k->offset));
                if (r < 0)
                        return set_error(-EINVAL, err, errlen, "%s: [%s] %s: '%s' is not a number from %u to %u",
                                         origin, section, key, value, k->min, k->max);
                return 0;
        case KEY_SIZE:
                r = parse_size(value, (uint64_t *) ((char *) c + k->offset));
                if (r < 0)
                        return set_error(-EINVAL, err, errlen,
                                         "%s: [%s] %s: '%s' is not a size (bytes, or a number with K, M, G or T)",
                                         origin, section, key, value);
                return 0;
        case KEY_ENUM:
                r = choice_index(k->choices, value);
                if (r < 0) {
                        choices_text(k->choices, list, sizeof(list));
                        return set_error(-EINVAL, err, errlen, "%s: [%s] %s: '%s' is not one of %s", origin, section,
                                         key, value, list);
                }
                *(enum vmc_upload_dump *) ((char *) c + k->offset) = (enum vmc_upload_dump) r;
                return 0;
        }
        return -EINVAL;
}

/* inih as packaged does not pass line numbers to the handler: the reader
 * counts them, and inih calls the handler right after reading the line. */
struct parse_state {
        struct vmc_config *c;
        FILE *f;
        const char *path;
        unsigned line;
        int error;
        unsigned error_line;
        char *err;
        size_t errlen;
};

static char *reader(char *str, int num, void *stream) {
        struct parse_state *st = stream;
        char *s = fgets(str, num, st->f);
        if (s)
                st->line++;
        return s;
}

static int handler(void *user, const char *section, const char *name, const char *value) {
        struct parse_state *st = user;
        char origin[512];

        if (st->error)
                return 0;
        snprintf(origin, sizeof(origin), "%s:%u", st->path, st->line);
        if (!*section) {
                st->error = set_error(-EINVAL, st->err, st->errlen, "%s: %s: a key before any [section]", origin, name);
                st->error_line = st->line;
                return 0;
        }
        st->error = vmc_config_set(st->c, section, name, value, origin, st->err, st->errlen);
        st->error_line = st->line;
        return st->error == 0;
}

static int load_file(struct vmc_config *c, const char *path, bool missing_ok, char *err, size_t errlen) {
        struct parse_state st = { .c = c, .path = path, .err = err, .errlen = errlen };
        int r;

        st.f = fopen(path, "re");
        if (!st.f) {
                if (errno == ENOENT && missing_ok)
                        return 0;
                return set_error(-errno, err, errlen, "%s: %s", path, strerror(errno));
        }
        r = ini_parse_stream(reader, &st, handler, &st);
        fclose(st.f);
        /* inih goes on after a line it cannot parse: the first error is
         * the one to report. */
        if (st.error && !(r > 0 && (unsigned) r < st.error_line))
                return st.error;
        if (r > 0)
                return set_error(-EINVAL, err, errlen, "%s:%d: not an INI line ([section] or key = value)", path, r);
        if (r < 0)
                return set_error(-EIO, err, errlen, "%s: cannot be read", path);
        return 0;
}

static int conf_name(const struct dirent *de) {
        size_t n = strlen(de->d_name);
        return de->d_name[0] != '.' && n > 5 && strcmp(de->d_name + n - 5, ".conf") == 0;
}

int vmc_config_load(struct vmc_config *c, const char *path, bool missing_ok, char *err, size_t errlen) {
        struct dirent **list = NULL;
        char dir[4096];
        int n, r;

        r = load_file(c, path, missing_ok, err, errlen);
        if (r < 0)
                return r;
        if ((size_t) snprintf(dir, sizeof(dir), "%s.d", path) >= sizeof(dir))
                return set_error(-ENAMETOOLONG, err, errlen, "%s: path too long", path);
        n = scandir(dir, &list, conf_name, alphasort);
        if (n < 0)
                return errno == ENOENT || errno == ENOTDIR ? 0
                                                           : set_error(-errno, err, errlen, "%s: %s", dir, strerror(errno));
        for (int i = 0; i < n; i++) {
                char file[8192];
                if (r >= 0) {
                        snprintf(file, sizeof(file), "%s/%s", dir, list[i]->d_name);
                        r = load_file(c, file, false, err, errlen);
                }
                free(list[i]);
        }
        free(list);
        return r;
}
