/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <bpf/btf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf.h"
#include "frames.h"
#include "util.h"

/* Far above any kernel's BTF (allyesconfig: about 30 MiB). */
#define KBTF_MAX_SIZE (UINT64_C(128) << 20)
#define BTF_HEADER_SIZE 24
#define KBTF_CHUNK (64U << 10)
#define KBTF_NEST_MAX 8

/* A name index of the structs, unions and functions: libbpf looks names up
 * by a linear scan of all (about 120,000) types, and the analyzers ask for
 * dozens. */
struct kbtf_name {
        const char *name;
        uint32_t id;
        uint8_t kind;
};

struct kbtf {
        struct btf *btf;
        size_t size;
        struct kbtf_name *names;
        size_t n_names;
};

static int name_cmp(const void *a, const void *b) {
        const struct kbtf_name *x = a, *y = b;
        int c = strcmp(x->name, y->name);
        return c ? c : (int) x->kind - (int) y->kind;
}

static int index_names(struct kbtf *b) {
        uint32_t n = btf__type_cnt(b->btf);
        size_t cap = 0;

        for (uint32_t id = 1; id < n; id++) {
                const struct btf_type *t = btf__type_by_id(b->btf, id);
                uint16_t k = btf_kind(t);
                const char *name;

                if ((k != BTF_KIND_STRUCT && k != BTF_KIND_UNION && k != BTF_KIND_FUNC) || t->name_off == 0)
                        continue;
                name = btf__name_by_offset(b->btf, t->name_off);
                if (!name || !*name)
                        continue;
                if (b->n_names == cap) {
                        size_t ncap = cap ? cap * 2 : 4096;
                        struct kbtf_name *p = reallocarray(b->names, ncap, sizeof(*p));
                        if (!p)
                                return -ENOMEM;
                        b->names = p;
                        cap = ncap;
                }
                b->names[b->n_names++] = (struct kbtf_name) { name, id, (uint8_t) k };
        }
        /* Stable for equal names: the first of duplicates (a kernel may
         * define a struct twice) keeps the lower id, as libbpf would find. */
        qsort(b->names, b->n_names, sizeof(*b->names), name_cmp);
        return 0;
}

static int kbtf_new(struct btf *btf, size_t size, struct kbtf **ret) {
        struct kbtf *b = calloc(1, sizeof(*b));
        int r;

        if (!b) {
                btf__free(btf);
                return -ENOMEM;
        }
        b->btf = btf;
        b->size = size;
        r = index_names(b);
        if (r < 0) {
                kbtf_free(b);
                return r;
        }
        *ret = b;
        return 0;
}

int kbtf_from_bytes(const void *data, size_t size, struct kbtf **ret, char *err, size_t errlen) {
        struct btf *btf;

        if (size < BTF_HEADER_SIZE || size > KBTF_MAX_SIZE)
                return set_error(-EBADMSG, err, errlen, "BTF of %zu bytes is implausible", size);
        btf = btf__new(data, (uint32_t) size);
        if (!btf)
                return set_error(-EBADMSG, err, errlen, "libbpf rejects the kernel's BTF: %s", strerror(errno));
        return kbtf_new(btf, size, ret);
}

int kbtf_open(const struct kmem *mem, uint64_t start, uint64_t stop, struct kbtf **ret, char *err, size_t errlen) {
        _cleanup_free_ uint8_t *data = NULL;
        uint64_t hdr_len, size;
        uint8_t h[BTF_HEADER_SIZE];
        int r;

        if (stop <= start + BTF_HEADER_SIZE || stop - start > KBTF_MAX_SIZE)
                return set_error(-EBADMSG, err, errlen, "the kernel's BTF bounds are implausible");
        r = kmem_read(mem, start, h, sizeof(h));
        if (r < 0)
                return set_error(-ENODATA, err, errlen, "cannot read the kernel's BTF: %s", strerror(-r));
        if (kmem_le16(h) != 0xeb9f || h[2] != 1)
                return set_error(-EBADMSG, err, errlen, "the kernel's BTF has no BTF version 1 header");
        /* The section may be padded past the BTF: its header gives the size. */
        hdr_len = kmem_le32(h + 4);
        size = hdr_len + MAX((uint64_t) kmem_le32(h + 8) + kmem_le32(h + 12),
                             (uint64_t) kmem_le32(h + 16) + kmem_le32(h + 20));
        if (hdr_len < BTF_HEADER_SIZE || size > stop - start)
                return set_error(-EBADMSG, err, errlen, "the kernel's BTF header does not fit its section");
        data = malloc(size);
        if (!data)
                return -ENOMEM;
        for (uint64_t pos = 0; pos < size; pos += KBTF_CHUNK) {
                size_t n = (size_t) MIN((uint64_t) KBTF_CHUNK, size - pos);
                r = kmem_read(mem, start + pos, data + pos, n);
                if (r < 0)
                        return set_error(-ENODATA, err, errlen, "cannot read the kernel's BTF at +0x%" PRIx64 ": %s",
                                         pos, strerror(-r));
        }
        return kbtf_from_bytes(data, size, ret, err, errlen);
}

