/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "kallsyms.h"
#include "util.h"

/* Far above any real kernel (an allyesconfig build has about 250,000). */
#define KALLSYMS_MAX_SYMS (4U << 20)
#define KALLSYMS_NAMES_CHUNK (256U << 10)
#define KALLSYMS_TOKEN_TABLE_MAX (64U << 10)

enum kallsyms_encoding {
        KALLSYMS_ABSOLUTE,              /* unsigned long kallsyms_addresses[] */
        KALLSYMS_BASE_RELATIVE,         /* base + (u32) offset */
        KALLSYMS_ABSOLUTE_PERCPU,       /* x86_64 <= 6.14: >= 0 absolute, < 0 base - 1 - offset */
        KALLSYMS_PLACE_RELATIVE,        /* 7.0+: &offsets[i] + (s32) offset */
};

struct kallsyms {
        uint32_t n;
        uint64_t *addr;                 /* by index, ascending */
        uint8_t *names;                 /* kallsyms_names, loaded on first use */
        size_t names_len;
        uint32_t *name_off;             /* offset of entry i in names */
        uint64_t names_addr;
        bool long_lengths;              /* 6.1+: two-byte entry lengths */
        char *tokens;                   /* kallsyms_token_table */
        size_t tokens_len;
        uint16_t token_index[256];
        const struct kmem *mem;
};

_printf_(3, 4) static int fail(char *err, size_t errlen, const char *fmt, ...) {
        va_list ap;

        if (err && errlen > 0) {
                va_start(ap, fmt);
                vsnprintf(err, errlen, fmt, ap);
                va_end(ap);
        }
        return -ENODATA;
}

