/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "klog.h"
#include "strbuf.h"
#include "util.h"

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static size_t skip_digits(const char *s, size_t n, size_t p) {
        while (p < n && is_digit(s[p]))
                p++;
        return p;
}

/* "<N>" at s[p]: returns the position after it, or p when absent. */
static size_t parse_level(const char *s, size_t n, size_t p, int *level) {
        size_t q;
        long v = 0;

        if (p >= n || s[p] != '<')
                return p;
        q = p + 1;
        if (q >= n || !is_digit(s[q]))
                return p;
        for (; q < n && is_digit(s[q]); q++)
                if (v < 1000)
                        v = v * 10 + (s[q] - '0');
        if (q >= n || s[q] != '>')
                return p;
        *level = (int) v;
        return q + 1;
}

/* The dmesg -T form "[Sun Nov 22 06:03:00 2026]" starting at s[p]; returns
 * the position after ']' or 0. */
static size_t parse_ctime_stamp(const char *s, size_t n, size_t p) {
        /* "[Www Mmm dd hh:mm:ss yyyy]" is 26 bytes; the day may be " 2". */
        static const char shape[] = "[AAA AAA dd dd:dd:dd dddd]";
        size_t len = sizeof(shape) - 1;

        if (n - p < len)
                return 0;
        for (size_t i = 0; i < len; i++) {
                char c = s[p + i], want = shape[i];
                if (want == 'A') {
                        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
                                return 0;
                } else if (want == 'd') {
                        if (!is_digit(c) && !(i == 9 && c == ' '))
                                return 0;
                } else if (c != want)
                        return 0;
        }
        return p + len;
}

/* Matches "(<N>)?[ *S.U]([ *(C|T)N])? " at s[q]. */
static bool match_stamp_at(const char *s, size_t n, size_t q, struct klog_line *l) {
        size_t p, secs_b, secs_e, frac_b, frac_e;
        int level = -1;

        p = parse_level(s, n, q, &level);
        if (p >= n || s[p] != '[')
                return false;

        /* dmesg -T: a wall-clock stamp; counts as a console prefix. */
        size_t t = parse_ctime_stamp(s, n, p);
        if (t > 0 && t < n && s[t] == ' ') {
                l->level = (int8_t) level;
                l->ctx_kind = KLOG_CTX_CONSOLE;
                l->has_ts = false;
                return true;
        }

        p++;
        while (p < n && s[p] == ' ')
                p++;
        secs_b = p;
        p = skip_digits(s, n, p);
        secs_e = p;
        if (secs_e == secs_b || p >= n || s[p] != '.')
                return false;
        frac_b = ++p;
        p = skip_digits(s, n, p);
        frac_e = p;
        if (frac_e == frac_b || p >= n || s[p] != ']')
                return false;
        p++;

        /* Optional caller id, which must itself be followed by a space. */
        if (p < n && s[p] == '[') {
                size_t c = p + 1, num_b;
                while (c < n && s[c] == ' ')
                        c++;
                if (c < n && (s[c] == 'C' || s[c] == 'T')) {
                        char kind = s[c];
                        num_b = ++c;
                        c = skip_digits(s, n, c);
                        if (c > num_b && c + 1 < n && s[c] == ']' && s[c + 1] == ' ') {
                                uint64_t id = 0;
                                for (size_t i = num_b; i < c && id < UINT32_MAX; i++)
                                        id = id * 10 + (uint64_t) (s[i] - '0');
                                l->ctx = s + p;
                                l->ctx_len = (uint8_t) MIN(c + 1 - p, (size_t) UINT8_MAX);
                                l->ctx_kind = kind == 'T' ? KLOG_CTX_TASK : KLOG_CTX_CPU;
                                l->ctx_id = (uint32_t) MIN(id, (uint64_t) UINT32_MAX);
                                goto stamp;
                        }
                }
        }
        if (p >= n || s[p] != ' ')
                return false;
        l->ctx_kind = KLOG_CTX_CONSOLE;

stamp:
        l->level = (int8_t) level;
        l->has_ts = true;
        {
                double secs = 0, frac = 0, scale = 1;
                for (size_t i = secs_b; i < secs_e && i < secs_b + 12; i++)
                        secs = secs * 10 + (s[i] - '0');
                for (size_t i = frac_b; i < frac_e && i < frac_b + 9; i++) {
                        frac = frac * 10 + (s[i] - '0');
                        scale *= 10;
                }
                l->ts = secs + frac / scale;
        }
        return true;
}

