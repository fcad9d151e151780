/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "printk.h"
#include "util.h"

/* Limits that no real kernel reaches (the text ring is at most 2^25 bytes
 * with LOG_BUF_SHIFT, log_buf_len= rarely asks for more than a few MiB);
 * past them the geometry is corrupt, not large. */
#define PRINTK_MAX_TEXT_BITS 30
#define PRINTK_MAX_DESC_BITS 25
#define PRINTK_MAX_STRUCT 4096

/* Descriptor state_var: id in the low 62 bits, state in the top two. */
#define DESC_STATE_SHIFT 62
#define DESC_ID_MASK (~(UINT64_C(3) << DESC_STATE_SHIFT))
enum { DESC_RESERVED, DESC_COMMITTED, DESC_FINALIZED, DESC_REUSABLE };

/* Offsets and sizes a walker needs, looked up in one place so that a
 * missing one is named in the error. */
struct layout {
        const struct vmcoreinfo *vi;
        const char *missing;
};

static uint64_t need_offset(struct layout *l, const char *name) {
        uint64_t v = 0;
        if (!vmcoreinfo_offset(l->vi, name, &v) && !l->missing)
                l->missing = name;
        return v;
}

static uint64_t need_size(struct layout *l, const char *name) {
        uint64_t v = 0;
        if (!vmcoreinfo_size(l->vi, name, &v) && !l->missing)
                l->missing = name;
        return v;
}

