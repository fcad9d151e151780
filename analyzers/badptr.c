/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bad pointers: what the faulting address and the crash's registers hold
 * when they are not valid pointers. The patterns are the kernel's own
 * (include/linux/poison.h), the wire formats of network packets, text, and
 * the address layout of the architecture:
 *
 *   NULL + offset        a member read through a NULL pointer; with the
 *                        kernel's BTF, which member of which struct
 *   list poison          LIST_POISON1/2: a list entry used after list_del
 *   slab poison          0x6b freed, 0x5a never written, 0xa5 end marker
 *   packet bytes         an Ethernet type and an IP header start: packet
 *                        data written over kernel memory (NIC DMA)
 *   text                 ASCII characters where a pointer should be
 *   non-canonical        no valid address at all
 *   one bit off          one flipped bit from a mapped kernel address:
 *                        suspect a memory error
 *   user address         a user-space address dereferenced by the kernel */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "strbuf.h"
#include "util.h"

#define POISON_POINTER_DELTA UINT64_C(0xdead000000000000)
#define NULL_LIMIT UINT64_C(0x10000)    /* mmap_min_addr's usual value */
#define USER_TOP UINT64_C(0x0000800000000000)
#define NEAR UINT64_C(0x1000)

static void le_bytes(uint64_t v, uint8_t b[8]) {
        for (unsigned i = 0; i < 8; i++)
                b[i] = (uint8_t) (v >> (8 * i));
}

static json_object *base_evidence(const struct explain *x, uint64_t v, const char *source, uint64_t fault_off) {
        json_object *o = json_object_new_object();
        _cleanup_free_ char *regs = explain_regs_holding(x, v);
        char hex[24], bytes[32];
        uint8_t b[8];

        if (!o)
                return NULL;
        snprintf(hex, sizeof(hex), "0x%016" PRIx64, v);
        le_bytes(v, b);
        snprintf(bytes, sizeof(bytes), "%02x %02x %02x %02x %02x %02x %02x %02x", b[0], b[1], b[2], b[3], b[4], b[5],
                 b[6], b[7]);
        json_object_object_add(o, "value", json_object_new_string(hex));
        json_object_object_add(o, "bytes", json_object_new_string(bytes));
        json_object_object_add(o, "source", json_object_new_string(source));
        json_object_object_add(o, "registers", regs ? json_object_new_string(regs) : NULL);
        if (fault_off != UINT64_MAX)
                json_object_object_add(o, "fault_offset", json_object_new_int64((int64_t) fault_off));
        return o;
}

/* "0x... in RAX" (and how the fault address relates) for messages. */
static void describe(const struct explain *x, uint64_t v, const char *source, uint64_t fault_off, char *buf,
                     size_t len) {
        _cleanup_free_ char *regs = explain_regs_holding(x, v);
        int n = snprintf(buf, len, "0x%016" PRIx64 "%s%s", v, regs ? " in " : "", regs ? regs : "");

        if (n < 0 || (size_t) n >= len)
                return;
        if (fault_off != UINT64_MAX && fault_off > 0)
                snprintf(buf + n, len - (size_t) n, " (the fault address is it + 0x%" PRIx64 ")", fault_off);
        else if (strcmp(source, "register") != 0)
                snprintf(buf + n, len - (size_t) n, ", the %s,", source);
}

/* ---- patterns ---- */

struct ether_type {
        uint16_t type;
        const char *name;
};

static const struct ether_type ether_types[] = {
        { 0x0800, "IPv4" }, { 0x86dd, "IPv6" }, { 0x0806, "ARP" },        { 0x8100, "802.1Q VLAN" },
        { 0x88a8, "802.1ad QinQ" }, { 0x8847, "MPLS" }, { 0x8864, "PPPoE" },
};

/* An Ethernet type in network byte order followed by the start of the
 * header it announces. The type alone (two bytes) is too common. */
