/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The part of a report that comes from a crash dump: dump facts, the
 * crashing CPU and task, registers with symbols. */
#include <errno.h>
#include <inttypes.h>
#include <time.h>

#include "report.h"
#include "report-json.h"
#include "utf8.h"
#include "util.h"
#include "vmcore.h"

static bool symbol_is(const char *sym, const char *name) {
        size_t l = strlen(name);
        return sym && strncmp(sym, name, l) == 0 && sym[l] == '+';
}

/* Which NT_PRSTATUS note belongs to the crashing CPU. The notes carry no
 * CPU number; /proc/vmcore drops empty ones, so position is no guide. */
static void find_panic_note(const struct vmc_vmcore *vm, const struct oops_event *e, struct vmc_panic *p) {
        if (vm->n_cpus == 1) {
                p->note = 0;
                p->note_from = "only-note";
                return;
        }
        if (e && e->pid > 0) {
                ssize_t hit = -1;
                for (size_t i = 0; i < vm->n_cpus; i++)
                        if (vm->cpus[i].regs.pid == (uint32_t) e->pid)
                                hit = hit < 0 ? (ssize_t) i : -2;
                if (hit >= 0) {
                        p->note = hit;
                        p->note_from = "pid";
                        return;
                }
        }
        /* Through panic() the notes hold the registers inside the kexec path. */
        for (size_t i = 0; i < vm->n_cpus; i++) {
                const char *s = vm->cpus[i].ip_symbol;
                if (symbol_is(s, "__crash_kexec") || symbol_is(s, "crash_kexec") || symbol_is(s, "panic") ||
                    symbol_is(s, "vpanic")) {
                        p->note = (ssize_t) i;
                        p->note_from = "crash-ip";
                        return;
                }
        }
        /* Through oops_end() they hold the faulting registers. */
        if (e && e->has_rip && e->rip.function)
                for (size_t i = 0; i < vm->n_cpus; i++) {
                        const char *s = vm->cpus[i].ip_symbol;
                        if (symbol_is(s, e->rip.function)) {
                                p->note = (ssize_t) i;
                                p->note_from = "rip";
                                return;
                        }
                }
}

static int resolve_panic(struct vmc_report *r) {
        struct vmc_vmcore *vm = r->vmcore;
        const struct oops_event *e = vmc_report_crash_event(r);
        struct vmc_panic *p = &r->panic;

        /* The log's "CPU: N" of the crash report names the CPU; the kernel's
         * panic_cpu (costlier to find) is asked when the log does not say or
         * several CPUs left registers. */
        if ((!e || e->cpu < 0 || vm->n_cpus > 1) && vmc_vmcore_panic_cpu(vm) >= 0) {
                p->cpu = vm->panic_cpu;
                p->cpu_from = "panic_cpu";
        } else if (e && e->cpu >= 0) {
                p->cpu = e->cpu;
                p->cpu_from = "log";
        }
        find_panic_note(vm, e, p);
        if (p->note >= 0) {
                p->pid = (int) vm->cpus[p->note].regs.pid;
                /* The log's comm only when it names the same task. */
                if (e && e->comm && e->pid == p->pid && !(p->comm = strdup(e->comm)))
                        return -ENOMEM;
        } else if (e) {
                p->pid = e->pid;
                if (e->comm && !(p->comm = strdup(e->comm)))
                        return -ENOMEM;
        }
        return 0;
}

int vmc_analyze_vmcore(struct vmc_analyzer *a, struct vmc_vmcore *vm, struct klog *fallback_log, const char *source,
                       struct vmc_report **ret) {
        _cleanup_(strbuf_done) struct strbuf text = STRBUF_INIT;
        struct klog *log = NULL;
        const char *log_source = NULL;
        struct vmc_report *r;
        int k;

        if (vm->printk) {
                k = vmc_vmcore_kernel_log(vm, &text);
                if (k >= 0)
                        k = klog_from_buffer(text.buf ? text.buf : "", text.len, &log);
                if (k < 0)
                        goto fail;
                log_source = "dump";
                klog_free(TAKE_PTR(fallback_log));
        } else if (fallback_log) {
                log = TAKE_PTR(fallback_log);
                log_source = "file";
        } else {
                k = klog_from_buffer("", 0, &log);
                if (k < 0)
                        goto fail;
        }
        k = vmc_analyze_log_only(a, log, source, &r);
        if (k < 0)
                goto fail;
        r->vmcore = vm;
        r->log_source = log_source;
        k = resolve_panic(r);
        if (k < 0) {
                vmc_report_free(r);
                return k;
        }
        k = vmc_report_finish(a, r);
        if (k < 0) {
                vmc_report_free(r);
                return k;
        }
        *ret = r;
        return 0;
fail:
        klog_free(fallback_log);
        vmc_vmcore_free(vm);
        return k;
}

bool vmc_report_partial(const struct vmc_report *r) {
        if (!r->vmcore)
                return false;
        /* A log saved by the kdump tool makes up for one lost in the dump. */
        if (!r->vmcore->printk && r->log_source)
                return r->vmcore->n_cpus == 0;
        return vmc_vmcore_partial(r->vmcore);
}

