/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf.h"
#include "util.h"

/* Far above any kernel's BTF (allyesconfig: about 30 MiB). */
#define KBTF_MAX_SIZE (UINT64_C(128) << 20)
#define KBTF_MAX_TYPES (4U << 20)
#define BTF_MAGIC 0xeb9fU
#define BTF_HEADER_SIZE 24
#define KBTF_PAGE 4096U
#define KBTF_SLOTS 32U
#define KBTF_NEST_MAX 8
#define KBTF_NAME_MAX 128

/* BTF kinds (include/uapi/linux/btf.h). */
enum {
        K_INT = 1, K_PTR, K_ARRAY, K_STRUCT, K_UNION, K_ENUM, K_FWD, K_TYPEDEF, K_VOLATILE, K_CONST, K_RESTRICT,
        K_FUNC, K_FUNC_PROTO, K_VAR, K_DATASEC, K_FLOAT, K_DECL_TAG, K_TYPE_TAG, K_ENUM64,
};

/* The kernel's BTF is read where it lies, a page at a time, and its types
 * are walked only as far as a question needs: the few structs vmcored asks
 * about come early in the type section (struct module within the first
 * 100 KiB of about 3 MiB), so answering costs a few dozen dump pages. A
 * full parse (libbpf's btf__new) reads all 5 MiB and needs about 15 MiB of
 * memory, more than a whole analysis otherwise takes. */
struct kbtf {
        const struct kmem *mem;
        uint64_t types, types_len;      /* kernel addresses */
        uint64_t strs, strs_len;
        uint32_t *type_pos;             /* offset in the type section of id 1, 2, ... */
        uint32_t n_types, cap_types;
        uint64_t scan_pos;              /* where the walk stopped */
        bool scan_done;
        bool read_error;
        struct { uint64_t no; bool valid; uint8_t data[KBTF_PAGE]; } page[KBTF_SLOTS];
};

struct btf_record {
        uint32_t name_off, info, size_or_type;
        uint64_t pos;                   /* of the data after the 12-byte head */
};

static int kbtf_read(struct kbtf *b, uint64_t addr, void *buf, size_t len) {
        uint8_t *out = buf;

        while (len > 0) {
                uint64_t no = addr / KBTF_PAGE;
                unsigned slot = (unsigned) (no % KBTF_SLOTS);
                size_t off = (size_t) (addr % KBTF_PAGE), n = MIN(len, (size_t) KBTF_PAGE - off);

                if (!b->page[slot].valid || b->page[slot].no != no) {
                        b->page[slot].valid = false;
                        if (kmem_read(b->mem, no * KBTF_PAGE, b->page[slot].data, KBTF_PAGE) < 0) {
                                b->read_error = true;
                                return -EIO;
                        }
                        b->page[slot].no = no;
                        b->page[slot].valid = true;
                }
                memcpy(out, b->page[slot].data + off, n);
                out += n;
                addr += n;
                len -= n;
        }
        return 0;
}

static uint32_t kind_of(uint32_t info) {
        return (info >> 24) & 0x1f;
}

static uint32_t vlen_of(uint32_t info) {
        return info & 0xffff;
}

/* Bytes after the head of a record of this kind; -1 for a kind this reader
 * does not know (a newer BTF), where the walk must stop. */
static int64_t extra_size(uint32_t info) {
        uint64_t vlen = vlen_of(info);

        switch (kind_of(info)) {
        case K_INT: case K_VAR: case K_DECL_TAG:
                return 4;
        case K_PTR: case K_FWD: case K_TYPEDEF: case K_VOLATILE: case K_CONST: case K_RESTRICT: case K_FUNC:
        case K_FLOAT: case K_TYPE_TAG:
                return 0;
        case K_ARRAY:
                return 12;
        case K_STRUCT: case K_UNION: case K_DATASEC: case K_ENUM64:
                return (int64_t) (12 * vlen);
        case K_ENUM: case K_FUNC_PROTO:
                return (int64_t) (8 * vlen);
        default:
                return -1;
        }
}

