/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs the built-in analyzers over a report: gathers what they share (the
 * crash's registers, the fault address, the dump's memory and types) and
 * records which of them ran and, when one could not, why. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "strbuf.h"
#include "util.h"
#include "vmcore.h"

bool explain_canonical(const struct explain *x, uint64_t v) {
        /* arm64 with 52-bit addresses is not told apart here: 48 bits. */
        unsigned bits = x->la57 ? 57 : 48;
        uint64_t top = v >> (bits - 1);

        return top == 0 || top == (UINT64_MAX >> (bits - 1));
}

bool explain_kernel_address(const struct explain *x, uint64_t v) {
        return explain_canonical(x, v) && (v >> 63) == 1;
}

bool explain_readable(const struct explain *x, uint64_t v) {
        uint8_t b;
        return x->mem && explain_kernel_address(x, v) && kmem_read(x->mem, v, &b, 1) >= 0;
}

char *explain_regs_holding(const struct explain *x, uint64_t v) {
        _cleanup_(strbuf_done) struct strbuf s = STRBUF_INIT;

        for (size_t i = 0; i < x->n_regs; i++)
                if (x->regs[i].value == v && strbuf_printf(&s, "%s%s", s.len ? ", " : "", x->regs[i].name) < 0)
                        return NULL;
        return s.len ? strbuf_steal(&s) : NULL;
}

/* The data symbols the analyzers need, found in one pass over kallsyms'
 * names (each search by name reads the whole table). */
static const char *const wanted_symbols[_EXPLAIN_SYM_MAX] = {
        [EXPLAIN_SYM_PER_CPU_OFFSET] = "__per_cpu_offset",
        [EXPLAIN_SYM_NR_CPU_IDS] = "nr_cpu_ids",
        [EXPLAIN_SYM_CURRENT_TASK] = "current_task",
        [EXPLAIN_SYM_PCPU_HOT] = "pcpu_hot",
        [EXPLAIN_SYM_RUNQUEUES] = "runqueues",
};

bool explain_symbol(struct explain *x, enum explain_sym which, uint64_t *ret) {
        if (!x->syms_loaded) {
                x->syms_loaded = true;
                if (x->ks)
                        (void) kallsyms_addresses(x->ks, wanted_symbols, _EXPLAIN_SYM_MAX, x->syms);
        }
        if (!x->syms[which])
                return false;
        *ret = x->syms[which];
        return true;
}

int explain_percpu_offset(struct explain *x, unsigned cpu, uint64_t *ret) {
        uint64_t base;

        if (!x->mem || !explain_symbol(x, EXPLAIN_SYM_PER_CPU_OFFSET, &base))
                return -ENOENT;
        return kmem_read_u64(x->mem, base + 8 * (uint64_t) cpu, ret);
}

unsigned explain_n_cpus(struct explain *x) {
        uint64_t addr;
        uint32_t n;

        if (x->mem && explain_symbol(x, EXPLAIN_SYM_NR_CPU_IDS, &addr) && kmem_read_u32(x->mem, addr, &n) >= 0 &&
            n > 0 && n <= 8192)
                return n;
        return x->vm ? (unsigned) MAX(x->vm->n_cpus, (size_t) 1) : 1;
}

/* Registers that may hold pointers: not flags, segments, control
 * registers or the instruction pointer. */
static bool general_register(const char *name) {
        static const char *const x86[] = { "RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "RSP",
                                           "EAX", "EBX", "ECX", "EDX", "ESI", "EDI", "EBP", "ESP" };
        char up[16];
        size_t n = strlen(name);

        if (n == 0 || n >= sizeof(up))
                return false;
        for (size_t i = 0; i <= n; i++)
                up[i] = (char) toupper((unsigned char) name[i]);
        for (size_t i = 0; i < ELEMENTSOF(x86); i++)
                if (strcmp(up, x86[i]) == 0)
                        return true;
        /* R8..R15 ("R08" in the log), x0..x30 on arm64, lr and sp. */
        if ((up[0] == 'R' || up[0] == 'X') && n >= 2 && n <= 3 && isdigit((unsigned char) up[1]) &&
            (n == 2 || isdigit((unsigned char) up[2])))
                return true;
        return strcmp(up, "LR") == 0 || strcmp(up, "SP") == 0;
}

