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
/* Searching names reads this much at a time, and stops when all are found:
 * far more than an entry (a name is at most 512 bytes). */
#define KALLSYMS_STREAM_WINDOW (16U << 10)
#define KALLSYMS_TOKEN_TABLE_MAX (64U << 10)
#define KALLSYMS_MAX_SIZE (UINT64_C(64) << 20)
/* 256 entries of at most a few dozen token bytes each. */
#define KALLSYMS_BLOCK_MAX (32U << 10)
#define KALLSYMS_TABLE_CHUNK 4096U
#define KALLSYMS_TABLE_SLOTS 16U

enum kallsyms_encoding {
        KALLSYMS_ABSOLUTE,              /* unsigned long kallsyms_addresses[] */
        KALLSYMS_BASE_RELATIVE,         /* base + (u32) offset */
        KALLSYMS_ABSOLUTE_PERCPU,       /* x86_64 <= 6.14: >= 0 absolute, < 0 base - 1 - offset */
        KALLSYMS_PLACE_RELATIVE,        /* 7.0+: &offsets[i] + (s32) offset */
};

struct kallsyms {
        uint32_t n;
        /* The address table stays in the dump; entries are read through a
         * small cache as binary searches need them. */
        enum kallsyms_encoding encoding;
        uint64_t table;                 /* kallsyms_offsets or kallsyms_addresses */
        uint64_t base;                  /* kallsyms_relative_base */
        /* Entries from `first` on are kernel addresses (before it: per-CPU
         * offsets), spanning [lowest, highest]. */
        uint32_t first;
        uint64_t lowest, highest;
        struct { uint64_t no; bool valid; uint8_t data[KALLSYMS_TABLE_CHUNK]; } chunk[KALLSYMS_TABLE_SLOTS];
        bool read_error;
        uint8_t *names;                 /* kallsyms_names, loaded on first use */
        size_t names_len;
        uint32_t *name_off;             /* offset of entry i in names */
        uint64_t names_addr;
        bool long_lengths;              /* 6.1+: two-byte entry lengths */
        char *tokens;                   /* kallsyms_token_table */
        size_t tokens_len;
        uint16_t token_index[256];
        uint64_t token_table_addr;
        /* kallsyms_markers (names offset of every 256th entry), when found:
         * VMCOREINFO does not export it, so it is looked for where the
         * kernel's link script puts it; then looking up one symbol reads
         * one block of names instead of all of them. */
        uint32_t *markers;
        uint32_t n_markers;
        bool markers_tried;
        uint8_t block[KALLSYMS_BLOCK_MAX];
        uint32_t block_no;
        size_t block_len;
        bool block_valid;
        const struct kmem *mem;
};

/* Entry i of the address table, decoded; 0 (and read_error set) when it
 * cannot be read. */
static uint64_t addr_at(struct kallsyms *ks, uint32_t i) {
        uint64_t width = ks->encoding == KALLSYMS_ABSOLUTE ? 8 : 4;
        uint64_t off = (uint64_t) i * width;
        /* Chunks follow the dump's pages, not the table's start: a chunk
         * that straddled two pages would cost two page reads (and two
         * decompressions) instead of one. The kernel aligns the table to at
         * least the entry size, so no entry straddles a chunk. */
        uint64_t a = ks->table + off, no = a / KALLSYMS_TABLE_CHUNK;
        unsigned slot = (unsigned) (no % KALLSYMS_TABLE_SLOTS);
        const uint8_t *p;

        if (!ks->chunk[slot].valid || ks->chunk[slot].no != no) {
                uint64_t from = MAX(no * KALLSYMS_TABLE_CHUNK, ks->table);
                uint64_t to = MIN((no + 1) * KALLSYMS_TABLE_CHUNK, ks->table + (uint64_t) ks->n * width);
                ks->chunk[slot].valid = false;
                if (a + width > to || kmem_read(ks->mem, from, ks->chunk[slot].data + from % KALLSYMS_TABLE_CHUNK,
                                                (size_t) (to - from)) < 0) {
                        ks->read_error = true;
                        return 0;
                }
                ks->chunk[slot].no = no;
                ks->chunk[slot].valid = true;
        }
        p = ks->chunk[slot].data + a % KALLSYMS_TABLE_CHUNK;
        if (width == 8)
                return kmem_le64(p);
        uint32_t u = kmem_le32(p);
        int32_t v = (int32_t) u;
        switch (ks->encoding) {
        case KALLSYMS_BASE_RELATIVE:
                return ks->base + u;
        case KALLSYMS_ABSOLUTE_PERCPU:
                return v >= 0 ? (uint64_t) v : ks->base - 1 - (uint64_t) (int64_t) v;
        default: /* KALLSYMS_PLACE_RELATIVE */
                return ks->table + off + (uint64_t) (int64_t) v;
        }
}