static bool packet_bytes(uint64_t v, char *what, size_t len, json_object *ev) {
        uint8_t b[8];

        le_bytes(v, b);
        for (unsigned i = 0; i + 2 < 8; i++) {
                uint16_t t = (uint16_t) (b[i] << 8 | b[i + 1]);
                uint8_t next = b[i + 2];
                for (size_t k = 0; k < ELEMENTSOF(ether_types); k++) {
                        const char *hdr = NULL;
                        if (ether_types[k].type != t)
                                continue;
                        if (t == 0x0800 && next >= 0x45 && next <= 0x4f)
                                hdr = "an IPv4 header start";
                        else if (t == 0x86dd && (next >> 4) == 6)
                                hdr = "an IPv6 header start";
                        else if (t == 0x0806 && next == 0x00 && (i + 3 >= 8 || b[i + 3] == 0x01))
                                hdr = "an ARP hardware type";
                        else if ((t == 0x8100 || t == 0x88a8) && i + 4 < 8 &&
                                 ((b[i + 4] << 8 | b[i + 5]) == 0x0800 || (b[i + 4] << 8 | b[i + 5]) == 0x86dd))
                                hdr = "a VLAN tag and an IP type";
                        if (!hdr)
                                continue;
                        snprintf(what, len, "bytes %u-%u hold Ethernet type 0x%04x (%s), then %s (0x%02x)", i, i + 1, t,
                                 ether_types[k].name, hdr, next);
                        json_object_object_add(ev, "ethertype", json_object_new_string(ether_types[k].name));
                        json_object_object_add(ev, "ethertype_offset", json_object_new_int((int) i));
                        return true;
                }
        }
        return false;
}

/* Printable ASCII, perhaps NUL-terminated early: a string where a pointer
 * should be. */
static bool text_bytes(uint64_t v, char *text, size_t len) {
        uint8_t b[8];
        unsigned n = 0, letters = 0;

        le_bytes(v, b);
        while (n < 8 && b[n] >= 0x20 && b[n] < 0x7f) {
                letters += isalpha(b[n]) != 0;
                n++;
        }
        for (unsigned i = n; i < 8; i++)
                if (b[i] != 0)
                        return false;
        if (n < 5 || letters < 3)
                return false;
        snprintf(text, len, "%.*s", (int) n, (const char *) b);
        return true;
}

struct poison {
        uint8_t byte;
        const char *name, *meaning;
        enum hint_severity severity;
};

static const struct poison poisons[] = {
        { 0x6b, "POISON_FREE", "memory of a freed slab object: a pointer read from an object after it was freed "
                               "(use after free)", HINT_CRITICAL },
        { 0x5a, "POISON_INUSE", "memory of a slab object that was allocated but never written (an uninitialized "
                                "pointer)", HINT_CRITICAL },
        { 0xa5, "POISON_END", "the end marker of a poisoned slab object (use after free, or an overrun)",
          HINT_CRITICAL },
        { 0xaa, "PAGE_POISON", "memory of a freed page (use after free of a page)", HINT_CRITICAL },
};

/* Six or more bytes of one poison, the rest small: the poison plus an
 * offset, or with the 0xa5 end marker. */
static const struct poison *poison_bytes(uint64_t v) {
        uint8_t b[8];

        le_bytes(v, b);
        for (size_t k = 0; k < ELEMENTSOF(poisons); k++) {
                unsigned same = 0;
                for (unsigned i = 0; i < 8; i++)
                        same += b[i] == poisons[k].byte;
                if (same >= 6 && b[7] == poisons[k].byte && b[6] == poisons[k].byte)
                        return &poisons[k];
        }
        return NULL;
}

/* LIST_POISON1/2 and the other pointer poisons of poison.h. */
static const char *pointer_poison(uint64_t v, uint64_t *off, const char **meaning) {
        uint64_t d = v - POISON_POINTER_DELTA;

        if (v < POISON_POINTER_DELTA || d >= 0x1000)
                return NULL;
        if (d >= 0x122 && d < 0x200) {
                *off = d - 0x122;
                *meaning = "the prev pointer of a list entry already deleted with list_del(): the entry is used "
                           "after deletion, or deleted twice";
                return "LIST_POISON2";
        }
        if (d >= 0x100 && d < 0x122) {
                *off = d - 0x100;
                *meaning = "the next pointer of a list entry already deleted with list_del(): the entry is used "
                           "after deletion, or deleted twice";
                return "LIST_POISON1";
        }
        if (d >= 0x300 && d < 0x400) {
                *off = d - 0x300;
                *meaning = "a timer that was never set up (TIMER_ENTRY_STATIC)";
                return "TIMER_ENTRY_STATIC";
        }
        *off = d;
        *meaning = "a poisoned pointer (POISON_POINTER_DELTA): an object used after the kernel invalidated it";
        return "POISON_POINTER_DELTA";
}

/* ---- NULL + offset ---- */

static const char *const x86_args[] = { "RDI", "RSI", "RDX", "RCX", "R08", "R09" };