/* Tries the optional " login: " glue (greedy: the last occurrence first)
 * and then the bare stamp, from position p. */
static bool match_after(const char *s, size_t n, size_t p, struct klog_line *l) {
        static const char login[] = " login: ";
        const size_t ll = sizeof(login) - 1;

        if (find_n(s + p, n - p, login)) {
                for (size_t i = n - ll + 1; i-- > p;) {
                        if (memcmp(s + i, login, ll) != 0)
                                continue;
                        if (match_stamp_at(s, n, i + ll, l))
                                return true;
                }
        }
        return match_stamp_at(s, n, p, l);
}

bool klog_parse_prefix(const char *s, size_t n, struct klog_line *l) {
        static const char dropped_b[] = "** ", dropped_e[] = " printk messages dropped ** ";
        const char *close;

        l->ctx = NULL;
        l->level = -1;
        l->ctx_len = 0;
        l->ctx_id = 0;
        l->ctx_kind = KLOG_CTX_NONE;
        l->has_ts = false;
        l->ts = 0;
        l->body = 0;
        l->questionable = false;

        if (n == 0)
                return false;

        bool ok = false;
        if (startswith_n(s, n, dropped_b)) {
                size_t p = skip_digits(s, n, 3);
                if (p > 3 && startswith_n(s + p, n - p, dropped_e))
                        ok = match_after(s, n, p + sizeof(dropped_e) - 1, l);
        }
        if (!ok)
                ok = match_after(s, n, 0, l);
        if (!ok) {
                l->ctx_kind = KLOG_CTX_NONE;
                return false;
        }

        /* Like the reference, strip through the first "] " of the line. */
        close = find_n(s, n, "] ");
        l->body = close ? (size_t) (close - s) + 2 : n;

        const char *body = s + l->body;
        size_t bn = n - l->body;
        if (!contains_n(body, bn, "<EOI>") &&
            (contains_n(body, bn, " ? ") || endswith_n(body, bn, " (unreliable)")))
                l->questionable = true;
        return true;
}

bool klog_same_ctx(const struct klog_line *a, const struct klog_line *b) {
        if (a->ctx_kind != b->ctx_kind)
                return false;
        if (a->ctx_kind == KLOG_CTX_NONE || a->ctx_kind == KLOG_CTX_CONSOLE)
                return true;
        return a->ctx_len == b->ctx_len && memcmp(a->ctx, b->ctx, a->ctx_len) == 0;
}

/* ---- normalization of syslog / journal / dmesg -x prefixes ---- */

static bool is_month(const char *s) {
        static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
        for (size_t i = 0; i < 12; i++)
                if (memcmp(s, months + 3 * i, 3) == 0)
                        return true;
        return false;
}

/* "Nov 22 06:03:00" or "2026-11-22T06:03:00[.frac][Z|+hh:mm|+hhmm]";
 * returns the length of the date and the following space, or 0. */
