/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "util.h"
#include "vmcoreinfo.h"

/* The kernel writes a few hundred lines; more than this is not a VMCOREINFO. */
#define VMCOREINFO_MAX_LINES 8192

struct vmcoreinfo_entry {
        const char *key;
        const char *value;
};

struct vmcoreinfo {
        char *raw;      /* original text */
        char *text;     /* copy split in place into keys and values */
        struct vmcoreinfo_entry *entries;
        size_t n_entries;
};

/* By key, then by position in the note, so that the last of duplicate keys
 * can be found (the kernel appends CRASHTIME at crash time). */
static int cmp_entry(const void *a, const void *b) {
        const struct vmcoreinfo_entry *x = a, *y = b;
        int c = strcmp(x->key, y->key);

        if (c != 0)
                return c;
        return x->key < y->key ? -1 : x->key > y->key;
}

int vmcoreinfo_parse(const char *raw, size_t len, struct vmcoreinfo **ret) {
        struct vmcoreinfo *vi;
        size_t cap = 0;
        char *p, *end;

        /* The note may be padded with NULs; they end the text. */
        len = strnlen(raw, len);
        vi = calloc(1, sizeof(*vi));
        if (!vi)
                return -ENOMEM;
        vi->raw = strndup(raw, len);
        vi->text = strndup(raw, len);
        if (!vi->raw || !vi->text)
                goto oom;

        for (p = vi->text, end = vi->text + len; p < end;) {
                char *nl = memchr(p, '\n', (size_t) (end - p));
                char *eq;

                if (!nl)
                        nl = end;
                *nl = '\0';
                eq = strchr(p, '=');
                if (eq && eq > p) {
                        if (vi->n_entries >= VMCOREINFO_MAX_LINES)
                                break;
                        if (vi->n_entries == cap) {
                                size_t ncap = MAX(cap * 2, (size_t) 64);
                                struct vmcoreinfo_entry *e = realloc(vi->entries, ncap * sizeof(*e));
                                if (!e)
                                        goto oom;
                                vi->entries = e;
                                cap = ncap;
                        }
                        *eq = '\0';
                        vi->entries[vi->n_entries++] = (struct vmcoreinfo_entry){ p, eq + 1 };
                }
                p = nl + 1;
        }
        if (vi->n_entries == 0) {
                vmcoreinfo_free(vi);
                return -ENODATA;
        }
        qsort(vi->entries, vi->n_entries, sizeof(*vi->entries), cmp_entry);
        *ret = vi;
        return 0;
oom:
        vmcoreinfo_free(vi);
        return -ENOMEM;
}

void vmcoreinfo_free(struct vmcoreinfo *vi) {
        if (!vi)
                return;
        free(vi->entries);
        free(vi->text);
        free(vi->raw);
        free(vi);
}

const char *vmcoreinfo_raw(const struct vmcoreinfo *vi) {
        return vi->raw;
}

const char *vmcoreinfo_get(const struct vmcoreinfo *vi, const char *key) {
        size_t lo = 0, hi = vi->n_entries;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(vi->entries[mid].key, key);
                if (c == 0) {
                        while (mid + 1 < vi->n_entries && strcmp(vi->entries[mid + 1].key, key) == 0)
                                mid++;
                        return vi->entries[mid].value;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static bool parse_u64(const char *s, int base, uint64_t *ret) {
        char *end;
        unsigned long long v;

        if (!s || !*s || *s == '-')
                return false;
        errno = 0;
        v = strtoull(s, &end, base);
        if (errno != 0 || end == s || (*end != '\0' && *end != ' '))
                return false;
        *ret = v;
        return true;
}

static const char *lookup_kind(const struct vmcoreinfo *vi, const char *kind, const char *name) {
        char key[256];

        if ((size_t) snprintf(key, sizeof(key), "%s(%s)", kind, name) >= sizeof(key))
                return NULL;
        return vmcoreinfo_get(vi, key);
}

bool vmcoreinfo_symbol(const struct vmcoreinfo *vi, const char *name, uint64_t *ret) {
        return parse_u64(lookup_kind(vi, "SYMBOL", name), 16, ret);
}

bool vmcoreinfo_size(const struct vmcoreinfo *vi, const char *type, uint64_t *ret) {
        return parse_u64(lookup_kind(vi, "SIZE", type), 0, ret);
}

bool vmcoreinfo_offset(const struct vmcoreinfo *vi, const char *type_member, uint64_t *ret) {
        return parse_u64(lookup_kind(vi, "OFFSET", type_member), 0, ret);
}

bool vmcoreinfo_length(const struct vmcoreinfo *vi, const char *name, uint64_t *ret) {
        return parse_u64(lookup_kind(vi, "LENGTH", name), 0, ret);
}

bool vmcoreinfo_number(const struct vmcoreinfo *vi, const char *name, int64_t *ret) {
        const char *s = lookup_kind(vi, "NUMBER", name);
        uint64_t v;

        if (!s)
                return false;
        if (*s == '-') {
                if (!parse_u64(s + 1, 0, &v) || v > (uint64_t) INT64_MAX)
                        return false;
                *ret = -(int64_t) v;
                return true;
        }
        if (!parse_u64(s, 0, &v))
                return false;
        *ret = (int64_t) v;
        return true;
}

uint64_t vmcoreinfo_kernel_offset(const struct vmcoreinfo *vi) {
        uint64_t v;
        return parse_u64(vmcoreinfo_get(vi, "KERNELOFFSET"), 16, &v) ? v : 0;
}

uint32_t vmcoreinfo_version_code(const struct vmcoreinfo *vi) {
        const char *s = vmcoreinfo_get(vi, "OSRELEASE");
        unsigned a = 0, b = 0, c = 0;

        if (!s || sscanf(s, "%u.%u.%u", &a, &b, &c) < 2)
                return 0;
        return (MIN(a, 255U) << 16) | (MIN(b, 255U) << 8) | MIN(c, 255U);
}