static bool arg_register_zero(const struct explain *x, unsigned idx, char *name, size_t len) {
        char want[8];

        if (x->arch && strcmp(x->arch, "arm64") == 0)
                snprintf(want, sizeof(want), "x%u", idx);
        else if (idx < ELEMENTSOF(x86_args))
                snprintf(want, sizeof(want), "%s", x86_args[idx]);
        else
                return false;
        for (size_t i = 0; i < x->n_regs; i++) {
                const char *n = x->regs[i].name;
                /* The dump's note says r8 where the log says R08. */
                bool same = strcasecmp(n, want) == 0 ||
                            (want[0] == 'R' && want[1] == '0' && n[0] == 'r' && strcmp(n + 1, want + 2) == 0);
                if (same) {
                        snprintf(name, len, "%s", n);
                        return x->regs[i].value == 0;
                }
        }
        return false;
}

static int null_hint(struct explain *x, uint64_t v) {
        const struct oops_event *e = x->fatal;
        const char *fn = e->has_rip ? e->rip.function : NULL;
        _cleanup_(strbuf_done) struct strbuf text = STRBUF_INIT;
        json_object *ev = base_evidence(x, v, "fault address", UINT64_MAX), *members;
        struct kbtf_param params[8];
        int n = -ENOENT, k = 0, named = 0;

        if (!ev)
                return -ENOMEM;
        members = json_object_new_array();
        if (!members) {
                json_object_put(ev);
                return -ENOMEM;
        }
        json_object_object_add(ev, "offset", json_object_new_int64((int64_t) v));
        json_object_object_add(ev, "function", fn ? json_object_new_string(fn) : NULL);
        json_object_object_add(ev, "members", members);
        if (x->btf && fn && !(e->rip.module))
                n = kbtf_func_params(x->btf, fn, params, ELEMENTSOF(params));
        /* The struct of each pointer argument that is long enough: a NULL
         * argument (its register still 0) first. */
        for (int pass = 0; pass < 2 && k >= 0; pass++)
                for (int i = 0; i < n && k >= 0; i++) {
                        char path[160], reg[16] = "";
                        uint64_t inside = 0, size = 0;
                        bool zero;
                        json_object *m;

                        if (!params[i].composite[0])
                                continue;
                        zero = arg_register_zero(x, params[i].index, reg, sizeof(reg));
                        if (zero != (pass == 0))
                                continue;
                        if (kbtf_struct_size(x->btf, params[i].composite, &size) < 0 || v >= size ||
                            kbtf_member_at(x->btf, params[i].composite, v, path, sizeof(path), &inside) < 0)
                                continue;
                        m = json_object_new_object();
                        if (!m)
                                return -ENOMEM;
                        json_object_object_add(m, "argument", json_object_new_int((int) params[i].index + 1));
                        json_object_object_add(m, "argument_name", json_object_new_string(params[i].name));
                        json_object_object_add(m, "struct", json_object_new_string(params[i].composite));
                        json_object_object_add(m, "member", json_object_new_string(path));
                        json_object_object_add(m, "member_offset", json_object_new_int64((int64_t) inside));
                        json_object_object_add(m, "register_zero", json_object_new_boolean(zero));
                        json_object_array_add(members, m);
                        if (named == 0)
                                k = strbuf_printf(&text, "`%s` of %s %s, argument %u%s%s%s of %s()%s%s%s", path,
                                                  params[i].is_union ? "union" : "struct", params[i].composite,
                                                  params[i].index + 1, params[i].name[0] ? " (" : "", params[i].name,
                                                  params[i].name[0] ? ")" : "", fn, zero ? "; its register " : "",
                                                  zero ? reg : "", zero ? " is 0" : "");
                        else if (named < 3)
                                k = strbuf_printf(&text, "; or `%s` of %s %s (argument %u)", path,
                                                  params[i].is_union ? "union" : "struct", params[i].composite,
                                                  params[i].index + 1);
                        named++;
                }
        if (k < 0) {
                json_object_put(ev);
                return -ENOMEM;
        }
        if (named > 0)
                return hints_add(x->out, "bad-pointer", "null-pointer", HINT_INFO, ev,
                                 "the fault address 0x%" PRIx64 " is NULL + 0x%" PRIx64 ": %s", v, v, text.buf);
        if (v == 0)
                return hints_add(x->out, "bad-pointer", "null-pointer", HINT_INFO, ev,
                                 "the fault address is 0: a NULL pointer itself was dereferenced%s%s%s",
                                 fn ? " in " : "", fn ? fn : "", fn ? "()" : "");
        return hints_add(x->out, "bad-pointer", "null-pointer", HINT_INFO, ev,
                         "the fault address 0x%" PRIx64 " is NULL + 0x%" PRIx64
                         ": a member at offset 0x%" PRIx64 " of a structure reached through a NULL pointer%s%s%s",
                         v, v, v,
                         !x->btf ? " (no kernel types to name it)"
                         : e->rip.module ? " (module code: the kernel's BTF does not describe " : fn && n == -ENOENT
                                 ? " (the kernel's BTF does not describe "
                                 : "",
                         x->btf && fn && n == -ENOENT ? fn : "", x->btf && fn && n == -ENOENT ? "())" : "");
}