/* The entries [*first, *last] that share a chunk with entry i. */
static void chunk_span(const struct kallsyms *ks, uint32_t i, uint32_t *first, uint32_t *last) {
        uint64_t width = ks->encoding == KALLSYMS_ABSOLUTE ? 8 : 4;
        uint64_t start = (ks->table + (uint64_t) i * width) / KALLSYMS_TABLE_CHUNK * KALLSYMS_TABLE_CHUNK;
        uint64_t end = start + KALLSYMS_TABLE_CHUNK;

        *first = start <= ks->table ? 0 : (uint32_t) ((start - ks->table) / width);
        *last = (uint32_t) MIN((end - ks->table) / width - 1, (uint64_t) ks->n - 1);
}

/* The last index in [from, n) whose address is <= addr, or from - 1. Relies
 * on the table being sorted, which the kernel's build guarantees.
 *
 * Each probe costs a page of the dump (a decompression in a compressed one)
 * unless its chunk is already here: after every probe the search narrows to
 * the probed chunk or past it, which costs nothing more. (Interpolation
 * steps were tried: the addresses are too unevenly spread, text then data,
 * and they read more chunks than bisection.) */
static int64_t find_le_from(struct kallsyms *ks, uint64_t addr, uint32_t from) {
        int64_t lo = from, hi = (int64_t) ks->n - 1;
        uint64_t vlo, vhi;

        if (lo > hi)
                return lo - 1;
        vlo = addr_at(ks, (uint32_t) lo);
        vhi = addr_at(ks, (uint32_t) hi);
        if (ks->read_error || addr < vlo)
                return lo - 1;
        if (vhi <= addr)
                return hi;
        /* From here on a[lo] <= addr < a[hi]. */
        while (hi - lo > 1) {
                uint32_t cf, cl;
                int64_t mid, edge;
                uint64_t v, ve;

                mid = lo + (hi - lo) / 2;
                v = addr_at(ks, (uint32_t) mid);
                if (ks->read_error)
                        return (int64_t) from - 1;
                chunk_span(ks, (uint32_t) mid, &cf, &cl);
                if (v <= addr) {
                        lo = mid;
                        vlo = v;
                        edge = MIN((int64_t) cl, hi - 1);
                        if (edge > lo) {
                                ve = addr_at(ks, (uint32_t) edge);
                                if (ve <= addr) {
                                        lo = edge;
                                        vlo = ve;
                                } else {
                                        hi = edge;
                                        vhi = ve;
                                }
                        }
                } else {
                        hi = mid;
                        vhi = v;
                        edge = MAX((int64_t) cf, lo + 1);
                        if (edge < hi) {
                                ve = addr_at(ks, (uint32_t) edge);
                                if (ve > addr) {
                                        hi = edge;
                                        vhi = ve;
                                } else {
                                        lo = edge;
                                        vlo = ve;
                                }
                        }
                }
        }
        return ks->read_error ? (int64_t) from - 1 : lo;
}

static int64_t find_le(struct kallsyms *ks, uint64_t addr) {
        return find_le_from(ks, addr, 0);
}

/* The tables do not say their encoding: keep the one under which _stext is
 * an entry (as drgn does) and the table starts below where it ends. */