void kbtf_free(struct kbtf *b) {
        if (!b)
                return;
        btf__free(b->btf);
        free(b->names);
        free(b);
}

size_t kbtf_size(const struct kbtf *b) {
        return b->size;
}

static int32_t find_named(const struct kbtf *b, const char *name, uint16_t kind) {
        size_t lo = 0, hi = b->n_names;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const struct kbtf_name *n = &b->names[mid];
                int c = strcmp(n->name, name);
                if (c == 0)
                        c = (int) n->kind - (int) kind;
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo < b->n_names && b->names[lo].kind == kind && strcmp(b->names[lo].name, name) == 0)
                return (int32_t) b->names[lo].id;
        return -ENOENT;
}

static const struct btf_type *find_composite(const struct kbtf *b, const char *name, uint32_t *id) {
        int32_t r = find_named(b, name, BTF_KIND_STRUCT);

        if (r < 0)
                r = find_named(b, name, BTF_KIND_UNION);
        if (r < 0)
                return NULL;
        if (id)
                *id = (uint32_t) r;
        return btf__type_by_id(b->btf, (uint32_t) r);
}

/* Through typedefs and qualifiers; arrays to their element type when
 * `arrays` is set. */
static const struct btf_type *resolve(const struct kbtf *b, uint32_t id, bool arrays, uint32_t *ret_id) {
        for (unsigned depth = 0; depth < 32; depth++) {
                const struct btf_type *t = btf__type_by_id(b->btf, id);
                if (!t)
                        return NULL;
                if (btf_is_mod(t) || btf_is_typedef(t))
                        id = t->type;
                else if (arrays && btf_is_array(t))
                        id = btf_array(t)->type;
                else {
                        if (ret_id)
                                *ret_id = id;
                        return t;
                }
        }
        return NULL;
}

/* Member name[0..len) of composite t, looking through anonymous members;
 * adds its bit offset to *bits and returns the member. */
static const struct btf_member *find_member(const struct kbtf *b, const struct btf_type *t, const char *name,
                                            size_t len, uint64_t *bits, unsigned depth) {
        const struct btf_member *m = btf_members(t);

        if (depth > KBTF_NEST_MAX)
                return NULL;
        for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
                const char *mn = btf__name_by_offset(b->btf, m->name_off);
                uint32_t bit = btf_member_bit_offset(t, i);

                if (mn && *mn) {
                        if (strlen(mn) == len && memcmp(mn, name, len) == 0) {
                                *bits += bit;
                                return m;
                        }
                        continue;
                }
                /* An anonymous struct or union: its members are ours. */
                const struct btf_type *inner = resolve(b, m->type, false, NULL);
                if (inner && btf_is_composite(inner)) {
                        uint64_t sub = 0;
                        const struct btf_member *hit = find_member(b, inner, name, len, &sub, depth + 1);
                        if (hit) {
                                *bits += bit + sub;
                                return hit;
                        }
                }
        }
        return NULL;
}

int kbtf_member(struct kbtf *b, const char *type, const char *path, uint64_t *off, uint64_t *size) {
        const struct btf_type *t = find_composite(b, type, NULL);
        const struct btf_member *m = NULL;
        uint64_t bits = 0;
        bool bitfield = false;

        if (!t || !path || !*path)
                return -ENOENT;
        for (const char *p = path;;) {
                const char *dot = strchr(p, '.');
                size_t len = dot ? (size_t) (dot - p) : strlen(p);
                if (!btf_is_composite(t) || len == 0)
                        return -ENOENT;
                m = find_member(b, t, p, len, &bits, 0);
                if (!m)
                        return -ENOENT;
                /* Not exact for a bit-field inside an anonymous member
                 * (kflag is the outer type's), which no caller asks for. */
                bitfield = btf_kflag(t) && BTF_MEMBER_BITFIELD_SIZE(m->offset) != 0;
                if (!dot)
                        break;
                t = resolve(b, m->type, true, NULL);
                if (!t)
                        return -ENOENT;
                p = dot + 1;
        }
        if (bits % 8 != 0 && !bitfield)
                return -ENOENT;
        if (off)
                *off = bits / 8;
        if (size) {
                int64_t s = bitfield ? 0 : btf__resolve_size(b->btf, m->type);
                *size = s > 0 ? (uint64_t) s : 0;
        }
        return 0;
}

int kbtf_member_offset(struct kbtf *b, const char *type, const char *path, uint64_t *ret) {
        return kbtf_member(b, type, path, ret, NULL);
}

int kbtf_struct_size(struct kbtf *b, const char *type, uint64_t *ret) {
        const struct btf_type *t = find_composite(b, type, NULL);

        if (!t)
                return -ENOENT;
        *ret = t->size;
        return 0;
}

/* Appends ".name" (or "name" at the start) and "[idx]" when idx >= 0. */
static int append(char *path, size_t len, const char *name, int64_t idx) {
        size_t used = strlen(path);
        int k = idx >= 0 ? snprintf(path + used, len - used, "%s%s[%" PRId64 "]", used ? "." : "", name, idx)
                         : snprintf(path + used, len - used, "%s%s", used ? "." : "", name);
        return k < 0 || (size_t) k >= len - used ? -ENAMETOOLONG : 0;
}