/* ---- one bit off ---- */

/* A kernel address one flipped bit from v that is mapped: readable in the
 * dump, or (with only a log) on the same page as another register. */
static bool one_bit_off(const struct explain *x, uint64_t v, uint64_t *to, unsigned *bit) {
        for (unsigned b = 0; b < 64; b++) {
                uint64_t c = v ^ (UINT64_C(1) << b);
                if (!explain_kernel_address(x, c))
                        continue;
                if (x->mem ? explain_readable(x, c) : false) {
                        *to = c;
                        *bit = b;
                        return true;
                }
                if (!x->mem)
                        for (size_t i = 0; i < x->n_regs; i++)
                                if (x->regs[i].value != v && (x->regs[i].value & ~UINT64_C(0xfff)) == (c & ~UINT64_C(0xfff))) {
                                        *to = c;
                                        *bit = b;
                                        return true;
                                }
        }
        return false;
}

/* ---- one value ---- */

static int bit_flip_hint(struct explain *x, json_object *ev, const char *who, const char *what, unsigned bit,
                         uint64_t to, const char *where) {
        char hex[24];

        snprintf(hex, sizeof(hex), "0x%016" PRIx64, to);
        json_object_object_add(ev, "mapped", json_object_new_string(hex));
        json_object_object_add(ev, "bit", json_object_new_int((int) bit));
        return hints_add(x->out, "bad-pointer", "bit-flip", HINT_WARNING, ev,
                         "%s %s, but flipping bit %u gives 0x%016" PRIx64
                         ", %s: suspect a memory error (check EDAC/MCE logs, run a memory test)",
                         who, what, bit, to, where);
}

static int examine(struct explain *x, uint64_t v, const char *source, uint64_t fault_off) {
        bool fault = strcmp(source, "register") != 0;
        char who[160], what[200];
        const struct poison *p;
        const char *name, *meaning;
        uint64_t off, to;
        unsigned bit;
        json_object *ev;

        describe(x, v, source, fault_off, who, sizeof(who));
        ev = base_evidence(x, v, source, fault_off);
        if (!ev)
                return -ENOMEM;

        if ((name = pointer_poison(v, &off, &meaning))) {
                json_object_object_add(ev, "poison", json_object_new_string(name));
                json_object_object_add(ev, "poison_offset", json_object_new_int64((int64_t) off));
                return hints_add(x->out, "bad-pointer", "list-poison", HINT_CRITICAL, ev,
                                 "%s is %s + 0x%" PRIx64 ": %s", who, name, off, meaning);
        }
        if ((p = poison_bytes(v))) {
                json_object_object_add(ev, "poison", json_object_new_string(p->name));
                return hints_add(x->out, "bad-pointer", "slab-poison", p->severity, ev,
                                 "%s is made of 0x%02x bytes (%s): %s", who, p->byte, p->name, p->meaning);
        }
        if (!explain_canonical(x, v) && packet_bytes(v, what, sizeof(what), ev))
                return hints_add(x->out, "bad-pointer", "packet-bytes", fault ? HINT_CRITICAL : HINT_WARNING, ev,
                                 "%s is network packet data, not a pointer: %s. Packet bytes were written over "
                                 "kernel memory: suspect a NIC or its driver writing (DMA) into memory it no "
                                 "longer owns",
                                 who, what);
        if ((!explain_canonical(x, v) || fault) && text_bytes(v, what, sizeof(what))) {
                json_object_object_add(ev, "text", json_object_new_string(what));
                return hints_add(x->out, "bad-pointer", "text", HINT_WARNING, ev,
                                 "%s reads as the text \"%s\": characters were written where a pointer should be "
                                 "(a string overran its buffer, or the object was reused)",
                                 who, what);
        }
        if (!explain_canonical(x, v)) {
                if (one_bit_off(x, v, &to, &bit))
                        return bit_flip_hint(x, ev, who, "is not a valid address", bit, to,
                                             x->mem ? "which is mapped" : "next to another register");
                /* Registers hold data as often as pointers: only the
                 * patterns above say something about one. */
                if (!fault) {
                        json_object_put(ev);
                        return 0;
                }
                return hints_add(x->out, "bad-pointer", "non-canonical", HINT_WARNING, ev,
                                 "%s is not a valid address (non-canonical): the pointer was overwritten or "
                                 "never set",
                                 who);
        }
        if (fault && v >= NULL_LIMIT && v < USER_TOP) {
                return hints_add(x->out, "bad-pointer", "user-address", HINT_WARNING, ev,
                                 "%s is a user-space address accessed from kernel mode: a user pointer used "
                                 "without copy_from_user(), or a kernel pointer's high bits lost",
                                 who);
        }
        if (fault && x->mem && explain_kernel_address(x, v) && !explain_readable(x, v) &&
            strcmp(x->fault_from, "page fault") == 0 && one_bit_off(x, v, &to, &bit))
                return bit_flip_hint(x, ev, who, "is not mapped", bit, to, "which is");
        json_object_put(ev);
        return 0;
}