static bool try_encoding(struct kallsyms *ks, enum kallsyms_encoding enc, uint64_t stext) {
        int64_t i;

        /* The cached chunks hold raw table bytes: still good under another
         * encoding. */
        ks->encoding = enc;
        ks->read_error = false;
        if (addr_at(ks, 0) > addr_at(ks, ks->n - 1))
                return false;
        i = find_le(ks, stext);
        return !ks->read_error && i >= 0 && addr_at(ks, (uint32_t) i) == stext;
}

int kallsyms_load(const struct vmcoreinfo *vi, const struct kmem *mem, struct kallsyms **ret, char *err,
                  size_t errlen) {
        uint64_t sym_num, sym_names, sym_tt, sym_ti, sym_base, stext;
        struct kallsyms *ks;
        uint32_t n;
        uint8_t ti[512];
        uint16_t max_ti = 0;
        bool ok = false;
        int r;

        if (!vmcoreinfo_symbol(vi, "kallsyms_num_syms", &sym_num) || !vmcoreinfo_symbol(vi, "kallsyms_names", &sym_names) ||
            !vmcoreinfo_symbol(vi, "kallsyms_token_table", &sym_tt) ||
            !vmcoreinfo_symbol(vi, "kallsyms_token_index", &sym_ti) || !vmcoreinfo_symbol(vi, "_stext", &stext))
                return set_error(-ENODATA, err, errlen, "VMCOREINFO has no kallsyms tables (they appear in Linux 6.0)");

        r = kmem_read_u32(mem, sym_num, &n);
        if (r < 0)
                return set_error(-ENODATA, err, errlen, "cannot read kallsyms_num_syms: %s", strerror(-r));
        if (n == 0 || n > KALLSYMS_MAX_SYMS)
                return set_error(-ENODATA, err, errlen, "kallsyms_num_syms is corrupt (%" PRIu32 ")", n);

        ks = calloc(1, sizeof(*ks));
        if (!ks)
                return -ENOMEM;
        ks->n = n;
        ks->mem = mem;
        ks->token_table_addr = sym_tt;
        ks->names_addr = sym_names;
        ks->long_lengths = vmcoreinfo_version_code(vi) >= ((6U << 16) | (1U << 8));
        /* The kernel aligns the table to 8 bytes; the chunk reads rely on
         * entries never straddling a page. */
        if ((vmcoreinfo_symbol(vi, "kallsyms_addresses", &ks->table) ||
             vmcoreinfo_symbol(vi, "kallsyms_offsets", &ks->table)) && ks->table % 8 != 0) {
                r = set_error(-ENODATA, err, errlen, "the kallsyms address table is misaligned");
                goto out;
        }

        if (vmcoreinfo_symbol(vi, "kallsyms_addresses", &ks->table))
                ok = try_encoding(ks, KALLSYMS_ABSOLUTE, stext);
        else if (vmcoreinfo_symbol(vi, "kallsyms_offsets", &ks->table)) {
                if (vmcoreinfo_symbol(vi, "kallsyms_relative_base", &sym_base) &&
                    (r = kmem_read_u64(mem, sym_base, &ks->base)) < 0) {
                        r = set_error(-ENODATA, err, errlen, "cannot read kallsyms_relative_base: %s", strerror(-r));
                        goto out;
                }
                /* x86_64 SMP kernels up to 6.14 use the per-CPU encoding
                 * (init_top_pgt says x86_64); try the likely one first, as a
                 * wrong guess costs a whole binary search. */
                bool x86_64 = vmcoreinfo_symbol(vi, "init_top_pgt", &(uint64_t){ 0 });
                ok = (x86_64 && try_encoding(ks, KALLSYMS_ABSOLUTE_PERCPU, stext)) ||
                     try_encoding(ks, KALLSYMS_BASE_RELATIVE, stext) ||
                     (!x86_64 && try_encoding(ks, KALLSYMS_ABSOLUTE_PERCPU, stext)) ||
                     try_encoding(ks, KALLSYMS_PLACE_RELATIVE, stext);
        } else {
                r = set_error(-ENODATA, err, errlen, "VMCOREINFO has neither kallsyms_addresses nor kallsyms_offsets");
                goto out;
        }
        if (!ok) {
                r = set_error(-ENODATA, err, errlen, "the kallsyms address table %s", ks->read_error ? "cannot be read" :
                         "does not decode to _stext");
                goto out;
        }
        ks->first = (uint32_t) (find_le(ks, (UINT64_C(1) << 63) - 1) + 1);
        if (ks->first < ks->n) {
                ks->lowest = addr_at(ks, ks->first);
                ks->highest = addr_at(ks, ks->n - 1);
        }

        r = kmem_read(mem, sym_ti, ti, sizeof(ti));
        if (r < 0) {
                r = set_error(-ENODATA, err, errlen, "cannot read kallsyms_token_index: %s", strerror(-r));
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
                r = set_error(-ENODATA, err, errlen, "cannot read kallsyms_token_table: %s", strerror(-r));
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
        free(ks->names);
        free(ks->name_off);
        free(ks->tokens);
        free(ks->markers);
        free(ks);
}

size_t kallsyms_count(const struct kallsyms *ks) {
        return ks->n;
}

/* One entry of kallsyms_names: a length (one byte, or two with bit 7 set
 * in the first on 6.1+) and that many token bytes. Returns the token count
 * (0: does not fit in avail) and the length of the length in *hdr. */
static size_t entry_len(const uint8_t *p, size_t avail, bool long_lengths, size_t *hdr) {
        size_t n;

        *hdr = 1;
        if (avail < 1)
                return 0;
        n = p[0];
        if (long_lengths && (n & 0x80)) {
                if (avail < 2)
                        return 0;
                n = (n & 0x7f) | ((size_t) p[1] << 7);
                *hdr = 2;
        }
        return avail - *hdr >= n ? n : 0;
}

/* Expands the entry at p (avail bytes left) into its type letter and name.
 * With want set nothing is stored: it says whether the name equals want,
 * stopping at the first difference (most entries differ in their first
 * token, which keeps a search through all names cheap). */
static bool expand_entry(const struct kallsyms *ks, const uint8_t *p, size_t avail, char *type, char *buf,
                         size_t len, const char *want) {
        size_t hdr, n = entry_len(p, avail, ks->long_lengths, &hdr), out = 0;
        bool first = true;

        for (size_t k = 0; k < n; k++) {
                uint16_t t = ks->token_index[p[hdr + k]];
                if (t >= ks->tokens_len)
                        return false;
                for (const char *c = ks->tokens + t; c < ks->tokens + ks->tokens_len && *c; c++) {
                        if (first) {
                                if (type)
                                        *type = *c;
                                first = false;
                        } else if (want) {
                                if (*c != *want++)
                                        return false;
                        } else if (out + 1 < len)
                                buf[out++] = *c;
                }
        }
        if (buf)
                buf[out] = '\0';
        return !first && (!want || *want == '\0');
}

/* Reads kallsyms_names and indexes its entries. Its length is only known
 * by walking it, so it is read in chunks. */
static int load_names(struct kallsyms *ks) {
        size_t pos = 0, hdr, n;
        int r;

        free(ks->name_off);
        ks->name_off = malloc((size_t) ks->n * sizeof(uint32_t));
        if (!ks->name_off)
                return -ENOMEM;
        for (uint32_t i = 0; i < ks->n; i++) {
                while ((n = entry_len(ks->names + pos, ks->names_len - pos, ks->long_lengths, &hdr)) == 0 &&
                       ks->names_len - pos < 2 + 0xffff) {
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
                if (n == 0)
                        return -EBADMSG;
                ks->name_off[i] = (uint32_t) pos;
                pos += hdr + n;
        }
        return 0;
}

static int ensure_names(struct kallsyms *ks) {
        int r;

        if (ks->name_off)
                return 0;
        r = load_names(ks);
        /* The length format changed in 6.1 without a marker; a release
         * string that misleads us is caught by the table not parsing. */
        if (r == -EBADMSG) {
                ks->long_lengths = !ks->long_lengths;
                r = load_names(ks);
        }
        if (r < 0) {
                free(ks->name_off);
                ks->name_off = NULL;
        }
        return r;
}

/* Entry i from the whole table (ensure_names() first). */
static bool decode_name(const struct kallsyms *ks, uint32_t i, char *type, char *buf, size_t len, const char *want) {
        size_t pos = ks->name_off[i];
        return expand_entry(ks, ks->names + pos, ks->names_len - pos, type, buf, len, want);
}

/* Checks a candidate markers array: starts at 0, grows by at most a block
 * per entry, and stays inside the names table. */
static bool markers_plausible(const uint32_t *m, uint32_t n, uint64_t names_span) {
        if (n == 0 || m[0] != 0)
                return false;
        for (uint32_t i = 1; i < n; i++)
                if (m[i] <= m[i - 1] || m[i] - m[i - 1] > KALLSYMS_BLOCK_MAX || m[i] >= names_span)
                        return false;
        return true;
}

static void find_markers(struct kallsyms *ks) {
        uint32_t n = (ks->n + 255) / 256;
        uint64_t span, seqs = ((uint64_t) ks->n * 3 + 7) & ~UINT64_C(7);
        _cleanup_free_ uint8_t *raw = NULL;
        uint32_t *m;

        ks->markers_tried = true;
        if (ks->token_table_addr <= ks->names_addr)
                return;
        span = ks->token_table_addr - ks->names_addr;
        raw = malloc((size_t) n * 4);
        m = malloc((size_t) n * sizeof(uint32_t));
        if (!raw || !m) {
                free(m);
                return;
        }
        /* Right before kallsyms_token_table (<= 6.1), or before
         * kallsyms_seqs_of_names (3 bytes a symbol, 6.2+), after at most 7
         * bytes of alignment. */
        for (unsigned layout = 0; layout < 2; layout++)
                for (unsigned pad = 0; pad < 8; pad += 4) {
                        uint64_t end = ks->token_table_addr - pad - (layout ? seqs : 0);
                        if (end < ks->names_addr + (uint64_t) n * 4 ||
                            kmem_read(ks->mem, end - (uint64_t) n * 4, raw, (size_t) n * 4) < 0)
                                continue;
                        for (uint32_t i = 0; i < n; i++)
                                m[i] = kmem_le32(raw + 4 * (size_t) i);
                        if (markers_plausible(m, n, span)) {
                                ks->markers = m;
                                ks->n_markers = n;
                                return;
                        }
                }
        free(m);
}

/* Loads block b (entries 256b ... 256b+255) by its marker, checking that it
 * holds exactly its entries, so that a wrong guess of the markers shows. */
static bool load_block(struct kallsyms *ks, uint32_t b) {
        uint32_t start = ks->markers[b];
        size_t want = b + 1 < ks->n_markers ? ks->markers[b + 1] - start : KALLSYMS_BLOCK_MAX, pos = 0, hdr, n;

        if (ks->block_valid && ks->block_no == b)
                return true;
        ks->block_valid = false;
        want = MIN(want, (size_t) KALLSYMS_BLOCK_MAX);
        if (kmem_read(ks->mem, ks->names_addr + start, ks->block, want) < 0)
                return false;
        for (uint32_t k = 0; k < 256 && b * 256 + k < ks->n; k++) {
                n = entry_len(ks->block + pos, want - pos, ks->long_lengths, &hdr);
                if (n == 0)
                        return false;
                pos += hdr + n;
        }
        if (b + 1 < ks->n_markers && pos != want)
                return false;
        ks->block_len = pos;
        ks->block_no = b;
        ks->block_valid = true;
        return true;
}

static bool decode_name_by_marker(struct kallsyms *ks, uint32_t i, char *type, char *buf, size_t len) {
        size_t pos = 0, hdr;

        if (!load_block(ks, i / 256))
                return false;
        for (uint32_t k = 0; k < i % 256; k++)
                pos += hdr + entry_len(ks->block + pos, ks->block_len - pos, ks->long_lengths, &hdr);
        return expand_entry(ks, ks->block + pos, ks->block_len - pos, type, buf, len, NULL);
}

/* Entry i's name, by its marker block when possible, else from the whole
 * table. */
static bool name_of(struct kallsyms *ks, uint32_t i, char *type, char *buf, size_t len) {
        if (!ks->markers_tried && !ks->name_off)
                find_markers(ks);
        if (ks->markers && !ks->name_off) {
                if (decode_name_by_marker(ks, i, type, buf, len))
                        return true;
                /* A wrong guess: forget the markers, read everything. */
                free(ks->markers);
                ks->markers = NULL;
        }
        return ensure_names(ks) >= 0 && decode_name(ks, i, type, buf, len, NULL);
}

bool kallsyms_lookup(struct kallsyms *ks, uint64_t addr, struct ksym *ret) {
        int64_t lo;
        uint32_t i;
        uint64_t a;

        /* Kernel addresses live in the upper half on x86_64 and arm64; the
         * small values below are per-CPU offsets, not places in code. */
        if (!(addr >> 63) || ks->first >= ks->n || addr < ks->lowest || addr >= ks->highest)
                return false;
        lo = find_le_from(ks, addr, ks->first);
        /* Before the first or past the last symbol (_end) is not the kernel. */
        if (lo < 0 || (uint32_t) lo + 1 >= ks->n || ks->read_error)
                return false;
        a = addr_at(ks, (uint32_t) lo);
        /* Aliases share an address; the kernel names the first. */
        i = (uint32_t) lo;
        while (i > 0 && addr_at(ks, i - 1) == a)
                i--;
        ret->address = a;
        ret->offset = addr - a;
        ret->size = addr_at(ks, (uint32_t) lo + 1) - a;
        /* A "symbol" this large is the gap between kernel regions. */
        if (ks->read_error || ret->size > KALLSYMS_MAX_SIZE)
                return false;
        if (!name_of(ks, i, &ret->type, ret->name, sizeof(ret->name)))
                return false;
        /* An end marker is no function: past _etext is read-only data
         * when kallsyms lists text only (no CONFIG_KALLSYMS_ALL, as on
         * Debian's arm64), and the kernel prints such addresses raw too. */
        return !streq_ptr(ret->name, "_etext") && !streq_ptr(ret->name, "_einittext") && !streq_ptr(ret->name, "_end");
}

/* Compares entry p (avail bytes) with each name not found yet. */
static unsigned match_entry(struct kallsyms *ks, const uint8_t *p, size_t avail, uint32_t i, const char *const *names,
                            size_t n, uint64_t *addrs, bool *found) {
        unsigned hits = 0;

        for (size_t k = 0; k < n; k++)
                if (!found[k] && expand_entry(ks, p, avail, NULL, NULL, 0, names[k])) {
                        addrs[k] = addr_at(ks, i);
                        found[k] = !ks->read_error;
                        hits += found[k];
                }
        return hits;
}

/* One pass over kallsyms_names through a fixed window, for names not yet
 * indexed: the whole table (1.5 MiB on a distribution kernel) need not be
 * kept. Returns how many were found, or -EBADMSG when the table does not
 * parse with the current length format. */
static int stream_names(struct kallsyms *ks, uint32_t first, const char *const *names, size_t n, uint64_t *addrs,
                        bool *found) {
        _cleanup_free_ uint8_t *win = malloc(KALLSYMS_STREAM_WINDOW);
        size_t have = 0, pos = 0, hdr, len, total = 0;
        uint64_t next = ks->names_addr;

        if (!win)
                return -ENOMEM;
        /* Entries are in address order and every 256th has a marker: a
         * search for symbols at or above some address starts at the
         * block that holds the first of them. */
        if (first > 0 && ks->markers && first / 256 < ks->n_markers) {
                first -= first % 256;
                next += ks->markers[first / 256];
        } else
                first = 0;
        for (uint32_t i = first; i < ks->n && total < n; i++) {
                while ((len = entry_len(win + pos, have - pos, ks->long_lengths, &hdr)) == 0) {
                        /* An entry longer than the window is damage. */
                        if (pos == 0 && have == KALLSYMS_STREAM_WINDOW)
                                return -EBADMSG;
                        /* Keep the partial entry, refill behind it. */
                        memmove(win, win + pos, have - pos);
                        have -= pos;
                        pos = 0;
                        if (kmem_read(ks->mem, next, win + have, KALLSYMS_STREAM_WINDOW - have) < 0)
                                return -EIO;
                        next += KALLSYMS_STREAM_WINDOW - have;
                        have = KALLSYMS_STREAM_WINDOW;
                }
                total += match_entry(ks, win + pos, have - pos, i, names, n, addrs, found);
                pos += hdr + len;
        }
        return (int) total;
}

int kallsyms_next_gap(struct kallsyms *ks, uint64_t from, uint64_t min_gap, uint64_t *lo, uint64_t *hi) {
        int64_t k = find_le_from(ks, *hi ? *hi : from, 0);
        uint64_t prev, cur;
        uint32_t i;

        if (ks->read_error)
                return -EIO;
        i = k < 0 ? 0 : (uint32_t) k;
        prev = addr_at(ks, i);
        for (i++; i < ks->n && !ks->read_error; i++) {
                cur = addr_at(ks, i);
                if (prev >= from && cur > prev && cur - prev >= min_gap) {
                        *lo = prev;
                        *hi = cur;
                        return 0;
                }
                prev = cur;
        }
        return ks->read_error ? -EIO : -ENOENT;
}

int kallsyms_gap_below(struct kallsyms *ks, uint64_t from, uint64_t below, uint64_t min_gap, uint64_t *lo,
                       uint64_t *hi) {
        int64_t k = find_le_from(ks, below, 0);
        uint64_t next, cur;

        if (ks->read_error || k < 1)
                return ks->read_error ? -EIO : -ENOENT;
        next = addr_at(ks, (uint32_t) k);
        for (int64_t i = k - 1; i >= 0 && !ks->read_error; i--) {
                cur = addr_at(ks, (uint32_t) i);
                if (cur < from)
                        break;
                if (next > cur && next - cur >= min_gap) {
                        *lo = cur;
                        *hi = next;
                        return 0;
                }
                next = cur;
        }
        return ks->read_error ? -EIO : -ENOENT;
}

int kallsyms_addresses_above(struct kallsyms *ks, uint64_t min_addr, const char *const *names, size_t n,
                             uint64_t *addrs) {
        _cleanup_free_ bool *found = calloc(MAX(n, (size_t) 1), sizeof(bool));
        uint32_t first = 0;
        int64_t i0;
        int r;

        if (!found)
                return -ENOMEM;
        if (min_addr > 0) {
                i0 = find_le_from(ks, min_addr - 1, 0);
                if (ks->read_error)
                        return -EIO;
                first = (uint32_t) (i0 + 1);
        }
        if (ks->name_off) {
                size_t total = 0;
                for (uint32_t i = first; i < ks->n && total < n; i++) {
                        size_t pos = ks->name_off[i];
                        total += match_entry(ks, ks->names + pos, ks->names_len - pos, i, names, n, addrs, found);
                }
                return (int) total;
        }
        if (first > 0 && !ks->markers_tried)
                find_markers(ks);
        r = stream_names(ks, first, names, n, addrs, found);
        /* The length format changed in 6.1 without a marker; a release
         * string that misleads us shows as a table that does not parse. */
        if (r == -EBADMSG) {
                ks->long_lengths = !ks->long_lengths;
                memset(found, 0, n * sizeof(bool));
                r = stream_names(ks, first, names, n, addrs, found);
                if (r < 0)
                        ks->long_lengths = !ks->long_lengths;
        }
        return r;
}

int kallsyms_addresses(struct kallsyms *ks, const char *const *names, size_t n, uint64_t *addrs) {
        return kallsyms_addresses_above(ks, 0, names, n, addrs);
}

bool kallsyms_address(struct kallsyms *ks, const char *name, uint64_t *ret) {
        return kallsyms_addresses(ks, &name, 1, ret) == 1;
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