/* ---- JSON ---- */

/* "2026-11-22T05:09:12Z" (iso) or "2026-11-22 05:09:12 UTC". */
static void format_utc(int64_t t, bool iso, char *buf, size_t len) {
        time_t tt = (time_t) t;
        struct tm tm;
        size_t n = 0;

        if (gmtime_r(&tt, &tm))
                n = iso ? strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) : strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
        if (n == 0)
                snprintf(buf, len, "%" PRId64, t);
}

static void add_reg(json_object *o, const struct vmc_cpu_facts *c, bool symbols, const char *name, unsigned i) {
        if (!symbols)
                vmc_jadd(o, name, vmc_jhex(c->regs.regs[i]));
        else if (c->reg_symbols[i])
                vmc_jadd(o, name, json_object_new_string(c->reg_symbols[i]));
}

static json_object *regs_json(const struct vmc_cpu_facts *c, bool symbols) {
        json_object *o = json_object_new_object();
        for (unsigned i = 0; o && i < c->regs.n_regs; i++) {
                add_reg(o, c, symbols, c->regs.names[i], i);
                /* arm64's log calls x30 "lr": both names, as people look
                 * for either. */
                if (streq_ptr(c->regs.names[i], "x30"))
                        add_reg(o, c, symbols, "lr", i);
        }
        return o;
}

static const char *buffer_name(enum printk_buffer b) {
        switch (b) {
        case PRINTK_LOCKLESS:
                return "printk_ringbuffer";
        case PRINTK_STRUCTURED:
                return "printk_log";
        default:
                return "log_buf";
        }
}

void vmc_report_vmcore_json(const struct vmc_report *r, json_object *o) {
        const struct vmc_vmcore *vm = r->vmcore;
        json_object *d, *l, *s, *u, *w, *p, *cpus;

        if (!vm) {
                vmc_jadd(o, "dump", NULL);
                vmc_jadd(o, "panic", NULL);
                vmc_jadd(o, "cpus", json_object_new_array());
                vmc_jadd(o, "partial", json_object_new_boolean(false));
                return;
        }
        d = json_object_new_object();
        if (d) {
                vmc_jadd(d, "format", vmc_jstr(vm->info.format));
                vmc_jadd(d, "files", json_object_new_int((int) vm->info.n_files));
                vmc_jadd(d, "arch", vmc_jstr(vm->info.arch));
                vmc_jadd(d, "page_size", json_object_new_int64((int64_t) vm->info.page_size));
                vmc_jadd(d, "osrelease", vmc_jstr(vm->osrelease));
                vmc_jadd(d, "build_id", vmc_jstr(vm->build_id));
                vmc_jadd(d, "crash_time", vm->crash_time >= 0 ? json_object_new_int64(vm->crash_time) : NULL);
                if (vm->crash_time >= 0) {
                        char iso[32];
                        format_utc(vm->crash_time, true, iso, sizeof(iso));
                        vmc_jadd(d, "crash_time_utc", json_object_new_string(iso));
                } else
                        vmc_jadd(d, "crash_time_utc", NULL);
                if (vm->has_kernel_offset) {
                        char off[24];
                        snprintf(off, sizeof(off), "0x%" PRIx64, vm->kernel_offset);
                        vmc_jadd(d, "kernel_offset", json_object_new_string(off));
                } else
                        vmc_jadd(d, "kernel_offset", NULL);
                u = json_object_new_object();
                if (u) {
                        vmc_jadd(u, "sysname", vmc_jstr(vm->uts_sysname));
                        vmc_jadd(u, "nodename", vmc_jstr(vm->uts_nodename));
                        vmc_jadd(u, "release", vmc_jstr(vm->osrelease));
                        vmc_jadd(u, "version", vmc_jstr(vm->uts_version));
                        vmc_jadd(u, "machine", vmc_jstr(vm->uts_machine));
                }
                vmc_jadd(d, "uname", u);
                l = json_object_new_object();
                if (l) {
                        vmc_jadd(l, "source", vmc_jstr(r->log_source));
                        vmc_jadd(l, "buffer", vm->printk ? json_object_new_string(buffer_name(vm->printk->buffer)) : NULL);
                        vmc_jadd(l, "records", json_object_new_int64(vm->printk ? (int64_t) vm->printk->n_records : 0));
                        vmc_jadd(l, "damaged_records",
                             json_object_new_int64(vm->printk ? (int64_t) vm->printk->n_corrupt : 0));
                        vmc_jadd(l, "truncated", json_object_new_boolean(vm->printk && vm->printk->truncated));
                        vmc_jadd(l, "error", vmc_jstr(vm->log_error));
                }
                vmc_jadd(d, "log", l);
                s = json_object_new_object();
                if (s) {
                        vmc_jadd(s, "source", vm->kallsyms ? json_object_new_string("kallsyms") : NULL);
                        vmc_jadd(s, "count", json_object_new_int64(vm->kallsyms ? (int64_t) kallsyms_count(vm->kallsyms) : 0));
                        vmc_jadd(s, "error", vmc_jstr(vm->symbols_error));
                        /* Modules are read only for an address in one. */
                        json_object *mods = NULL;
                        if (vm->modules) {
                                mods = json_object_new_array();
                                for (size_t i = 0; mods && i < kmodules_count(vm->modules); i++)
                                        json_object_array_add(mods, vmc_jstr(kmodules_name(vm->modules, i)));
                        }
                        vmc_jadd(s, "modules", mods);
                }
                vmc_jadd(d, "symbols", s);
                /* The kernel's types, when an analyzer needed them. */
                json_object *b = NULL;
                if (vm->btf && (b = json_object_new_object())) {
                        vmc_jadd(b, "address", vmc_jhex(vm->btf_start));
                        vmc_jadd(b, "size", json_object_new_int64((int64_t) kbtf_size(vm->btf)));
                }
                vmc_jadd(d, "btf", b);
                w = json_object_new_array();
                for (size_t i = 0; w && i < vm->n_warnings; i++)
                        json_object_array_add(w, vmc_jstr(vm->warnings[i]));
                vmc_jadd(d, "warnings", w);
        }
        vmc_jadd(o, "dump", d);

        p = json_object_new_object();
        if (p) {
                const struct vmc_cpu_facts *c = r->panic.note >= 0 ? &vm->cpus[r->panic.note] : NULL;
                vmc_jadd(p, "cpu", r->panic.cpu >= 0 ? json_object_new_int(r->panic.cpu) : NULL);
                vmc_jadd(p, "cpu_from", vmc_jstr(r->panic.cpu_from));
                vmc_jadd(p, "pid", r->panic.pid >= 0 ? json_object_new_int(r->panic.pid) : NULL);
                vmc_jadd(p, "comm", vmc_jstr(r->panic.comm));
                vmc_jadd(p, "note", c ? json_object_new_int((int) r->panic.note) : NULL);
                vmc_jadd(p, "note_from", vmc_jstr(r->panic.note_from));
                vmc_jadd(p, "ip", c ? vmc_jhex(c->regs.ip) : NULL);
                vmc_jadd(p, "ip_symbol", c ? vmc_jstr(c->ip_symbol) : NULL);
                vmc_jadd(p, "registers", c ? regs_json(c, false) : NULL);
                vmc_jadd(p, "register_symbols", c ? regs_json(c, true) : NULL);
        }
        vmc_jadd(o, "panic", p);

        cpus = json_object_new_array();
        for (size_t i = 0; cpus && i < vm->n_cpus; i++) {
                const struct vmc_cpu_facts *c = &vm->cpus[i];
                json_object *j = json_object_new_object();
                if (!j)
                        break;
                vmc_jadd(j, "note", json_object_new_int((int) i));
                vmc_jadd(j, "pid", json_object_new_int64(c->regs.pid));
                vmc_jadd(j, "ip", vmc_jhex(c->regs.ip));
                vmc_jadd(j, "ip_symbol", vmc_jstr(c->ip_symbol));
                vmc_jadd(j, "sp", vmc_jhex(c->regs.sp));
                json_object_array_add(cpus, j);
        }
        vmc_jadd(o, "cpus", cpus);
        vmc_jadd(o, "partial", json_object_new_boolean(vmc_report_partial(r)));
}