static void add_reg(struct explain *x, const char *name, uint64_t v) {
        if (x->n_regs >= EXPLAIN_MAX_REGS)
                return;
        snprintf(x->regs[x->n_regs].name, sizeof(x->regs[x->n_regs].name), "%s", name);
        x->regs[x->n_regs++].value = v;
}

static bool parse_hex(const char *s, uint64_t *ret) {
        char *end;

        if (!s || !isxdigit((unsigned char) s[0]))
                return false;
        errno = 0;
        *ret = strtoull(s, &end, 16);
        return errno == 0 && end != s && *end == '\0';
}

static bool kexec_path(const char *sym) {
        static const char *const names[] = { "__crash_kexec", "crash_kexec", "panic", "vpanic", "machine_kexec",
                                             "crash_setup_regs" };
        for (size_t i = 0; sym && i < ELEMENTSOF(names); i++) {
                size_t l = strlen(names[i]);
                if (strncmp(sym, names[i], l) == 0 && sym[l] == '+')
                        return true;
        }
        return false;
}

static void gather_regs(struct explain *x) {
        const struct oops_event *e = x->fatal;

        for (size_t i = 0; e && i < e->n_regs; i++) {
                uint64_t v;
                if (general_register(e->regs[i].name) && parse_hex(e->regs[i].value, &v))
                        add_reg(x, e->regs[i].name, v);
        }
        if (x->n_regs > 0) {
                x->regs_from = "log";
                return;
        }
        /* The dump's note holds the crash's registers only when the oops
         * went to kdump directly, not through panic(). */
        if (x->vm && x->r->panic.note >= 0) {
                const struct vmc_cpu_facts *c = &x->vm->cpus[x->r->panic.note];
                if (kexec_path(c->ip_symbol))
                        return;
                for (unsigned i = 0; i < c->regs.n_regs; i++)
                        if (c->regs.names[i] && general_register(c->regs.names[i]))
                                add_reg(x, c->regs.names[i], c->regs.regs[i]);
                if (x->n_regs > 0)
                        x->regs_from = "dump";
        }
}

/* The hex number after `key` in s, e.g. "address: 0000000000000018". */
static bool hex_after(const char *s, size_t n, const char *key, uint64_t *ret) {
        const char *p = memmem(s, n, key, strlen(key));
        char buf[24];
        size_t k = 0;

        if (!p)
                return false;
        p += strlen(key);
        if (p + 2 <= s + n && p[0] == '0' && p[1] == 'x')
                p += 2;
        while (p < s + n && k < sizeof(buf) - 1 && isxdigit((unsigned char) *p))
                buf[k++] = *p++;
        buf[k] = '\0';
        return k > 0 && parse_hex(buf, ret);
}

/* The faulting address as the kernel's report states it. */
static void find_fault(struct explain *x) {
        static const struct {
                const char *key, *what;
        } keys[] = {
                { "NULL pointer dereference, address: ", "page fault" },
                { "unable to handle page fault for address: ", "page fault" },
                { "probably for non-canonical address ", "general protection fault" },
                { "at virtual address ", "page fault" },
                { " at addr ", "KASAN" },
                { "unable to handle kernel paging request at ", "page fault" },
        };
        const struct oops_event *e = x->fatal;

        if (!e)
                return;
        for (size_t l = e->line; l <= e->end_line && l < x->r->log->n_lines; l++) {
                const struct klog_line *line = &x->r->log->lines[l];
                for (size_t k = 0; k < ELEMENTSOF(keys); k++)
                        if (hex_after(line->text + line->body, line->len - line->body, keys[k].key, &x->fault)) {
                                x->has_fault = true;
                                x->fault_from = keys[k].what;
                                return;
                        }
        }
}