static size_t syslog_date_len(const char *s, size_t n) {
        size_t p;

        if (n < 16 || !((s[0] >= 'A' && s[0] <= 'S') || is_digit(s[0])))
                return 0;

        if (n >= 16 && is_month(s) && s[3] == ' ' && (is_digit(s[4]) || s[4] == ' ') &&
            is_digit(s[5]) && s[6] == ' ' && is_digit(s[7]) && is_digit(s[8]) && s[9] == ':' &&
            is_digit(s[10]) && is_digit(s[11]) && s[12] == ':' && is_digit(s[13]) &&
            is_digit(s[14])) {
                p = 15;
                if (p < n && s[p] == '.')
                        p = skip_digits(s, n, p + 1);
                return p < n && s[p] == ' ' ? p + 1 : 0;
        }

        if (n >= 20 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) &&
            s[4] == '-' && is_digit(s[5]) && is_digit(s[6]) && s[7] == '-' && is_digit(s[8]) &&
            is_digit(s[9]) && (s[10] == 'T' || s[10] == ' ') && is_digit(s[11]) &&
            is_digit(s[12]) && s[13] == ':' && is_digit(s[14]) && is_digit(s[15]) &&
            s[16] == ':' && is_digit(s[17]) && is_digit(s[18])) {
                p = 19;
                if (p < n && (s[p] == '.' || s[p] == ','))
                        p = skip_digits(s, n, p + 1);
                if (p < n && s[p] == 'Z')
                        p++;
                else if (p < n && (s[p] == '+' || s[p] == '-')) {
                        size_t q = skip_digits(s, n, p + 1);
                        if (q < n && s[q] == ':')
                                q = skip_digits(s, n, q + 1);
                        p = q;
                }
                return p < n && s[p] == ' ' ? p + 1 : 0;
        }
        return 0;
}

/* "HOST PROG[PID]: " after a syslog date. Sets *is_kernel. Returns the
 * length through the ": " or 0. */
static size_t syslog_source_len(const char *s, size_t n, bool *is_kernel) {
        size_t p = 0, prog_b, prog_e;

        while (p < n && s[p] != ' ' && s[p] != ':')
                p++;
        if (p == 0 || p >= n || s[p] != ' ')
                return 0;
        prog_b = ++p;
        while (p < n && s[p] != ' ' && s[p] != ':' && s[p] != '[')
                p++;
        prog_e = p;
        if (prog_e == prog_b)
                return 0;
        if (p < n && s[p] == '[') {
                p = skip_digits(s, n, p + 1);
                if (p >= n || s[p] != ']')
                        return 0;
                p++;
        }
        if (p + 1 >= n || s[p] != ':' || s[p + 1] != ' ') {
                /* "kernel:" at the very end of a line (empty message). */
                if (!(p + 1 == n && s[p] == ':'))
                        return 0;
        }
        *is_kernel = prog_e - prog_b == 6 && memcmp(s + prog_b, "kernel", 6) == 0;
        return MIN(p + 2, n);
}

/* If one of the words of list starts s[p..n), the position after it; else 0. */
static size_t skip_word_of(const char *s, size_t n, size_t p, const char *const *list, size_t count) {
        for (size_t i = 0; i < count; i++)
                if (startswith_n(s + p, n - p, list[i]))
                        return p + strlen(list[i]);
        return 0;
}

/* dmesg -x: "kern  :warn  : " */
static size_t dmesg_decode_len(const char *s, size_t n) {
        static const char *const facilities[] = {
                "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp",
                "cron", "authpriv", "ftp", "res0", "res1", "res2", "res3", "local0", "local1",
                "local2", "local3", "local4", "local5", "local6", "local7",
        };
        static const char *const levels[] = {
                "emerg", "alert", "crit", "err", "warn", "notice", "info", "debug",
        };
        size_t p;

        if (n < 10 || s[0] < 'a' || s[0] > 'u')
                return 0;
        p = skip_word_of(s, n, 0, facilities, ELEMENTSOF(facilities));
        if (p == 0)
                return 0;
        while (p < n && s[p] == ' ')
                p++;
        if (p >= n || s[p] != ':')
                return 0;
        p = skip_word_of(s, n, p + 1, levels, ELEMENTSOF(levels));
        if (p == 0)
                return 0;
        while (p < n && s[p] == ' ')
                p++;
        if (p + 1 >= n || s[p] != ':' || s[p + 1] != ' ')
                return 0;
        return p + 2;
}