/* ---- text ---- */

void vmc_report_vmcore_print(const struct vmc_report *r, FILE *f) {
        const struct vmc_vmcore *vm = r->vmcore;

        if (!vm)
                return;
        fprintf(f, "  dump         %s %s, %s", vm->info.format, vm->info.arch ? vm->info.arch : "?",
                vm->osrelease ? vm->osrelease : "unknown release");
        if (vm->crash_time >= 0) {
                char iso[32];
                format_utc(vm->crash_time, false, iso, sizeof(iso));
                fprintf(f, ", crashed %s", iso);
        }
        fputc('\n', f);
        if (vm->printk)
                fprintf(f, "  log          %zu records from the %s%s\n", vm->printk->n_records,
                        buffer_name(vm->printk->buffer), printk_log_partial(vm->printk) ? " (damaged)" : "");
        else
                fprintf(f, "  log          %s (%s)\n", r->log_source ? "from the saved log file" : "none",
                        vm->log_error ? vm->log_error : "unreadable");
        if (r->panic.note >= 0) {
                const struct vmc_cpu_facts *c = &vm->cpus[r->panic.note];
                fprintf(f, "  panic CPU    ");
                if (r->panic.cpu >= 0)
                        fprintf(f, "%d", r->panic.cpu);
                else
                        fputs("?", f);
                _cleanup_free_ char *comm = r->panic.comm ? utf8_sanitize(r->panic.comm, strlen(r->panic.comm)) : NULL;
                fprintf(f, ", PID %d%s%s, IP %s (0x%" PRIx64 ")\n", r->panic.pid, comm ? " " : "", comm ? comm : "",
                        c->ip_symbol ? c->ip_symbol : "?", c->regs.ip);
        }
        for (size_t i = 0; i < vm->n_warnings; i++)
                fprintf(f, "  warning      %s\n", vm->warnings[i]);
}