static int add_status(json_object *a, const char *name, const char *skipped) {
        json_object *o = json_object_new_object();

        if (!o)
                return -ENOMEM;
        json_object_object_add(o, "name", json_object_new_string(name));
        json_object_object_add(o, "ran", json_object_new_boolean(!skipped));
        if (skipped)
                json_object_object_add(o, "skipped", json_object_new_string(skipped));
        json_object_array_add(a, o);
        return 0;
}

int vmc_report_explain(struct vmc_report *r) {
        struct explain x = { .r = r, .out = &r->hints };
        const char *no_types = NULL;
        json_object *status;
        int k;

        x.fatal = vmc_report_crash_event(r);
        x.arch = vmc_report_arch(r);
        if (r->vmcore) {
                int64_t l5 = 0;
                x.vm = r->vmcore;
                x.mem = vmc_dump_kmem(x.vm->dump);
                x.ks = x.vm->kallsyms;
                if (x.vm->info.arch)
                        x.arch = strcmp(x.vm->info.arch, "aarch64") == 0 ? "arm64" : x.vm->info.arch;
                x.la57 = vmcoreinfo_number(vmc_dump_vmcoreinfo(x.vm->dump), "pgtable_l5_enabled", &l5) && l5 == 1;
                x.btf = vmc_vmcore_btf(x.vm);
                if (!x.btf)
                        no_types = x.ks ? "the kernel's types (BTF) are not in the dump"
                                        : "the dump has no kernel symbols (kallsyms), so no kernel types (BTF)";
        }
        gather_regs(&x);
        find_fault(&x);

        status = json_object_new_array();
        if (!status)
                return -ENOMEM;
        json_object_put(r->analyzers);
        r->analyzers = status;

        static const struct {
                const char *name;
                int (*run)(struct explain *x);
                bool dump, types;
        } analyzers[] = {
                { "hardware", analyze_hardware, false, false },
                { "culprit", analyze_culprit, false, false },
                { "event-chain", analyze_event_chain, false, false },
                { "bad-pointer", analyze_bad_pointers, false, false },
                { "slab", analyze_slab, true, true },
                { "task-memory", analyze_task_memory, true, true },
        };
        for (size_t i = 0; i < ELEMENTSOF(analyzers); i++) {
                const char *skipped = NULL;
                if (analyzers[i].dump && !x.vm)
                        skipped = "no crash dump, only a log";
                else if (analyzers[i].types && !x.btf)
                        skipped = no_types;
                else if (!x.fatal && strcmp(analyzers[i].name, "hardware") != 0 &&
                         strcmp(analyzers[i].name, "event-chain") != 0)
                        skipped = "the log holds no crash";
                k = add_status(status, analyzers[i].name, skipped);
                if (k < 0)
                        return k;
                if (skipped)
                        continue;
                k = analyzers[i].run(&x);
                if (k < 0)
                        return k;
        }
        /* A hardware crash gets a fingerprint of its own: the same title
         * from a kernel bug must not be grouped with it. */
        if (r->hardware_error && r->fingerprint && strncmp(r->fingerprint, "fp1-", 4) == 0 &&
            strncmp(r->fingerprint, "fp1-hw-", 7) != 0) {
                char *fp;
                if (asprintf(&fp, "fp1-hw-%s", r->fingerprint + 4) < 0)
                        return -ENOMEM;
                free(r->fingerprint);
                r->fingerprint = fp;
        }
        if (no_types) {
                k = hints_add(&r->hints, "types", "no-kernel-types", HINT_INFO, NULL,
                              "%s: slab objects, the task's memory map and struct members are not analyzed; "
                              "the hints come from the log, the registers and raw memory only",
                              no_types);
                if (k < 0)
                        return k;
        }
        return 0;
}