static int log_add(struct printk_log *log, size_t *cap, uint64_t ts, uint32_t caller, const char *text,
                   uint32_t len) {
        if (log->n_records == *cap) {
                size_t ncap = MAX(*cap * 2, (size_t) 256);
                struct printk_record *v = realloc(log->records, ncap * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                log->records = v;
                *cap = ncap;
        }
        log->records[log->n_records++] = (struct printk_record){ ts, caller, len, text };
        return 0;
}

/* The descriptor (or info) slots of ids tail..head, at most two reads
 * since the ids wrap around the array once at most. */
static int read_slots(const struct kmem *mem, uint64_t addr, uint8_t *arr, uint64_t sz, uint64_t count,
                      uint64_t tail_id, uint64_t head_id) {
        uint64_t first = tail_id & (count - 1);
        uint64_t n = ((head_id - tail_id) & DESC_ID_MASK) + 1;
        uint64_t n1 = MIN(n, count - first);
        int r;

        r = kmem_read(mem, addr + first * sz, arr + first * sz, n1 * sz);
        if (r >= 0 && n > n1)
                r = kmem_read(mem, addr, arr, (n - n1) * sz);
        return r;
}

/* A complete (committed or finalized) record with its id in the slot. */
static bool desc_usable(const uint8_t *d, uint64_t off_sv, uint64_t id) {
        uint64_t sv = kmem_le64(d + off_sv);
        unsigned state = (unsigned) (sv >> DESC_STATE_SHIFT);
        return (sv & DESC_ID_MASK) == id && (state == DESC_COMMITTED || state == DESC_FINALIZED);
}

/* Reads the pages of the text ring that the usable records of tail..head
 * point into, each contiguous run with one read, at their place in text. */
#define TEXT_CHUNK 4096
static int read_text_blocks(const struct kmem *mem, uint64_t data, uint8_t *text, uint64_t size,
                            const uint8_t *desc_arr, uint64_t count, uint64_t sz_desc, uint64_t off_sv,
                            uint64_t off_begin, uint64_t off_next, uint64_t tail_id, uint64_t head_id) {
        uint64_t n_chunks = (size + TEXT_CHUNK - 1) / TEXT_CHUNK;
        _cleanup_free_ uint8_t *need = calloc((n_chunks + 7) / 8, 1);
        int r;

        if (!need)
                return -ENOMEM;
        for (uint64_t id = tail_id;; id = (id + 1) & DESC_ID_MASK) {
                const uint8_t *d = desc_arr + (id & (count - 1)) * sz_desc;
                if (desc_usable(d, off_sv, id)) {
                        uint64_t begin = kmem_le64(d + off_begin) & (size - 1);
                        uint64_t next = kmem_le64(d + off_next) & (size - 1);
                        if (begin > next)
                                begin = 0;
                        for (uint64_t c = begin / TEXT_CHUNK; begin < next && c <= (next - 1) / TEXT_CHUNK; c++)
                                need[c / 8] |= (uint8_t) (1u << (c % 8));
                }
                if (id == head_id)
                        break;
        }
        for (uint64_t c = 0; c < n_chunks;) {
                uint64_t e;
                if (!(need[c / 8] & (1u << (c % 8)))) {
                        c++;
                        continue;
                }
                for (e = c + 1; e < n_chunks && (need[e / 8] & (1u << (e % 8))); e++)
                        ;
                uint64_t off = c * TEXT_CHUNK, len = MIN(e * TEXT_CHUNK, size) - off;
                r = kmem_read(mem, data + off, text + off, len);
                if (r < 0)
                        return r;
                c = e;
        }
        return 0;
}

static int read_lockless(const struct vmcoreinfo *vi, const struct kmem *mem, struct printk_log *log, char *err,
                         size_t errlen) {
        struct layout l = { .vi = vi };
        uint64_t prb_sym, prb, descs, infos, data, head_id, tail_id, count, size;
        uint32_t count_bits, size_bits;
        uint8_t *rb = NULL, *desc_arr, *info_arr, *text;
        size_t cap = 0;
        int r;

        uint64_t sz_rb = need_size(&l, "printk_ringbuffer");
        uint64_t off_desc_ring = need_offset(&l, "printk_ringbuffer.desc_ring");
        uint64_t off_text_ring = need_offset(&l, "printk_ringbuffer.text_data_ring");
        uint64_t off_count_bits = need_offset(&l, "prb_desc_ring.count_bits");
        uint64_t off_descs = need_offset(&l, "prb_desc_ring.descs");
        uint64_t off_infos = need_offset(&l, "prb_desc_ring.infos");
        uint64_t off_head = need_offset(&l, "prb_desc_ring.head_id");
        uint64_t off_tail = need_offset(&l, "prb_desc_ring.tail_id");
        uint64_t sz_desc = need_size(&l, "prb_desc");
        uint64_t off_state = need_offset(&l, "prb_desc.state_var");
        uint64_t off_blk = need_offset(&l, "prb_desc.text_blk_lpos");
        uint64_t off_begin = need_offset(&l, "prb_data_blk_lpos.begin");
        uint64_t off_next = need_offset(&l, "prb_data_blk_lpos.next");
        uint64_t sz_info = need_size(&l, "printk_info");
        uint64_t off_ts = need_offset(&l, "printk_info.ts_nsec");
        uint64_t off_len = need_offset(&l, "printk_info.text_len");
        uint64_t off_size_bits = need_offset(&l, "prb_data_ring.size_bits");
        uint64_t off_data = need_offset(&l, "prb_data_ring.data");
        uint64_t off_counter = need_offset(&l, "atomic_long_t.counter");
        uint64_t off_caller = 0;
        bool has_caller = vmcoreinfo_offset(vi, "printk_info.caller_id", &off_caller);

        if (l.missing)
                return set_error(-ENODATA, err, errlen, "VMCOREINFO lacks %s, needed to read the printk ring buffer", l.missing);
        if (!vmcoreinfo_symbol(vi, "prb", &prb_sym))
                return set_error(-ENODATA, err, errlen, "VMCOREINFO lacks SYMBOL(prb)");
        if (sz_rb == 0 || sz_rb > PRINTK_MAX_STRUCT || sz_desc == 0 || sz_desc > PRINTK_MAX_STRUCT ||
            sz_info == 0 || sz_info > PRINTK_MAX_STRUCT ||
            off_desc_ring + off_tail + off_counter + 8 > sz_rb || off_desc_ring + off_head + off_counter + 8 > sz_rb ||
            off_desc_ring + off_count_bits + 4 > sz_rb || off_desc_ring + off_descs + 8 > sz_rb ||
            off_desc_ring + off_infos + 8 > sz_rb || off_text_ring + off_size_bits + 4 > sz_rb ||
            off_text_ring + off_data + 8 > sz_rb || off_state + off_counter + 8 > sz_desc ||
            off_blk + off_begin + 8 > sz_desc || off_blk + off_next + 8 > sz_desc || off_ts + 8 > sz_info ||
            off_len + 2 > sz_info || (has_caller && off_caller + 4 > sz_info))
                return set_error(-ENODATA, err, errlen, "VMCOREINFO describes an impossible printk ring buffer layout");

        r = kmem_read_u64(mem, prb_sym, &prb);
        if (r < 0)
                return set_error(-ENODATA, err, errlen, "cannot read the prb pointer at 0x%" PRIx64 ": %s", prb_sym, strerror(-r));
        rb = malloc(sz_rb);
        if (!rb)
                return -ENOMEM;
        r = kmem_read(mem, prb, rb, sz_rb);
        if (r < 0) {
                free(rb);
                return set_error(-ENODATA, err, errlen, "cannot read the printk ring buffer at 0x%" PRIx64 ": %s", prb,
                            strerror(-r));
        }
        count_bits = kmem_le32(rb + off_desc_ring + off_count_bits);
        descs = kmem_le64(rb + off_desc_ring + off_descs);
        infos = kmem_le64(rb + off_desc_ring + off_infos);
        head_id = kmem_le64(rb + off_desc_ring + off_head + off_counter);
        tail_id = kmem_le64(rb + off_desc_ring + off_tail + off_counter);
        size_bits = kmem_le32(rb + off_text_ring + off_size_bits);
        data = kmem_le64(rb + off_text_ring + off_data);
        free(rb);

        if (count_bits > PRINTK_MAX_DESC_BITS || size_bits > PRINTK_MAX_TEXT_BITS || size_bits < 4)
                return set_error(-ENODATA, err, errlen,
                            "the printk ring buffer is corrupt (2^%" PRIu32 " descriptors, 2^%" PRIu32
                            " bytes of text)",
                            count_bits, size_bits);
        count = UINT64_C(1) << count_bits;
        size = UINT64_C(1) << size_bits;

        /* Corrupt pointers or geometry must not cost a huge allocation:
         * the last byte of each array must be readable first. */
        {
                uint8_t probe;
                if (kmem_read(mem, descs + count * sz_desc - 1, &probe, 1) < 0 ||
                    kmem_read(mem, infos + count * sz_info - 1, &probe, 1) < 0 ||
                    kmem_read(mem, data + size - 1, &probe, 1) < 0)
                        return set_error(-ENODATA, err, errlen, "the printk ring buffer arrays are not in the dump");
        }
        /* One allocation for the three arrays; the records point into it.
         * Only the parts in use are read: the slots from tail to head and the
         * text blocks those records name. A log that does not fill its
         * buffer then costs what it holds, and the untouched parts of the
         * allocation never become resident. */
        log->storage = malloc(count * sz_desc + count * sz_info + size);
        if (!log->storage)
                return -ENOMEM;
        desc_arr = log->storage;
        info_arr = desc_arr + count * sz_desc;
        text = info_arr + count * sz_info;

        log->buffer = PRINTK_LOCKLESS;
        log->has_caller_id = has_caller;

        /* From tail to head inclusive; never more ids than slots, so that
         * corrupt head/tail values cannot make us spin. */
        head_id &= DESC_ID_MASK;
        tail_id &= DESC_ID_MASK;
        if (((head_id - tail_id) & DESC_ID_MASK) >= count) {
                log->truncated = true;
                tail_id = (head_id - (count - 1)) & DESC_ID_MASK;
        }
        r = read_slots(mem, descs, desc_arr, sz_desc, count, tail_id, head_id);
        if (r >= 0)
                r = read_slots(mem, infos, info_arr, sz_info, count, tail_id, head_id);
        if (r < 0)
                return set_error(-ENODATA, err, errlen, "cannot read the printk ring buffer descriptors: %s",
                                 strerror(-r));
        r = read_text_blocks(mem, data, text, size, desc_arr, count, sz_desc, off_state + off_counter,
                             off_blk + off_begin, off_blk + off_next, tail_id, head_id);
        if (r < 0)
                return set_error(-ENODATA, err, errlen, "cannot read the printk text ring: %s", strerror(-r));

        for (uint64_t id = tail_id;; id = (id + 1) & DESC_ID_MASK) {
                const uint8_t *d = desc_arr + (id & (count - 1)) * sz_desc;
                const uint8_t *in = info_arr + (id & (count - 1)) * sz_info;
                uint64_t begin, next;
                uint32_t len;

                /* Only committed and finalized records are complete. A
                 * recycled slot (other id) or a writer that was still busy
                 * is skipped, as makedumpfile does. */
                if (!desc_usable(d, off_state + off_counter, id))
                        goto next;

                begin = kmem_le64(d + off_blk + off_begin) & (size - 1);
                next = kmem_le64(d + off_blk + off_next) & (size - 1);
                /* Data-less records (empty or lost text) are not printed. */
                if (begin == next)
                        goto next;
                /* A block that did not fit at the end of the ring sits at 0. */
                if (begin > next)
                        begin = 0;
                if (next - begin < sizeof(uint64_t)) {
                        log->n_corrupt++;
                        goto next;
                }
                begin += sizeof(uint64_t); /* the block starts with its descriptor id */
                len = kmem_le16(in + off_len);
                if (len > next - begin)
                        len = (uint32_t) (next - begin);
                r = log_add(log, &cap, kmem_le64(in + off_ts), has_caller ? kmem_le32(in + off_caller) : 0,
                            (const char *) text + begin, len);
                if (r < 0)
                        return r;
        next:
                if (id == head_id)
                        break;
        }
        return 0;
}

static int read_structured(const struct vmcoreinfo *vi, const struct kmem *mem, struct printk_log *log, char *err,
                           size_t errlen) {
        struct layout l = { .vi = vi };
        uint64_t sym_buf, sym_len, sym_first, sym_next, buf_addr;
        uint32_t buf_len, first, next;
        const char *t = "printk_log";
        char name[64];
        size_t cap = 0;
        int r;

        /* The struct was called "log" before 3.11. */
        if (!vmcoreinfo_size(vi, "printk_log", &(uint64_t){ 0 }))
                t = "log";
#define FIELD(f) (snprintf(name, sizeof(name), "%s." f, t), name)
        uint64_t sz_hdr = need_size(&l, t);
        uint64_t off_len = need_offset(&l, FIELD("len"));
        uint64_t off_text_len = need_offset(&l, FIELD("text_len"));
        uint64_t off_ts = need_offset(&l, FIELD("ts_nsec"));
        uint64_t off_caller = 0;
        bool has_caller = vmcoreinfo_offset(vi, FIELD("caller_id"), &off_caller);
#undef FIELD
        if (l.missing)
                return set_error(-ENODATA, err, errlen, "VMCOREINFO lacks %s, needed to read the printk log buffer", l.missing);
        if (!vmcoreinfo_symbol(vi, "log_buf", &sym_buf) || !vmcoreinfo_symbol(vi, "log_buf_len", &sym_len) ||
            !vmcoreinfo_symbol(vi, "log_first_idx", &sym_first) || !vmcoreinfo_symbol(vi, "log_next_idx", &sym_next))
                return set_error(-ENODATA, err, errlen, "VMCOREINFO lacks the log_buf symbols");
        if (sz_hdr == 0 || sz_hdr > PRINTK_MAX_STRUCT || off_len + 2 > sz_hdr || off_text_len + 2 > sz_hdr ||
            off_ts + 8 > sz_hdr || (has_caller && off_caller + 4 > sz_hdr))
                return set_error(-ENODATA, err, errlen, "VMCOREINFO describes an impossible printk log layout");

        if ((r = kmem_read_u64(mem, sym_buf, &buf_addr)) < 0 || (r = kmem_read_u32(mem, sym_len, &buf_len)) < 0 ||
            (r = kmem_read_u32(mem, sym_first, &first)) < 0 || (r = kmem_read_u32(mem, sym_next, &next)) < 0)
                return set_error(-ENODATA, err, errlen, "cannot read the log_buf variables: %s", strerror(-r));
        if (buf_len < sz_hdr || buf_len > (UINT32_C(1) << PRINTK_MAX_TEXT_BITS))
                return set_error(-ENODATA, err, errlen, "the printk log buffer is corrupt (log_buf_len %" PRIu32 ")", buf_len);

        if (kmem_read(mem, buf_addr + buf_len - 1, &(uint8_t){ 0 }, 1) < 0)
                return set_error(-ENODATA, err, errlen, "the printk log buffer is not in the dump");
        log->storage = malloc(buf_len);
        if (!log->storage)
                return -ENOMEM;
        r = kmem_read(mem, buf_addr, log->storage, buf_len);
        if (r < 0)
                return set_error(-ENODATA, err, errlen, "cannot read the printk log buffer at 0x%" PRIx64 ": %s", buf_addr,
                            strerror(-r));
        log->buffer = PRINTK_STRUCTURED;
        log->has_caller_id = has_caller;

        /* Each record is at least a header long, so a walk of more steps
         * than that has met a cycle. */
        size_t limit = buf_len / MAX(sz_hdr, (uint64_t) 4) + 2;
        uint32_t idx = first;
        for (size_t steps = 0; idx != next; steps++) {
                const uint8_t *rec;
                uint16_t len, text_len;

                if (steps > limit || idx > buf_len - sz_hdr) {
                        log->truncated = true;
                        break;
                }
                rec = log->storage + idx;
                len = kmem_le16(rec + off_len);
                /* len 0 marks the end of the used space: the record is at 0. */
                if (len == 0) {
                        rec = log->storage;
                        len = kmem_le16(rec + off_len);
                        idx = 0;
                }
                if (len < sz_hdr || len > buf_len - idx) {
                        log->truncated = true;
                        break;
                }
                text_len = kmem_le16(rec + off_text_len);
                if (text_len > len - sz_hdr)
                        text_len = (uint16_t) (len - sz_hdr);
                r = log_add(log, &cap, kmem_le64(rec + off_ts), has_caller ? kmem_le32(rec + off_caller) : 0,
                            (const char *) rec + sz_hdr, text_len);
                if (r < 0)
                        return r;
                idx += len;
        }
        return 0;
}

static int read_plain(const struct vmcoreinfo *vi, const struct kmem *mem, struct printk_log *log, char *err,
                      size_t errlen) {
        uint64_t sym_buf, sym_len, sym_end, buf_addr;
        uint32_t buf_len, end;
        int r;

        if (!vmcoreinfo_symbol(vi, "log_buf", &sym_buf) || !vmcoreinfo_symbol(vi, "log_buf_len", &sym_len) ||
            !vmcoreinfo_symbol(vi, "log_end", &sym_end))
                return set_error(-ENODATA, err, errlen, "VMCOREINFO has no printk buffer symbols (prb, log_buf)");
        /* log_end is an unsigned int since 2.6.25; older kernels are not
         * read (their unsigned long would need the version). */
        if ((r = kmem_read_u64(mem, sym_buf, &buf_addr)) < 0 || (r = kmem_read_u32(mem, sym_len, &buf_len)) < 0 ||
            (r = kmem_read_u32(mem, sym_end, &end)) < 0)
                return set_error(-ENODATA, err, errlen, "cannot read the log_buf variables: %s", strerror(-r));
        if (buf_len == 0 || buf_len > (UINT32_C(1) << PRINTK_MAX_TEXT_BITS) || (buf_len & (buf_len - 1)))
                return set_error(-ENODATA, err, errlen, "the printk log buffer is corrupt (log_buf_len %" PRIu32 ")", buf_len);

        log->storage = malloc(buf_len);
        if (!log->storage)
                return -ENOMEM;
        log->buffer = PRINTK_PLAIN;
        if (end < buf_len) {
                r = kmem_read(mem, buf_addr, log->storage, end);
                log->plain_len = end;
        } else {
                /* Wrapped: the oldest byte follows the newest. */
                uint32_t idx = end & (buf_len - 1);
                r = kmem_read(mem, buf_addr + idx, log->storage, buf_len - idx);
                if (r >= 0)
                        r = kmem_read(mem, buf_addr, log->storage + (buf_len - idx), idx);
                log->plain_len = buf_len;
        }
        if (r < 0)
                return set_error(-ENODATA, err, errlen, "cannot read the printk log buffer at 0x%" PRIx64 ": %s", buf_addr,
                            strerror(-r));
        log->plain = (const char *) log->storage;
        return 0;
}

int printk_read(const struct vmcoreinfo *vi, const struct kmem *mem, struct printk_log **ret, char *err,
                size_t errlen) {
        struct printk_log *log;
        uint64_t dummy;
        int r;

        log = calloc(1, sizeof(*log));
        if (!log)
                return -ENOMEM;
        /* The same order of preference as makedumpfile and vmcore-dmesg. */
        if (vmcoreinfo_symbol(vi, "prb", &dummy))
                r = read_lockless(vi, mem, log, err, errlen);
        else if (vmcoreinfo_symbol(vi, "log_first_idx", &dummy))
                r = read_structured(vi, mem, log, err, errlen);
        else
                r = read_plain(vi, mem, log, err, errlen);
        if (r < 0) {
                printk_log_free(log);
                return r;
        }
        *ret = log;
        return 0;
}

void printk_log_free(struct printk_log *log) {
        if (!log)
                return;
        free(log->records);
        free(log->storage);
        free(log);
}

static int format_prefix(const struct printk_record *rec, bool caller, bool kernel, char *buf, size_t len) {
        uint64_t sec = rec->ts_nsec / 1000000000, usec = rec->ts_nsec % 1000000000 / 1000;
        char cid[16];
        int n;

        n = snprintf(buf, len, "[%5" PRIu64 ".%06" PRIu64 "]%s", sec, usec, kernel && caller ? "" : " ");
        if (caller) {
                snprintf(cid, sizeof(cid), "%c%" PRIu32, rec->caller_id & 0x80000000U ? 'C' : 'T',
                         rec->caller_id & 0x7fffffffU);
                n += snprintf(buf + n, len - (size_t) n, kernel ? "[%6s] " : "[%8s] ", cid);
        }
        return n;
}

/* makedumpfile keeps printable ASCII and white space and escapes the rest
 * with printf("\\x%02x", c) of a plain (signed) char, so a byte >= 0x80
 * comes out as \xffffffNN. Byte-identical output repeats that. */
static bool md_keeps(unsigned char c) {
        return (c >= 0x20 && c < 0x7f) || c == ' ' || (c >= '\t' && c <= '\r');
}

int printk_format(const struct printk_log *log, unsigned flags, struct strbuf *out) {
        bool kernel = flags & PRINTK_FORMAT_KERNEL;
        bool caller = log->has_caller_id && (flags & PRINTK_FORMAT_CALLER_ID);
        char prefix[64];
        int r;

        if (log->buffer == PRINTK_PLAIN)
                return strbuf_append(out, log->plain, log->plain_len);

        for (size_t i = 0; i < log->n_records; i++) {
                const struct printk_record *rec = &log->records[i];
                int plen = format_prefix(rec, caller, kernel, prefix, sizeof(prefix));
                const char *t = rec->text, *end = rec->text + rec->text_len;

                r = strbuf_append(out, prefix, (size_t) plen);
                while (r >= 0 && t < end) {
                        /* The longest run that is copied as it is. */
                        const char *run = t;
                        if (kernel) {
                                const char *nl = memchr(t, '\n', (size_t) (end - t));
                                t = nl ? nl : end;
                        } else
                                while (t < end && *t != '\n' && md_keeps((unsigned char) *t))
                                        t++;
                        r = strbuf_append(out, run, (size_t) (t - run));
                        if (r < 0 || t == end)
                                break;
                        if (*t == '\n') {
                                r = strbuf_putc(out, '\n');
                                if (r >= 0)
                                        r = kernel ? strbuf_append(out, prefix, (size_t) plen)
                                                   : strbuf_printf(out, "%*s", plen, "");
                        } else
                                r = strbuf_printf(out, "\\x%02x", (unsigned) (int) (signed char) *t);
                        t++;
                }
                if (r >= 0)
                        r = strbuf_putc(out, '\n');
                if (r < 0)
                        return r;
        }
        return 0;
}