int analyze_bad_pointers(struct explain *x) {
        uint64_t seen[EXPLAIN_MAX_REGS + 1];
        size_t n_seen = 0;
        int k;

        if (x->has_fault) {
                uint64_t v = x->fault, base = v, off = UINT64_MAX;

                /* The fault address is often a bad pointer plus a member's
                 * offset: speak of the pointer in the register. */
                for (size_t i = 0; i < x->n_regs; i++)
                        if (x->regs[i].value <= v && v - x->regs[i].value < NEAR && v >= NULL_LIMIT &&
                            !explain_canonical(x, x->regs[i].value) && (off == UINT64_MAX || v - x->regs[i].value < off)) {
                                base = x->regs[i].value;
                                off = v - base;
                        }
                if (v < NULL_LIMIT)
                        k = null_hint(x, v);
                else
                        k = examine(x, base, "fault address", off);
                if (k < 0)
                        return k;
                seen[n_seen++] = base;
        }
        for (size_t i = 0; i < x->n_regs; i++) {
                uint64_t v = x->regs[i].value;
                bool dup = false;

                for (size_t j = 0; j < n_seen && !dup; j++)
                        dup = seen[j] == v;
                if (dup || explain_canonical(x, v))
                        continue;
                seen[n_seen++] = v;
                k = examine(x, v, "register", UINT64_MAX);
                if (k < 0)
                        return k;
        }
        return 0;
}

const char *badptr_what(const struct explain *x, uint64_t v, char *buf, size_t len) {
        const struct poison *p;
        const char *name, *meaning;
        uint64_t off, to;
        unsigned bit;
        char what[200];
        json_object *scratch;

        if ((name = pointer_poison(v, &off, &meaning)))
                snprintf(buf, len, "%s + 0x%" PRIx64 ", a poisoned list pointer", name, off);
        else if ((p = poison_bytes(v)))
                snprintf(buf, len, "slab poison (0x%02x, %s)", p->byte, p->name);
        else if (!explain_canonical(x, v) && (scratch = json_object_new_object())) {
                bool packet = packet_bytes(v, what, sizeof(what), scratch);
                json_object_put(scratch);
                if (packet)
                        snprintf(buf, len, "network packet data: %s", what);
                else if (text_bytes(v, what, sizeof(what)))
                        snprintf(buf, len, "the text \"%s\"", what);
                else if (one_bit_off(x, v, &to, &bit))
                        snprintf(buf, len, "non-canonical, one bit (%u) from 0x%016" PRIx64 ": a memory error?", bit, to);
                else
                        snprintf(buf, len, "not a valid address (non-canonical)");
        } else if (v < NULL_LIMIT)
                snprintf(buf, len, "NULL + 0x%" PRIx64, v);
        else if (!explain_kernel_address(x, v))
                snprintf(buf, len, "a user-space address");
        else if (x->mem && !explain_readable(x, v))
                snprintf(buf, len, "a kernel address that is not in the dump");
        else
                return NULL;
        return buf;
}