/* Descends from composite t into the member holding byte off. */
static int member_at(const struct kbtf *b, const struct btf_type *t, uint64_t off, char *path, size_t len,
                     uint64_t *inside, unsigned depth) {
        const struct btf_member *m = btf_members(t);
        int r;

        if (depth > KBTF_NEST_MAX)
                return -ELOOP;
        for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
                uint32_t bit = btf_member_bit_offset(t, i);
                int64_t size = btf__resolve_size(b->btf, m->type);
                uint64_t start = bit / 8;
                const char *mn = btf__name_by_offset(b->btf, m->name_off);
                uint32_t mid;
                const struct btf_type *mt = resolve(b, m->type, false, &mid);

                if (size <= 0 || off < start || off >= start + (uint64_t) size || !mt)
                        continue;
                off -= start;
                if (btf_is_array(mt)) {
                        const struct btf_array *a = btf_array(mt);
                        int64_t esize = btf__resolve_size(b->btf, a->type);
                        uint64_t idx = esize > 0 ? off / (uint64_t) esize : 0;
                        const struct btf_type *et = resolve(b, a->type, true, NULL);

                        r = append(path, len, mn && *mn ? mn : "?", (int64_t) idx);
                        if (r < 0)
                                return r;
                        off -= esize > 0 ? idx * (uint64_t) esize : 0;
                        if (et && btf_is_composite(et) && member_at(b, et, off, path, len, inside, depth + 1) == 0)
                                return 0;
                        *inside = off;
                        return 0;
                }
                if (mn && *mn) {
                        r = append(path, len, mn, -1);
                        if (r < 0)
                                return r;
                }
                if (btf_is_composite(mt) && member_at(b, mt, off, path, len, inside, depth + 1) == 0)
                        return 0;
                *inside = off;
                return 0;
        }
        return -ENOENT;
}

int kbtf_member_at(struct kbtf *b, const char *type, uint64_t off, char *path, size_t len, uint64_t *inside) {
        const struct btf_type *t = find_composite(b, type, NULL);
        uint64_t in = 0;
        int r;

        if (!t || len == 0)
                return -ENOENT;
        if (off >= t->size)
                return -ENOENT;
        path[0] = '\0';
        r = member_at(b, t, off, path, len, &in, 0);
        if (r < 0)
                return r;
        if (inside)
                *inside = in;
        return 0;
}

int kbtf_func_params(struct kbtf *b, const char *fn, struct kbtf_param *params, size_t max) {
        char base[128];
        size_t n = frame_base_name_len(fn);
        int32_t id;
        const struct btf_type *proto;
        const struct btf_param *p;
        size_t k = 0;

        if (n == 0 || n >= sizeof(base))
                return -ENOENT;
        memcpy(base, fn, n);
        base[n] = '\0';
        id = find_named(b, base, BTF_KIND_FUNC);
        if (id < 0)
                return -ENOENT;
        proto = btf__type_by_id(b->btf, btf__type_by_id(b->btf, (uint32_t) id)->type);
        if (!proto || !btf_is_func_proto(proto))
                return -ENOENT;
        p = btf_params(proto);
        for (uint16_t i = 0; i < btf_vlen(proto) && k < max; i++, p++) {
                struct kbtf_param *out = &params[k++];
                const char *pn = btf__name_by_offset(b->btf, p->name_off);
                const struct btf_type *t = resolve(b, p->type, false, NULL);

                *out = (struct kbtf_param) { .index = i };
                snprintf(out->name, sizeof(out->name), "%s", pn ? pn : "");
                if (t && btf_is_ptr(t)) {
                        const struct btf_type *to = resolve(b, t->type, false, NULL);
                        const char *tn = to && btf_is_composite(to) ? btf__name_by_offset(b->btf, to->name_off) : NULL;
                        if (tn && *tn) {
                                snprintf(out->composite, sizeof(out->composite), "%s", tn);
                                out->is_union = btf_is_union(to);
                        }
                }
        }
        return (int) k;
}

int kbtf_read_bytes(struct kbtf *b, const struct kmem *mem, uint64_t addr, const char *type, const char *path,
                    void *buf, size_t len) {
        uint64_t off;
        int r = kbtf_member_offset(b, type, path, &off);

        if (r < 0)
                return r;
        return kmem_read(mem, addr + off, buf, len);
}

int kbtf_read_uint(struct kbtf *b, const struct kmem *mem, uint64_t addr, const char *type, const char *path,
                   uint64_t *ret) {
        uint64_t off, size;
        uint8_t v[8];
        int r = kbtf_member(b, type, path, &off, &size);

        if (r < 0)
                return r;
        if (size != 1 && size != 2 && size != 4 && size != 8)
                return -EINVAL;
        r = kmem_read(mem, addr + off, v, size);
        if (r < 0)
                return r;
        *ret = size == 8 ? kmem_le64(v) : size == 4 ? kmem_le32(v) : size == 2 ? kmem_le16(v) : v[0];
        return 0;
}