/* "[ 12.345678] HOST kernel: " (journalctl -o short-monotonic): returns
 * the offset of "HOST" and the length of "HOST kernel: ", or false. */
static bool monotonic_journal_prefix(const char *s, size_t n, size_t *host, size_t *len) {
        struct klog_line l = {};
        const char *close;
        size_t p, h;

        if (n == 0 || s[0] != '[' || !match_stamp_at(s, n, 0, &l) || l.ctx_kind != KLOG_CTX_CONSOLE)
                return false;
        close = find_n(s, n, "] ");
        if (!close)
                return false;
        h = p = (size_t) (close - s) + 2;
        while (p < n && s[p] != ' ' && s[p] != ':')
                p++;
        if (p == h || !startswith_n(s + p, n - p, " kernel: "))
                return false;
        *host = h;
        *len = p + 9 - h;
        return true;
}

enum line_fate { LINE_KEEP, LINE_DROP };

/* Normalizes one raw line into out (no '\n' appended). */
static enum line_fate normalize_line(const char *s, size_t n, bool monotonic_journal,
                                     struct strbuf *out, int *ret) {
        size_t d, h, hl;
        bool is_kernel = false;
        int r = 0;

        d = syslog_date_len(s, n);
        if (d > 0) {
                size_t src = syslog_source_len(s + d, n - d, &is_kernel);
                if (src > 0) {
                        if (!is_kernel)
                                return LINE_DROP;
                        s += d + src;
                        n -= d + src;
                }
        } else if (monotonic_journal && monotonic_journal_prefix(s, n, &h, &hl)) {
                r = strbuf_append(out, s, h);
                if (r < 0)
                        goto fail;
                s += h + hl;
                n -= h + hl;
        }

        d = dmesg_decode_len(s, n);
        s += d;
        n -= d;

        /* A bare "<N>" level without a timestamp: drop it so that frame
         * lines keep their shape. With a timestamp the prefix parser
         * handles it. */
        if (n > 2 && s[0] == '<') {
                int level = -1;
                size_t p = parse_level(s, n, 0, &level);
                if (p > 0 && (p >= n || s[p] != '[')) {
                        s += p;
                        n -= p;
                }
        }

        r = strbuf_append(out, s, n);
        if (r < 0)
                goto fail;
        return LINE_KEEP;
fail:
        *ret = r;
        return LINE_DROP;
}

/* journalctl -o short-monotonic output is recognized for the whole file:
 * a single dmesg line such as "[ 1.0] Booting kernel: ..." must not be
 * mistaken for it. */
static bool detect_monotonic_journal(const char *data, size_t len) {
        size_t seen = 0, hits = 0, pos = 0;

        while (pos < len && seen < 64) {
                const char *nl = memchr(data + pos, '\n', len - pos);
                size_t n = nl ? (size_t) (nl - (data + pos)) : len - pos;
                size_t h, hl;

                if (n > 0 && data[pos] == '[') {
                        seen++;
                        if (monotonic_journal_prefix(data + pos, n, &h, &hl))
                                hits++;
                }
                pos += n + 1;
        }
        return seen > 0 && hits * 2 > seen;
}

