/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flat.h"
#include "util.h"

#define FLAT_HEADER_SIZE 4096
#define FLAT_SIGNATURE "makedumpfile"
/* Records are read through a buffer this large, so that a stream of
 * small records costs few system calls. */
#define FLAT_SCAN_BUFFER (4U << 10)

/* A piece of the reassembled file and where its bytes are in the stream. */
struct flat_seg {
        uint64_t off, len;      /* in the reassembled file */
        uint64_t src;           /* in the flattened file */
        uint64_t seq;           /* record number: later wins */
};

struct flat {
        int fd;
        struct flat_seg *segs;  /* disjoint, by offset */
        size_t n_segs;
        uint64_t size;
        bool truncated;
};

static uint64_t be64(const uint8_t *b) {
        uint64_t v = 0;
        for (int i = 0; i < 8; i++)
                v = v << 8 | b[i];
        return v;
}

static int cmp_seg(const void *a, const void *b) {
        const struct flat_seg *x = a, *y = b;
        if (x->off != y->off)
                return x->off < y->off ? -1 : 1;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

/* Max-heap of record indexes by seq: the newest record covering a point. */
static void heap_push(size_t *h, size_t *n, const struct flat_seg *s, size_t v) {
        size_t i = (*n)++;
        h[i] = v;
        while (i > 0 && s[h[(i - 1) / 2]].seq < s[h[i]].seq) {
                size_t p = (i - 1) / 2, t = h[p];
                h[p] = h[i];
                h[i] = t;
                i = p;
        }
}

static void heap_pop(size_t *h, size_t *n, const struct flat_seg *s) {
        size_t i = 0;
        h[0] = h[--(*n)];
        for (;;) {
                size_t l = 2 * i + 1, r = l + 1, m = i, t;
                if (l < *n && s[h[l]].seq > s[h[m]].seq)
                        m = l;
                if (r < *n && s[h[r]].seq > s[h[m]].seq)
                        m = r;
                if (m == i)
                        break;
                t = h[m];
                h[m] = h[i];
                h[i] = t;
                i = m;
        }
}

/* Makes the records disjoint, keeping the later record's bytes where they
 * overlap, as a reassembly would. Usually nothing overlaps; otherwise a
 * sweep over all record boundaries asks, for each piece between two
 * boundaries, which is the newest record covering it. */
static int normalize(struct flat *f) {
        struct flat_seg *in = f->segs, *out = NULL;
        _cleanup_free_ uint64_t *pts = NULL;
        _cleanup_free_ size_t *heap = NULL;
        size_t n = f->n_segs, n_pts = 0, n_out = 0, n_heap = 0, next = 0;
        bool overlap = false;

        qsort(in, n, sizeof(*in), cmp_seg);
        for (size_t i = 1; i < n && !overlap; i++)
                overlap = in[i].off < in[i - 1].off + in[i - 1].len;
        if (!overlap)
                return 0;

        pts = malloc(2 * n * sizeof(*pts));
        heap = malloc(n * sizeof(*heap));
        out = malloc(2 * n * sizeof(*out));
        if (!pts || !heap || !out) {
                free(out);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                pts[n_pts++] = in[i].off;
                pts[n_pts++] = in[i].off + in[i].len;
        }
        qsort(pts, n_pts, sizeof(*pts), cmp_u64);
        for (size_t i = 0; i + 1 < n_pts; i++) {
                uint64_t a = pts[i], b = pts[i + 1];
                if (a == b)
                        continue;
                while (next < n && in[next].off <= a)
                        heap_push(heap, &n_heap, in, next++);
                while (n_heap > 0 && in[heap[0]].off + in[heap[0]].len <= a)
                        heap_pop(heap, &n_heap, in);
                if (n_heap == 0)
                        continue;
                /* The newest record may have ended: drop ended ones lazily
                 * (above), so heap[0] covers [a, b). */
                const struct flat_seg *s = &in[heap[0]];
                uint64_t src = s->src + (a - s->off);
                if (n_out > 0 && out[n_out - 1].seq == s->seq && out[n_out - 1].off + out[n_out - 1].len == a)
                        out[n_out - 1].len += b - a;
                else
                        out[n_out++] = (struct flat_seg){ a, b - a, src, s->seq };
        }
        free(f->segs);
        f->segs = out;
        f->n_segs = n_out;
        return 0;
}

int flat_open(int fd, struct flat **ret, char *err, size_t errlen) {
        _cleanup_free_ uint8_t *buf = NULL;
        uint8_t hdr[32];
        struct flat *f;
        struct stat st;
        uint64_t pos = FLAT_HEADER_SIZE, buf_pos = 0, seq = 0;
        size_t buf_len = 0, cap = 0;
        ssize_t k;
        int r;

        if (fstat(fd, &st) < 0)
                return -errno;
        k = pread(fd, hdr, sizeof(hdr), 0);
        if (k < 0)
                return -errno;
        if ((size_t) k < sizeof(hdr) || memcmp(hdr, FLAT_SIGNATURE, sizeof(FLAT_SIGNATURE)) != 0)
                return set_error(-EBADMSG, err, errlen, "not a makedumpfile flattened dump");
        if (be64(hdr + 16) != 1)
                return set_error(-EBADMSG, err, errlen, "flattened dump of unknown type %" PRIu64, be64(hdr + 16));

        buf = malloc(FLAT_SCAN_BUFFER);
        f = calloc(1, sizeof(*f));
        if (!buf || !f) {
                free(f);
                return -ENOMEM;
        }
        f->fd = fd;

        for (;;) {
                uint64_t off, len;

                /* The 16-byte record header, from the scan buffer. */
                if (pos < buf_pos || pos + 16 > buf_pos + buf_len) {
                        k = pread(fd, buf, FLAT_SCAN_BUFFER, (off_t) pos);
                        if (k < 0) {
                                r = -errno;
                                goto out;
                        }
                        buf_pos = pos;
                        buf_len = (size_t) k;
                        if (buf_len < 16) {
                                /* Cut short: what came before is usable. */
                                f->truncated = true;
                                break;
                        }
                }
                off = be64(buf + (pos - buf_pos));
                len = be64(buf + (pos - buf_pos) + 8);
                if (off == UINT64_MAX)
                        break;
                if (off > (UINT64_C(1) << 62) || len > (UINT64_C(1) << 40)) {
                        r = set_error(-EBADMSG, err, errlen, "corrupt flattened record at byte %" PRIu64, pos);
                        goto out;
                }
                pos += 16;
                if (pos + len > (uint64_t) st.st_size) {
                        f->truncated = true;
                        len = (uint64_t) st.st_size > pos ? (uint64_t) st.st_size - pos : 0;
                }
                if (len > 0) {
                        if (f->n_segs == cap) {
                                size_t ncap = MAX(cap * 2, (size_t) 1024);
                                struct flat_seg *v = realloc(f->segs, ncap * sizeof(*v));
                                if (!v) {
                                        r = -ENOMEM;
                                        goto out;
                                }
                                f->segs = v;
                                cap = ncap;
                        }
                        f->segs[f->n_segs++] = (struct flat_seg){ off, len, pos, seq++ };
                        f->size = MAX(f->size, off + len);
                }
                pos += len;
                if (f->truncated)
                        break;
        }
        if (f->n_segs == 0) {
                r = set_error(-EBADMSG, err, errlen, "flattened dump holds no data");
                goto out;
        }
        /* The stream carries every byte of the dump: records claiming a
         * much larger file are corrupt (and would make holes to read). */
        if (f->size > 2 * (uint64_t) st.st_size + (UINT64_C(16) << 20)) {
                r = set_error(-EBADMSG, err, errlen, "corrupt flattened dump: records reach byte %" PRIu64 " of a %" PRIu64
                         "-byte stream", f->size, (uint64_t) st.st_size);
                goto out;
        }
        r = normalize(f);
        if (r < 0)
                goto out;
        *ret = f;
        return 0;
out:
        flat_free(f);
        return r;
}

void flat_free(struct flat *f) {
        if (!f)
                return;
        free(f->segs);
        free(f);
}

int flat_pread(struct flat *f, void *buf, size_t len, uint64_t off) {
        uint8_t *out = buf;
        size_t lo = 0, hi = f->n_segs;

        if (off > f->size || len > f->size - off)
                return -EIO;
        /* First segment ending after off. */
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (f->segs[mid].off + f->segs[mid].len <= off)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        while (len > 0) {
                const struct flat_seg *s = lo < f->n_segs ? &f->segs[lo] : NULL;
                size_t n;

                if (!s || s->off > off) {
                        /* A hole: zeros, like the sparse reassembled file. */
                        n = s ? (size_t) MIN((uint64_t) len, s->off - off) : len;
                        memset(out, 0, n);
                } else {
                        n = (size_t) MIN((uint64_t) len, s->off + s->len - off);
                        size_t done = 0;
                        while (done < n) {
                                ssize_t k = pread(f->fd, out + done, n - done, (off_t) (s->src + (off - s->off) + done));
                                if (k < 0) {
                                        if (errno == EINTR)
                                                continue;
                                        return -errno;
                                }
                                if (k == 0)
                                        return -EIO;
                                done += (size_t) k;
                        }
                        lo++;
                }
                out += n;
                off += n;
                len -= n;
        }
        return 0;
}

uint64_t flat_size(const struct flat *f) {
        return f->size;
}

bool flat_truncated(const struct flat *f) {
        return f->truncated;
}

int flat_reassemble(struct flat *f, int out_fd, char *err, size_t errlen) {
        _cleanup_free_ uint8_t *buf = malloc(1U << 20);

        if (!buf)
                return -ENOMEM;
        if (f->truncated)
                return set_error(-EBADMSG, err, errlen, "the flattened dump lacks its end marker (cut short)");
        /* The segments are disjoint already: each byte is written once, and
         * what no record wrote stays a hole, as in makedumpfile -R. */
        for (size_t i = 0; i < f->n_segs; i++)
                for (uint64_t done = 0; done < f->segs[i].len;) {
                        size_t len = (size_t) MIN(f->segs[i].len - done, (uint64_t) (1U << 20));
                        ssize_t n = pread(f->fd, buf, len, (off_t) (f->segs[i].src + done));
                        if (n <= 0)
                                return set_error(n < 0 ? -errno : -EIO, err, errlen, "reading the flattened dump: %s",
                                                 n < 0 ? strerror(errno) : "unexpected end");
                        if (pwrite(out_fd, buf, (size_t) n, (off_t) (f->segs[i].off + done)) != n)
                                return set_error(-errno ?: -EIO, err, errlen, "writing the dump: %s",
                                                 strerror(errno ?: EIO));
                        done += (uint64_t) n;
                }
        if (ftruncate(out_fd, (off_t) f->size) < 0)
                return set_error(-errno, err, errlen, "writing the dump: %s", strerror(errno));
        return 0;
}