static int read_record(struct kbtf *b, uint64_t pos, struct btf_record *rec) {
        uint8_t h[12];

        if (pos + sizeof(h) > b->types_len || kbtf_read(b, b->types + pos, h, sizeof(h)) < 0)
                return -EIO;
        rec->name_off = kmem_le32(h);
        rec->info = kmem_le32(h + 4);
        rec->size_or_type = kmem_le32(h + 8);
        rec->pos = pos + sizeof(h);
        return 0;
}

/* Walks one more record; false at the end of the types (or on damage). */
static bool scan_one(struct kbtf *b) {
        struct btf_record rec;
        int64_t extra;

        if (b->scan_done)
                return false;
        if (b->scan_pos >= b->types_len || b->n_types >= KBTF_MAX_TYPES || read_record(b, b->scan_pos, &rec) < 0 ||
            (extra = extra_size(rec.info)) < 0 || rec.pos + (uint64_t) extra > b->types_len) {
                b->scan_done = true;
                return false;
        }
        if (b->n_types == b->cap_types) {
                uint32_t cap = MAX(b->cap_types * 2, 1024U);
                uint32_t *v = realloc(b->type_pos, cap * sizeof(uint32_t));
                if (!v) {
                        b->scan_done = true;
                        return false;
                }
                b->type_pos = v;
                b->cap_types = cap;
        }
        b->type_pos[b->n_types++] = (uint32_t) b->scan_pos;
        b->scan_pos = rec.pos + (uint64_t) extra;
        return true;
}

static int record_by_id(struct kbtf *b, uint32_t id, struct btf_record *rec) {
        if (id == 0)
                return -ENOENT; /* void */
        while (b->n_types < id)
                if (!scan_one(b))
                        return -ENOENT;
        return read_record(b, b->type_pos[id - 1], rec);
}

/* Compares the string at name_off with want[0..len). */
static bool name_is(struct kbtf *b, uint32_t name_off, const char *want, size_t len) {
        char buf[KBTF_NAME_MAX];

        if (len + 1 > sizeof(buf) || name_off >= b->strs_len || b->strs_len - name_off < len + 1)
                return false;
        if (kbtf_read(b, b->strs + name_off, buf, len + 1) < 0)
                return false;
        return memcmp(buf, want, len) == 0 && buf[len] == '\0';
}

/* The struct or union named name, walking on as far as needed. */
static int find_composite(struct kbtf *b, const char *name, struct btf_record *rec) {
        size_t len = strlen(name);

        for (uint32_t id = 1;; id++) {
                if (id > b->n_types && !scan_one(b))
                        return -ENOENT;
                if (read_record(b, b->type_pos[id - 1], rec) < 0)
                        return -EIO;
                uint32_t k = kind_of(rec->info);
                if ((k == K_STRUCT || k == K_UNION) && rec->name_off != 0 && name_is(b, rec->name_off, name, len))
                        return 0;
        }
}

/* Through typedefs and qualifiers; arrays to their element type when
 * `arrays` is set. */
static int resolve(struct kbtf *b, uint32_t id, bool arrays, struct btf_record *rec) {
        for (unsigned depth = 0; depth < 32; depth++) {
                uint32_t k;
                uint8_t a[12];

                if (record_by_id(b, id, rec) < 0)
                        return -ENOENT;
                k = kind_of(rec->info);
                if (k == K_TYPEDEF || k == K_VOLATILE || k == K_CONST || k == K_RESTRICT || k == K_TYPE_TAG)
                        id = rec->size_or_type;
                else if (arrays && k == K_ARRAY) {
                        if (kbtf_read(b, b->types + rec->pos, a, sizeof(a)) < 0)
                                return -EIO;
                        id = kmem_le32(a);
                } else
                        return 0;
        }
        return -ELOOP;
}

static bool composite(const struct btf_record *rec) {
        uint32_t k = kind_of(rec->info);
        return k == K_STRUCT || k == K_UNION;
}

/* Member name[0..len) of composite t, looking through anonymous members;
 * adds its byte offset to *off and returns its type id, or 0. */