int klog_from_buffer(const void *data, size_t len, struct klog **ret) {
        _cleanup_free_ char *clean = NULL;
        _cleanup_free_ uint32_t *linenos = NULL;
        struct strbuf out = STRBUF_INIT;
        struct klog *log = NULL;
        const char *src = data;
        size_t clen = 0, n_lines = 0, pos;
        bool mono;
        int r = 0;

        if (len > KLOG_MAX_SIZE)
                return -EFBIG;

        /* Carriage returns carry no meaning in a kernel log (serial
         * consoles add them); remove them all, as the reference does. */
        clean = malloc(len + 1);
        if (!clean)
                return -ENOMEM;
        for (size_t i = 0; i < len; i++)
                if (src[i] != '\r')
                        clean[clen++] = src[i];

        mono = detect_monotonic_journal(clean, clen);

        size_t n_input = 1;
        for (size_t i = 0; i < clen; i++)
                n_input += clean[i] == '\n';
        linenos = malloc(n_input * sizeof(uint32_t));
        if (!linenos) {
                r = -ENOMEM;
                goto fail;
        }

        r = strbuf_reserve(&out, clen);
        if (r < 0)
                goto fail;
        size_t input_line = 0;
        for (pos = 0; pos < clen;) {
                const char *nl = memchr(clean + pos, '\n', clen - pos);
                size_t n = nl ? (size_t) (nl - (clean + pos)) : clen - pos;
                size_t before = out.len;

                input_line++;
                if (normalize_line(clean + pos, n, mono, &out, &r) == LINE_KEEP) {
                        r = strbuf_putc(&out, '\n');
                        if (r < 0)
                                goto fail;
                        linenos[n_lines++] = (uint32_t) MIN(input_line, (size_t) UINT32_MAX);
                } else {
                        if (r < 0)
                                goto fail;
                        strbuf_truncate(&out, before);
                }
                pos += n + 1;
        }

        log = calloc(1, sizeof(*log));
        if (!log) {
                r = -ENOMEM;
                goto fail;
        }
        log->len = out.len;
        log->buf = strbuf_steal(&out);
        if (!log->buf) {
                r = -ENOMEM;
                goto fail;
        }
        log->lines = calloc(MAX(n_lines, (size_t) 1), sizeof(struct klog_line));
        if (!log->lines) {
                r = -ENOMEM;
                goto fail;
        }

        for (pos = 0; pos < log->len;) {
                const char *nl = memchr(log->buf + pos, '\n', log->len - pos);
                size_t n = nl ? (size_t) (nl - (log->buf + pos)) : log->len - pos;
                struct klog_line *l = &log->lines[log->n_lines++];

                l->text = log->buf + pos;
                l->len = n;
                klog_parse_prefix(l->text, n, l);
                l->lineno = linenos[log->n_lines - 1];
                pos += n + 1;
        }

        *ret = log;
        return 0;

fail:
        strbuf_done(&out);
        klog_free(log);
        return r;
}

int klog_read_fd(int fd, char **ret, size_t *len) {
        struct strbuf sb = STRBUF_INIT;
        struct stat st;
        int r;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (S_ISREG(st.st_mode) && (uint64_t) st.st_size > KLOG_MAX_SIZE)
                return -EFBIG;

        /* A regular file is read into a buffer of its size (one read, no
         * regrowth); a pipe in 64 KiB steps. */
        r = strbuf_reserve(&sb, S_ISREG(st.st_mode) ? (size_t) st.st_size + 1 : 65536);
        if (r < 0)
                return r;
        for (;;) {
                ssize_t k;

                if (sb.cap - sb.len - 1 < 4096) {
                        r = strbuf_reserve(&sb, 65536);
                        if (r < 0)
                                goto fail;
                }
                k = read(fd, sb.buf + sb.len, sb.cap - sb.len - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        goto fail;
                }
                if (k == 0)
                        break;
                sb.len += (size_t) k;
                if (sb.len > KLOG_MAX_SIZE) {
                        r = -EFBIG;
                        goto fail;
                }
        }
        *len = sb.len;
        *ret = strbuf_steal(&sb);
        return *ret ? 0 : -ENOMEM;
fail:
        strbuf_done(&sb);
        return r;
}

int klog_from_fd(int fd, struct klog **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;

        r = klog_read_fd(fd, &buf, &len);
        if (r < 0)
                return r;
        return klog_from_buffer(buf, len, ret);
}

int klog_from_file(const char *path, struct klog **ret) {
        int fd, r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        r = klog_from_fd(fd, ret);
        close(fd);
        return r;
}

void klog_free(struct klog *log) {
        if (!log)
                return;
        free(log->buf);
        free(log->lines);
        free(log);
}