static bool find_addr(const uint64_t *v, uint32_t n, uint64_t want) {
        uint32_t lo = 0, hi = n;
        while (lo < hi) {
                uint32_t mid = lo + (hi - lo) / 2;
                if (v[mid] == want)
                        return true;
                if (v[mid] < want)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return false;
}

static bool sorted(const uint64_t *v, uint32_t n) {
        for (uint32_t i = 1; i < n; i++)
                if (v[i] < v[i - 1])
                        return false;
        return true;
}

/* Decodes the offsets table with the given encoding and keeps it when the
 * result is sorted and holds _stext: the tables do not say their encoding. */
static bool try_encoding(struct kallsyms *ks, enum kallsyms_encoding enc, const uint8_t *raw, uint64_t table,
                         uint64_t base, uint64_t stext) {
        for (uint32_t i = 0; i < ks->n; i++) {
                uint32_t u = kmem_le32(raw + 4 * (size_t) i);
                int32_t s = (int32_t) u;
                switch (enc) {
                case KALLSYMS_BASE_RELATIVE:
                        ks->addr[i] = base + u;
                        break;
                case KALLSYMS_ABSOLUTE_PERCPU:
                        ks->addr[i] = s >= 0 ? (uint64_t) s : base - 1 - (uint64_t) (int64_t) s;
                        break;
                case KALLSYMS_PLACE_RELATIVE:
                        ks->addr[i] = table + 4 * (uint64_t) i + (uint64_t) (int64_t) s;
                        break;
                default:
                        return false;
                }
        }
        return sorted(ks->addr, ks->n) && find_addr(ks->addr, ks->n, stext);
}

int kallsyms_load(const struct vmcoreinfo *vi, const struct kmem *mem, struct kallsyms **ret, char *err,
                  size_t errlen) {
        uint64_t sym_num, sym_names, sym_tt, sym_ti, sym_offsets, sym_base, sym_addresses, stext, base = 0;
        _cleanup_free_ uint8_t *raw = NULL;
        struct kallsyms *ks;
        uint32_t n;
        uint8_t ti[512];
        uint16_t max_ti = 0;
        bool ok = false;
        int r;

        if (!vmcoreinfo_symbol(vi, "kallsyms_num_syms", &sym_num) || !vmcoreinfo_symbol(vi, "kallsyms_names", &sym_names) ||
            !vmcoreinfo_symbol(vi, "kallsyms_token_table", &sym_tt) ||
            !vmcoreinfo_symbol(vi, "kallsyms_token_index", &sym_ti) || !vmcoreinfo_symbol(vi, "_stext", &stext))
                return fail(err, errlen, "VMCOREINFO has no kallsyms tables (they appear in Linux 6.0)");

        r = kmem_read_u32(mem, sym_num, &n);
        if (r < 0)
                return fail(err, errlen, "cannot read kallsyms_num_syms: %s", strerror(-r));
        if (n == 0 || n > KALLSYMS_MAX_SYMS)
                return fail(err, errlen, "kallsyms_num_syms is corrupt (%" PRIu32 ")", n);

        ks = calloc(1, sizeof(*ks));
        if (!ks)
                return -ENOMEM;
        ks->n = n;
        ks->mem = mem;
        ks->names_addr = sym_names;
        ks->long_lengths = vmcoreinfo_version_code(vi) >= ((6U << 16) | (1U << 8));
        ks->addr = malloc((size_t) n * sizeof(uint64_t));
        if (!ks->addr) {
                r = -ENOMEM;
                goto out;
        }

        if (vmcoreinfo_symbol(vi, "kallsyms_addresses", &sym_addresses)) {
                raw = malloc((size_t) n * 8);
                if (!raw) {
                        r = -ENOMEM;
                        goto out;
                }
                r = kmem_read(mem, sym_addresses, raw, (size_t) n * 8);
                if (r >= 0) {
                        for (uint32_t i = 0; i < n; i++)
                                ks->addr[i] = kmem_le64(raw + 8 * (size_t) i);
                        ok = sorted(ks->addr, n) && find_addr(ks->addr, n, stext);
                }
        } else if (vmcoreinfo_symbol(vi, "kallsyms_offsets", &sym_offsets)) {
                raw = malloc((size_t) n * 4);
                if (!raw) {
                        r = -ENOMEM;
                        goto out;
                }
                r = kmem_read(mem, sym_offsets, raw, (size_t) n * 4);
                if (r >= 0 && vmcoreinfo_symbol(vi, "kallsyms_relative_base", &sym_base))
                        r = kmem_read_u64(mem, sym_base, &base);
                if (r >= 0)
                        ok = try_encoding(ks, KALLSYMS_BASE_RELATIVE, raw, sym_offsets, base, stext) ||
                             try_encoding(ks, KALLSYMS_ABSOLUTE_PERCPU, raw, sym_offsets, base, stext) ||
                             try_encoding(ks, KALLSYMS_PLACE_RELATIVE, raw, sym_offsets, base, stext);
        } else {
                r = fail(err, errlen, "VMCOREINFO has neither kallsyms_addresses nor kallsyms_offsets");
                goto out;
        }
        if (r < 0) {
                r = fail(err, errlen, "cannot read the kallsyms address table: %s", strerror(-r));
                goto out;
        }
        if (!ok) {
                r = fail(err, errlen, "the kallsyms address table does not decode to _stext (0x%" PRIx64 ")",
                         stext);
                goto out;
        }

        r = kmem_read(mem, sym_ti, ti, sizeof(ti));
        if (r < 0) {
                r = fail(err, errlen, "cannot read kallsyms_token_index: %s", strerror(-r));
                goto out;
        }
        for (unsigned i = 0; i < 256; i++) {
                ks->token_index[i] = kmem_le16(ti + 2 * i);
                max_ti = MAX(max_ti, ks->token_index[i]);
        }
        /* Tokens are short; the last one starts at the largest index. */
        ks->tokens_len = MIN((size_t) max_ti + 256, (size_t) KALLSYMS_TOKEN_TABLE_MAX);
        ks->tokens = malloc(ks->tokens_len + 1);
        if (!ks->tokens) {
                r = -ENOMEM;
                goto out;
        }
        r = kmem_read(mem, sym_tt, ks->tokens, ks->tokens_len);
        if (r < 0) {
                r = fail(err, errlen, "cannot read kallsyms_token_table: %s", strerror(-r));
                goto out;
        }
        ks->tokens[ks->tokens_len] = '\0';
        *ret = TAKE_PTR(ks);
        return 0;
out:
        kallsyms_free(ks);
        return r;
}

void kallsyms_free(struct kallsyms *ks) {
        if (!ks)
                return;
        free(ks->addr);
        free(ks->names);
        free(ks->name_off);
        free(ks->tokens);
        free(ks);
}

size_t kallsyms_count(const struct kallsyms *ks) {
        return ks->n;
}

/* Reads kallsyms_names and indexes its entries. Its length is only known
 * by walking it, so it is read in chunks. */
static int load_names(struct kallsyms *ks, bool long_lengths) {
        size_t pos = 0;
        int r;

        free(ks->name_off);
        ks->name_off = malloc((size_t) ks->n * sizeof(uint32_t));
        if (!ks->name_off)
                return -ENOMEM;
        for (uint32_t i = 0; i < ks->n; i++) {
                size_t len;

                /* Each entry: a length (one byte, or two with bit 7 set in
                 * the first on 6.1+) and that many token bytes. */
                while (pos + 2 > ks->names_len) {
                        size_t ncap = ks->names_len + KALLSYMS_NAMES_CHUNK;
                        uint8_t *v;

                        if (ncap > (size_t) UINT32_MAX)
                                return -EBADMSG;
                        v = realloc(ks->names, ncap);
                        if (!v)
                                return -ENOMEM;
                        ks->names = v;
                        r = kmem_read(ks->mem, ks->names_addr + ks->names_len, v + ks->names_len,
                                      KALLSYMS_NAMES_CHUNK);
                        if (r < 0)
                                return r;
                        ks->names_len = ncap;
                }
                ks->name_off[i] = (uint32_t) pos;
                len = ks->names[pos];
                if (long_lengths && (len & 0x80)) {
                        len = (len & 0x7f) | ((size_t) ks->names[pos + 1] << 7);
                        pos += 2;
                } else
                        pos += 1;
                if (len == 0)
                        return -EBADMSG;
                pos += len;
        }
        return 0;
}

/* Expands entry i into buf; returns false when it does not decode. */
static bool decode_name(const struct kallsyms *ks, uint32_t i, char *type, char *buf, size_t len) {
        size_t pos = ks->name_off[i], n, out = 0;
        bool first = true;

        n = ks->names[pos];
        if (ks->long_lengths && (n & 0x80)) {
                n = (n & 0x7f) | ((size_t) ks->names[pos + 1] << 7);
                pos += 2;
        } else
                pos++;
        if (pos + n > ks->names_len)
                return false;
        for (size_t k = 0; k < n; k++) {
                uint16_t t = ks->token_index[ks->names[pos + k]];
                if (t >= ks->tokens_len)
                        return false;
                for (const char *p = ks->tokens + t; *p && p < ks->tokens + ks->tokens_len; p++) {
                        if (first) {
                                *type = *p;
                                first = false;
                        } else if (out + 1 < len)
                                buf[out++] = *p;
                }
        }
        buf[out] = '\0';
        return !first;
}

static int ensure_names(struct kallsyms *ks) {
        int r;

        if (ks->name_off)
                return 0;
        r = load_names(ks, ks->long_lengths);
        /* The length format changed in 6.1 without a marker; a release
         * string that misleads us is caught by the table not parsing. */
        if (r == -EBADMSG) {
                ks->long_lengths = !ks->long_lengths;
                r = load_names(ks, ks->long_lengths);
        }
        if (r < 0) {
                free(ks->name_off);
                ks->name_off = NULL;
        }
        return r;
}

bool kallsyms_lookup(struct kallsyms *ks, uint64_t addr, struct ksym *ret) {
        uint32_t lo = 0, hi = ks->n, i;

        if (ks->n == 0 || addr < ks->addr[0])
                return false;
        /* The last symbol whose address is <= addr. */
        while (hi - lo > 1) {
                uint32_t mid = lo + (hi - lo) / 2;
                if (ks->addr[mid] <= addr)
                        lo = mid;
                else
                        hi = mid;
        }
        i = lo;
        /* Aliases share an address; the kernel names the first. */
        while (i > 0 && ks->addr[i - 1] == ks->addr[i])
                i--;
        /* Past the last symbol (_end and friends) is not the kernel. */
        if (lo + 1 >= ks->n)
                return false;
        if (ensure_names(ks) < 0 || !decode_name(ks, i, &ret->type, ret->name, sizeof(ret->name)))
                return false;
        ret->address = ks->addr[i];
        ret->offset = addr - ks->addr[i];
        uint32_t nx = lo + 1;
        while (nx < ks->n && ks->addr[nx] == ks->addr[i])
                nx++;
        ret->size = nx < ks->n ? ks->addr[nx] - ks->addr[i] : 0;
        return true;
}

bool kallsyms_address(struct kallsyms *ks, const char *name, uint64_t *ret) {
        char buf[128], type;

        if (ensure_names(ks) < 0)
                return false;
        for (uint32_t i = 0; i < ks->n; i++)
                if (decode_name(ks, i, &type, buf, sizeof(buf)) && strcmp(buf, name) == 0) {
                        *ret = ks->addr[i];
                        return true;
                }
        return false;
}

char *kallsyms_format(struct kallsyms *ks, uint64_t addr) {
        struct ksym s;
        char *out;

        if (!kallsyms_lookup(ks, addr, &s))
                return NULL;
        if (asprintf(&out, "%s+0x%" PRIx64 "/0x%" PRIx64, s.name, s.offset, s.size) < 0)
                return NULL;
        return out;
}