static uint32_t find_member(struct kbtf *b, const struct btf_record *t, const char *name, size_t len, uint64_t *off,
                            unsigned depth) {
        bool kflag = t->info >> 31;

        if (depth > KBTF_NEST_MAX)
                return 0;
        for (uint32_t i = 0; i < vlen_of(t->info); i++) {
                uint8_t m[12];
                uint32_t m_name, m_type, m_off, bit;
                struct btf_record inner;

                if (kbtf_read(b, b->types + t->pos + 12 * (uint64_t) i, m, sizeof(m)) < 0)
                        return 0;
                m_name = kmem_le32(m);
                m_type = kmem_le32(m + 4);
                m_off = kmem_le32(m + 8);
                bit = kflag ? m_off & 0xffffff : m_off;
                if (m_name != 0) {
                        if (bit % 8 == 0 && name_is(b, m_name, name, len)) {
                                *off += bit / 8;
                                return m_type;
                        }
                        continue;
                }
                /* An anonymous struct or union: its members are ours. */
                if (resolve(b, m_type, false, &inner) >= 0 && composite(&inner)) {
                        uint64_t sub = 0;
                        uint32_t id = find_member(b, &inner, name, len, &sub, depth + 1);
                        if (id) {
                                *off += bit / 8 + sub;
                                return id;
                        }
                }
        }
        return 0;
}

int kbtf_member_offset(struct kbtf *b, const char *type, const char *path, uint64_t *ret) {
        struct btf_record t;
        uint64_t off = 0;

        if (!path || !*path || find_composite(b, type, &t) < 0)
                return -ENOENT;
        for (const char *p = path;;) {
                const char *dot = strchr(p, '.');
                size_t len = dot ? (size_t) (dot - p) : strlen(p);
                uint32_t id;

                if (!composite(&t) || len == 0)
                        return -ENOENT;
                id = find_member(b, &t, p, len, &off, 0);
                if (!id)
                        return -ENOENT;
                if (!dot)
                        break;
                if (resolve(b, id, true, &t) < 0)
                        return -ENOENT;
                p = dot + 1;
        }
        *ret = off;
        return 0;
}

int kbtf_struct_size(struct kbtf *b, const char *type, uint64_t *ret) {
        struct btf_record t;

        if (find_composite(b, type, &t) < 0)
                return -ENOENT;
        *ret = t.size_or_type;
        return 0;
}

int kbtf_open(const struct kmem *mem, uint64_t start, uint64_t stop, struct kbtf **ret, char *err, size_t errlen) {
        uint64_t hdr_len, type_off, type_len, str_off, str_len;
        uint8_t h[BTF_HEADER_SIZE];
        struct kbtf *b;
        int r;

        if (stop <= start + BTF_HEADER_SIZE || stop - start > KBTF_MAX_SIZE)
                return set_error(-EBADMSG, err, errlen, "the kernel's BTF bounds are implausible");
        r = kmem_read(mem, start, h, sizeof(h));
        if (r < 0)
                return set_error(-ENODATA, err, errlen, "cannot read the kernel's BTF: %s", strerror(-r));
        hdr_len = kmem_le32(h + 4);
        type_off = kmem_le32(h + 8);
        type_len = kmem_le32(h + 12);
        str_off = kmem_le32(h + 16);
        str_len = kmem_le32(h + 20);
        if (kmem_le16(h) != BTF_MAGIC || h[2] != 1)
                return set_error(-EBADMSG, err, errlen, "the kernel's BTF has no BTF version 1 header");
        if (hdr_len < BTF_HEADER_SIZE || hdr_len + type_off + type_len > stop - start ||
            hdr_len + str_off + str_len > stop - start)
                return set_error(-EBADMSG, err, errlen, "the kernel's BTF header does not fit its section");
        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->mem = mem;
        b->types = start + hdr_len + type_off;
        b->types_len = type_len;
        b->strs = start + hdr_len + str_off;
        b->strs_len = str_len;
        *ret = b;
        return 0;
}

void kbtf_free(struct kbtf *b) {
        if (!b)
                return;
        free(b->type_pos);
        free(b);
}
