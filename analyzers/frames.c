/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>

#include "frames.h"
#include "util.h"

void frame_done(struct frame *f) {
        free(f->function);
        free(f->module);
        *f = (struct frame){};
}

static bool is_hex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_name_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '.' || c == '$';
}

static size_t skip_spaces(const char *s, size_t n, size_t p) {
        while (p < n && (s[p] == ' ' || s[p] == '\t'))
                p++;
        return p;
}

static uint64_t parse_hex(const char *s, size_t n, size_t *p) {
        uint64_t v = 0;
        while (*p < n && is_hex(s[*p])) {
                char c = s[*p];
                v = v * 16 + (uint64_t) (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
                (*p)++;
        }
        return v;
}

/* "[<ffffffff81000000>]" or "[c000000000001234]" at s[*p]. */
static bool parse_addr_token(const char *s, size_t n, size_t *p, uint64_t *addr) {
        size_t q = *p, b;

        if (q >= n || s[q] != '[')
                return false;
        q++;
        if (q < n && s[q] == '<')
                q++;
        if (q + 1 < n && s[q] == '0' && s[q + 1] == 'x')
                q += 2;
        b = q;
        *addr = parse_hex(s, n, &q);
        if (q == b)
                return false;
        if (q < n && s[q] == '>')
                q++;
        if (q >= n || s[q] != ']')
                return false;
        *p = q + 1;
        return true;
}

size_t frame_base_name_len(const char *name) {
        const char *dot = strchr(name, '.');
        return dot ? (size_t) (dot - name) : strlen(name);
}

/* "name+0xOFF/0xSIZE [module ...]" at s[*p]. Returns false when there is no
 * symbol with an offset there. */
static bool parse_symbol(const char *s, size_t n, size_t *p, struct frame *f) {
        size_t q = *p, nb, ne;

        nb = q;
        while (q < n && is_name_char(s[q]))
                q++;
        ne = q;
        if (ne == nb || !startswith_n(s + q, n - q, "+0x"))
                return false;
        q += 3;
        size_t ob = q;
        f->offset = parse_hex(s, n, &q);
        if (q == ob || !startswith_n(s + q, n - q, "/0x"))
                return false;
        q += 3;
        size_t sb = q;
        f->size = parse_hex(s, n, &q);
        if (q == sb)
                return false;
        f->has_offset = true;

        f->function = strndup(s + nb, ne - nb);
        if (!f->function)
                return false;

        size_t m = skip_spaces(s, n, q);
        if (m < n && s[m] == '[') {
                size_t mb = m + 1, me = mb;
                while (me < n && s[me] != ']' && s[me] != ' ')
                        me++;
                if (me < n && me > mb) {
                        f->module = strndup(s + mb, me - mb);
                        while (me < n && s[me] != ']')
                                me++;
                        q = me < n ? me + 1 : me;
                }
        }
        *p = q;
        return true;
}

static bool is_marker(const char *s, size_t n, size_t p, size_t *len) {
        size_t q = p;

        if (q >= n || s[q] != '<')
                return false;
        if (startswith_n(s + q, n - q, "<<EOE>>")) {
                *len = 7;
                return true;
        }
        q++;
        if (q < n && (s[q] == '/' || s[q] == '#'))
                q++;
        size_t b = q;
        while (q < n && ((s[q] >= 'A' && s[q] <= 'Z') || s[q] == '_'))
                q++;
        if (q == b || q >= n || s[q] != '>')
                return false;
        *len = q + 1 - p;
        return true;
}

static uint8_t marker_stack(const char *m, size_t len, bool *end_task) {
        *end_task = false;
        if (len >= 2 && m[1] == '/') {
                if (startswith_n(m, len, "</TASK>"))
                        *end_task = true;
                return FRAME_STACK_TASK;
        }
        if (startswith_n(m, len, "<IRQ>"))
                return FRAME_STACK_IRQ;
        if (startswith_n(m, len, "<SOFTIRQ>"))
                return FRAME_STACK_SOFTIRQ;
        if (startswith_n(m, len, "<NMI>"))
                return FRAME_STACK_NMI;
        if (len >= 2 && m[1] == '#')
                return FRAME_STACK_EXCEPTION;
        return FRAME_STACK_TASK; /* <TASK>, <EOI>, <<EOE>> */
}

static bool looks_like_regs(const char *s, size_t n);

/* "7d20: ffffffc055663000 ffffff9009e02000 ..." (arm exception stacks) */
static bool is_hex_dump(const char *s, size_t n) {
        size_t p = 0;
        while (p < n && is_hex(s[p]))
                p++;
        if (p < 4 || p + 2 >= n || s[p] != ':' || s[p + 1] != ' ')
                return false;
        for (size_t q = p + 2; q < n; q++)
                if (!is_hex(s[q]) && s[q] != ' ')
                        return false;
        return true;
}

enum trace_line frame_parse_trace_line(const char *s, size_t n, uint8_t *stack, struct frame *f) {
        size_t p = skip_spaces(s, n, 0), mlen;
        bool saw_marker = false, end_task = false;
        uint64_t addr = 0, a;
        unsigned n_addr = 0;

        *f = (struct frame){ .reliable = true };

        while (is_marker(s, n, p, &mlen)) {
                bool e;
                *stack = marker_stack(s + p, mlen, &e);
                end_task = end_task || e;
                saw_marker = true;
                p = skip_spaces(s, n, p + mlen);
        }
        if (p >= n)
                return end_task ? TRACE_END_MARKER : saw_marker ? TRACE_MARKER : TRACE_OTHER;

        while (n_addr < 2 && s[p] == '[') {
                size_t q = p;
                if (!parse_addr_token(s, n, &q, &a))
                        break;
                addr = a;
                n_addr++;
                p = skip_spaces(s, n, q);
        }
        if (startswith_n(s + p, n - p, "? ")) {
                f->reliable = false;
                p += 2;
        }

        if (p < n && s[p] == '(') {
                /* arm: "[<pc>] (callee) from [<pc>] (caller+0x1/0x2)" */
                const char *close = memchr(s + p, ')', n - p);
                if (close && startswith_n(close, (size_t) (s + n - close), ") from ")) {
                        f->function = strndup(s + p + 1, (size_t) (close - (s + p + 1)));
                        if (!f->function)
                                return TRACE_OTHER;
                        f->address = addr;
                        f->stack = *stack;
                        return TRACE_FRAME;
                }
        } else if (p < n && is_name_char(s[p]) && !startswith_n(s + p, n - p, "0x")) {
                size_t q = p;
                if (parse_symbol(s, n, &q, f)) {
                        f->address = addr;
                        f->stack = *stack;
                        if (endswith_n(s, n, " (unreliable)"))
                                f->reliable = false;
                        return TRACE_FRAME;
                }
                frame_done(f);
                *f = (struct frame){ .reliable = true };

                /* arm since 5.x: "callee from caller+0x1/0x2" */
                while (q < n && is_name_char(s[q]))
                        q++;
                if (startswith_n(s + q, n - q, " from ")) {
                        f->function = strndup(s + p, q - p);
                        if (!f->function)
                                return TRACE_OTHER;
                        f->address = addr;
                        f->stack = *stack;
                        return TRACE_FRAME;
                }
        }

        /* Lines that sit inside a trace without being frames. */
        if (saw_marker)
                return end_task ? TRACE_END_MARKER : TRACE_MARKER;
        if (startswith_n(s + p, n - p, "Exception stack(") || is_hex_dump(s + p, n - p))
                return TRACE_SKIP;
        if (n_addr > 0 || contains_n(s, n, " [inline]") || startswith_n(s + p, n - p, "Code: ") ||
            startswith_n(s + p, n - p, "RIP: ") || startswith_n(s + p, n - p, "EIP: ") ||
            looks_like_regs(s + p, n - p))
                return TRACE_SKIP;
        return TRACE_OTHER;
}

bool frame_is_trace_start(const char *s, size_t n) {
        size_t p = skip_spaces(s, n, 0);
        return startswith_n(s + p, n - p, "Call Trace:") || startswith_n(s + p, n - p, "Call trace:") ||
               startswith_n(s + p, n - p, "Backtrace:");
}

bool frame_parse_ip_line(const char *s, size_t n, struct frame *f, bool *user) {
        size_t p = skip_spaces(s, n, 0);
        uint64_t addr = 0, a;

        *f = (struct frame){ .reliable = true };
        *user = false;

        if (startswith_n(s + p, n - p, "RIP: ") || startswith_n(s + p, n - p, "EIP: ") ||
            startswith_n(s + p, n - p, "IP: ")) {
                size_t q = skip_spaces(s, n, p + (s[p] == 'I' ? 4 : 5)), seg_b = q;
                uint64_t seg = parse_hex(s, n, &q);
                if (q > seg_b && q < n && s[q] == ':')
                        q++;
                else {
                        q = seg_b;
                        seg = 0x10;
                }
                if (startswith_n(s + q, n - q, "0x")) {
                        /* Unsymbolized: user space (segment 0x33/0x23/0x73). */
                        *user = seg == 0x33 || seg == 0x23 || seg == 0x73 || seg == 0x2b;
                        return false;
                }
                while (q < n && s[q] == '[' && parse_addr_token(s, n, &q, &a)) {
                        addr = a;
                        q = skip_spaces(s, n, q);
                }
                p = q;
        } else if (startswith_n(s + p, n - p, "EIP is at "))
                p += 10;
        else if (startswith_n(s + p, n - p, "PC is at "))
                p += 9;
        else if (startswith_n(s + p, n - p, "pc : ") || startswith_n(s + p, n - p, "epc : ")) {
                p = skip_spaces(s, n, p + (s[p] == 'e' ? 6 : 5));
                if (p < n && s[p] == '[') {
                        if (!parse_addr_token(s, n, &p, &addr))
                                return false;
                        p = skip_spaces(s, n, p);
                }
        } else if (startswith_n(s + p, n - p, "NIP [")) {
                p += 4;
                if (!parse_addr_token(s, n, &p, &addr))
                        return false;
                p = skip_spaces(s, n, p);
        } else
                return false;

        if (!parse_symbol(s, n, &p, f)) {
                frame_done(f);
                return false;
        }
        f->address = addr;
        return true;
}

bool frame_parse_link_line(const char *s, size_t n, struct frame *f) {
        size_t p = skip_spaces(s, n, 0);
        uint64_t addr = 0;

        *f = (struct frame){ .reliable = true };
        if (startswith_n(s + p, n - p, "lr : ") || startswith_n(s + p, n - p, "ra : "))
                p = skip_spaces(s, n, p + 5);
        else if (startswith_n(s + p, n - p, "LR is at "))
                p += 9;
        else
                return false;
        if (p < n && s[p] == '[') {
                if (!parse_addr_token(s, n, &p, &addr))
                        return false;
                p = skip_spaces(s, n, p);
        }
        if (!parse_symbol(s, n, &p, f)) {
                frame_done(f);
                return false;
        }
        f->address = addr;
        return true;
}

/* ---- registers ---- */

static bool known_register(const char *name, size_t len) {
        static const char *const names[] = {
                "RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "RSP", "R08", "R09", "R8", "R9",
                "R10", "R11", "R12", "R13", "R14", "R15", "EAX", "EBX", "ECX", "EDX", "ESI", "EDI",
                "EBP", "ESP", "EFLAGS", "FS", "GS", "CS", "DS", "ES", "SS", "CR0", "CR2", "CR3",
                "CR4", "DR0", "DR1", "DR2", "DR3", "DR6", "DR7", "PKRU", "ORIG_RAX",
                "sp", "pc", "lr", "pstate", "fp", "ip", "psr", "ra", "gp", "tp", "epc", "status",
                "badaddr", "cause",
        };
        if (len >= 2 && (name[0] == 'x' || name[0] == 'r' || name[0] == 'a' || name[0] == 's' ||
                         name[0] == 't')) {
                bool digits = true;
                for (size_t i = 1; i < len; i++)
                        digits = digits && name[i] >= '0' && name[i] <= '9';
                if (digits && len <= 3)
                        return true;
        }
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
                        return true;
        return false;
}

static bool symbolic_register(const char *name, size_t len) {
        return (len == 2 && (memcmp(name, "pc", 2) == 0 || memcmp(name, "lr", 2) == 0 ||
                             memcmp(name, "ra", 2) == 0)) ||
               (len == 3 && memcmp(name, "epc", 3) == 0);
}

/* Walks "NAME: VALUE" pairs; calls add() for each when given. Returns the
 * number of pairs, 0 when the line is not a register dump. */
static int walk_regs(const char *s, size_t n,
                     int (*add)(void *ud, const char *name, size_t nlen, const char *val, size_t vlen),
                     void *ud) {
        size_t p = skip_spaces(s, n, 0);
        int count = 0, r;
        bool first_known = false;

        while (p < n) {
                size_t nb = p, ne, vb, ve;

                if (!((s[p] >= 'a' && s[p] <= 'z') || (s[p] >= 'A' && s[p] <= 'Z')))
                        return 0;
                while (p < n && ((s[p] >= 'a' && s[p] <= 'z') || (s[p] >= 'A' && s[p] <= 'Z') ||
                                 (s[p] >= '0' && s[p] <= '9') || s[p] == '_'))
                        p++;
                ne = p;
                if (ne - nb > 15)
                        return 0;
                if (count == 0)
                        first_known = known_register(s + nb, ne - nb);
                p = skip_spaces(s, n, p);
                if (p >= n || s[p] != ':')
                        return 0;
                p = skip_spaces(s, n, p + 1);

                vb = p;
                while (p < n && is_hex(s[p]))
                        p++;
                ve = p;
                if (ve > vb && p < n && s[p] == ':' && p + 1 < n && is_hex(s[p + 1])) {
                        /* "0018:ffffc90000c27d68": segment, then the value. */
                        vb = ++p;
                        while (p < n && is_hex(s[p]))
                                p++;
                        ve = p;
                }
                if (ve == vb || (p < n && s[p] != ' ' && s[p] != '(')) {
                        /* Not hex: only pc/lr may hold a symbol. */
                        if (!symbolic_register(s + nb, ne - nb))
                                return 0;
                        vb = ve = skip_spaces(s, n, vb);
                        while (ve < n && s[ve] != ' ')
                                ve++;
                        if (ve == vb)
                                return 0;
                        p = ve;
                        if (add && (r = add(ud, s + nb, ne - nb, s + vb, ve - vb)) < 0)
                                return r;
                        count++;
                        /* A symbol may be followed by " [module]"; keep going only
                         * when another NAME: follows. */
                        size_t q = skip_spaces(s, n, p);
                        if (q < n && s[q] == '[') {
                                while (q < n && s[q] != ']')
                                        q++;
                                q = q < n ? q + 1 : q;
                        }
                        p = skip_spaces(s, n, q);
                        continue;
                }
                if (add && (r = add(ud, s + nb, ne - nb, s + vb, ve - vb)) < 0)
                        return r;
                count++;
                /* "(0000)" after FS/GS, "(nZCv daif ...)" after pstate. */
                p = skip_spaces(s, n, p);
                if (p < n && s[p] == '(') {
                        const char *close = memchr(s + p, ')', n - p);
                        p = close ? (size_t) (close - s) + 1 : n;
                        p = skip_spaces(s, n, p);
                }
        }
        if (count == 0 || (!first_known && count < 2))
                return 0;
        return count;
}

static bool looks_like_regs(const char *s, size_t n) {
        return walk_regs(s, n, NULL, NULL) > 0;
}

struct reg_sink {
        struct reg **regs;
        size_t *n_regs;
};

static int reg_add(void *ud, const char *name, size_t nlen, const char *val, size_t vlen) {
        struct reg_sink *sink = ud;
        struct reg *v;
        bool hex = true;

        for (size_t i = 0; i < vlen; i++)
                hex = hex && is_hex(val[i]);

        /* The first value wins: x86 prints FS/GS twice in some dumps. */
        for (size_t i = 0; i < *sink->n_regs; i++)
                if (strlen((*sink->regs)[i].name) == nlen && memcmp((*sink->regs)[i].name, name, nlen) == 0)
                        return 0;

        v = realloc(*sink->regs, (*sink->n_regs + 1) * sizeof(struct reg));
        if (!v)
                return -ENOMEM;
        *sink->regs = v;
        struct reg *r = &v[*sink->n_regs];
        memcpy(r->name, name, MIN(nlen, sizeof(r->name) - 1));
        r->name[MIN(nlen, sizeof(r->name) - 1)] = 0;
        if (hex) {
                r->value = malloc(vlen + 3);
                if (r->value) {
                        r->value[0] = '0';
                        r->value[1] = 'x';
                        for (size_t i = 0; i < vlen; i++)
                                r->value[2 + i] = (char) (val[i] | 0x20);
                        r->value[vlen + 2] = 0;
                }
        } else
                r->value = strndup(val, vlen);
        if (!r->value)
                return -ENOMEM;
        (*sink->n_regs)++;
        return 0;
}

int regs_parse_line(const char *s, size_t n, struct reg **regs, size_t *n_regs) {
        struct reg_sink sink = { regs, n_regs };

        /* Check the whole line first, so a line that turns out not to be a
         * register dump adds nothing. */
        if (walk_regs(s, n, NULL, NULL) <= 0)
                return 0;
        return walk_regs(s, n, reg_add, &sink);
}

void regs_free(struct reg *regs, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(regs[i].value);
        free(regs);
}
