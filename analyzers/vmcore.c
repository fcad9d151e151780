/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "util.h"
#include "vmcore.h"

int vmc_vmcore_warn(struct vmc_vmcore *vm, const char *fmt, ...) {
        char *s, **v;
        va_list ap;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        v = realloc(vm->warnings, (vm->n_warnings + 1) * sizeof(char *));
        if (!v) {
                free(s);
                return -ENOMEM;
        }
        vm->warnings = v;
        vm->warnings[vm->n_warnings++] = s;
        return 0;
}

static char *dup_field(const char *s, size_t max) {
        return s ? strndup(s, max) : NULL;
}

/* struct new_utsname: six 65-byte strings, in init_uts_ns. */
static void read_uname(struct vmc_vmcore *vm) {
        const struct vmcoreinfo *vi = vmc_dump_vmcoreinfo(vm->dump);
        uint64_t sym, off = 0;
        char uts[6 * 65];

        if (!vmcoreinfo_symbol(vi, "init_uts_ns", &sym))
                return;
        /* The name sits after a kref (4 bytes) in struct uts_namespace;
         * VMCOREINFO says where when it can. */
        if (!vmcoreinfo_offset(vi, "uts_namespace.name", &off))
                off = 4;
        if (kmem_read(vmc_dump_kmem(vm->dump), sym + off, uts, sizeof(uts)) < 0) {
                (void) vmc_vmcore_warn(vm, "cannot read init_uts_ns");
                return;
        }
        for (unsigned i = 0; i < 6; i++)
                uts[i * 65 + 64] = '\0';
        /* Sanity: a real utsname starts with the kernel name. */
        if (strcmp(uts, "Linux") != 0) {
                (void) vmc_vmcore_warn(vm, "init_uts_ns does not hold a utsname");
                return;
        }
        vm->uts_sysname = strdup(uts);
        vm->uts_nodename = strdup(uts + 65);
        vm->uts_version = strdup(uts + 3 * 65);
        vm->uts_machine = strdup(uts + 4 * 65);
}

/* Module symbols need struct module from the kernel's BTF, and finding the
 * BTF and the module list by name reads kallsyms' whole name table (1.5 MiB
 * on a distribution kernel): only for an address where modules live. */
/* The BTF is one section with no symbol inside: __start_BTF and __stop_BTF
 * are neighbours in the address table, megabytes apart, at the end of the
 * read-only data: after the kallsyms tables, just before .data, where
 * VMCOREINFO names symbols (the page tables, printk's buffer, utsname).
 * The gap whose start holds a BTF header is it: finding it reads a page or
 * two of the address table instead of a search through the names. */
static bool btf_at(struct vmc_vmcore *vm, uint64_t lo) {
        uint8_t h[4];
        return kmem_read(vmc_dump_kmem(vm->dump), lo, h, sizeof(h)) >= 0 && kmem_le16(h) == 0xeb9f && h[2] == 1;
}

/* The lowest data symbol VMCOREINFO names above addr: where .data begins,
 * at most. */
static uint64_t data_above(const struct vmcoreinfo *vi, uint64_t addr) {
        static const char *const data_syms[] = { "init_top_pgt", "swapper_pg_dir", "prb", "init_uts_ns",
                                                 "vmap_area_list", "node_online_map", "mem_section" };
        uint64_t data = UINT64_MAX, v;

        for (size_t i = 0; i < ELEMENTSOF(data_syms); i++)
                if (vmcoreinfo_symbol(vi, data_syms[i], &v) && v > addr && v < data)
                        data = v;
        return data;
}

static int find_btf(struct vmc_vmcore *vm, uint64_t above, uint64_t *start, uint64_t *stop) {
        uint64_t lo = 0, hi = 0, data = data_above(vmc_dump_vmcoreinfo(vm->dump), above);

        /* Alignment before .data can leave a gap of its own: the BTF is
         * among the last few. */
        for (unsigned tries = 0; data != UINT64_MAX && tries < 8; tries++) {
                if (kallsyms_gap_below(vm->kallsyms, above, data, UINT64_C(1) << 20, &lo, &hi) < 0)
                        break;
                if (btf_at(vm, lo)) {
                        *start = lo;
                        *stop = hi;
                        return 0;
                }
                data = lo;
        }
        /* Otherwise upwards from the kallsyms tables. */
        lo = hi = 0;
        for (unsigned tries = 0; tries < 8; tries++) {
                if (kallsyms_next_gap(vm->kallsyms, above, UINT64_C(1) << 20, &lo, &hi) < 0)
                        return -ENOENT;
                if (btf_at(vm, lo)) {
                        *start = lo;
                        *stop = hi;
                        return 0;
                }
        }
        return -ENOENT;
}

/* Kernels built without CONFIG_KALLSYMS_ALL (Debian's arm64) list no data
 * symbols: neither __start_BTF nor the gaps around it. The BTF header is
 * looked for instead, in the read-only data between the kallsyms tables and
 * .data: magic 0xeb9f, version 1, flags 0, a 24-byte header, the types
 * first and the strings right after them. */
#define BTF_SCAN_MAX (UINT64_C(96) << 20)
#define BTF_SCAN_CHUNK (UINT64_C(64) << 10)

static bool btf_header_at(const uint8_t *h, uint64_t *size) {
        static const uint8_t magic[8] = { 0x9f, 0xeb, 0x01, 0x00, 0x18, 0x00, 0x00, 0x00 };
        uint32_t type_off, type_len, str_off, str_len;

        if (memcmp(h, magic, sizeof(magic)) != 0)
                return false;
        type_off = kmem_le32(h + 8);
        type_len = kmem_le32(h + 12);
        str_off = kmem_le32(h + 16);
        str_len = kmem_le32(h + 20);
        if (type_off != 0 || type_len == 0 || str_off != type_len || str_len == 0 || str_len > (64U << 20))
                return false;
        *size = 24 + (uint64_t) str_off + str_len;
        return true;
}

static int scan_btf(struct vmc_vmcore *vm, uint64_t from, uint64_t to, uint64_t *start, uint64_t *stop) {
        const struct kmem *mem = vmc_dump_kmem(vm->dump);
        _cleanup_free_ uint8_t *buf = malloc(BTF_SCAN_CHUNK + 24);
        uint64_t size;

        if (!buf)
                return -ENOMEM;
        from &= ~UINT64_C(3);
        to = MIN(to, from + BTF_SCAN_MAX);
        for (uint64_t at = from; at < to; at += BTF_SCAN_CHUNK) {
                /* 24 bytes more than the step: a header across two chunks. */
                if (kmem_read(mem, at, buf, BTF_SCAN_CHUNK + 24) < 0)
                        continue; /* a page not in the dump */
                for (size_t i = 0; i < BTF_SCAN_CHUNK; i += 4)
                        if (buf[i] == 0x9f && btf_header_at(buf + i, &size)) {
                                *start = at + i;
                                *stop = at + i + size;
                                return 0;
                        }
        }
        return -ENOENT;
}

struct kbtf *vmc_vmcore_btf(struct vmc_vmcore *vm) {
        static const char *const names[] = { "__start_BTF", "__stop_BTF" };
        uint64_t addr[ELEMENTSOF(names)], above;
        char msg[512] = "";
        int r;

        if (vm->btf_tried)
                return vm->btf;
        vm->btf_tried = true;
        if (!vm->kallsyms) {
                (void) vmc_vmcore_warn(vm, "kernel types: no BTF without kallsyms");
                return NULL;
        }
        /* The BTF comes after the kallsyms tables, which sit in .rodata. */
        if (!vmcoreinfo_symbol(vmc_dump_vmcoreinfo(vm->dump), "kallsyms_token_index", &above))
                above = 0;
        if (above == 0 || find_btf(vm, above, &addr[0], &addr[1]) < 0) {
                r = kallsyms_addresses_above(vm->kallsyms, above, names, ELEMENTSOF(names), addr);
                if (r >= 0 && r < (int) ELEMENTSOF(names) && above > 0 &&
                    scan_btf(vm, above, data_above(vmc_dump_vmcoreinfo(vm->dump), above), &addr[0], &addr[1]) >= 0)
                        r = ELEMENTSOF(names);
                if (r >= 0 && r < (int) ELEMENTSOF(names))
                        r = set_error(-ENODATA, msg, sizeof(msg),
                                      "the kernel has no BTF (no __start_BTF/__stop_BTF in kallsyms)");
                if (r < 0) {
                        (void) vmc_vmcore_warn(vm, "kernel types: %s", *msg ? msg : strerror(-r));
                        return NULL;
                }
        }
        vm->btf_start = addr[0];
        vm->btf_stop = addr[1];
        r = kbtf_open(vmc_dump_kmem(vm->dump), addr[0], addr[1], &vm->btf, msg, sizeof(msg));
        if (r < 0)
                (void) vmc_vmcore_warn(vm, "kernel types: %s", *msg ? msg : strerror(-r));
        return vm->btf;
}

#define MODULE_SCANS_MAX 4

static void load_modules(struct vmc_vmcore *vm, uint64_t addr) {
        static const char *const names[] = { "modules" };
        struct kbtf *btf;
        uint64_t head, above = 0;
        char msg[512] = "";
        int r;

        vm->modules_tried = true;
        btf = vmc_vmcore_btf(vm);
        if (!btf) {
                (void) vmc_vmcore_warn(vm, "module symbols: no kernel types (BTF)");
                return;
        }
        /* `modules` lies in .data, after the kallsyms tables and the BTF:
         * only the name table from there on is read. */
        (void) vmcoreinfo_symbol(vmc_dump_vmcoreinfo(vm->dump), "kallsyms_token_index", &above);
        above = MAX(above, vm->btf_stop);
        r = kallsyms_addresses_above(vm->kallsyms, above, names, 1, &head);
        if (r == 0) {
                /* Text symbols only: found from the module itself. */
                char why[400] = "";
                r = kmodules_find_head(vmc_dump_kmem(vm->dump), btf, addr, &head, why, sizeof(why));
                /* Not a module's address after all: another may be. */
                if (r == -ENOENT && ++vm->modules_scans < MODULE_SCANS_MAX) {
                        vm->modules_tried = false;
                        return;
                }
                if (r < 0)
                        r = set_error(r, msg, sizeof(msg), "kallsyms has no `modules` list, and %s",
                                      *why ? why : strerror(-r));
        }
        if (r >= 0)
                r = kmodules_load(vmc_dump_kmem(vm->dump), head, btf, &vm->modules, msg, sizeof(msg));
        if (r < 0)
                (void) vmc_vmcore_warn(vm, "module symbols: %s", *msg ? msg : strerror(-r));
}

/* Where the kernel image ends, about: the highest symbol VMCOREINFO names
 * (in .data or .bss), and room for the rest of .bss. */
static uint64_t image_end(const struct vmcoreinfo *vi) {
        const char *raw = vmcoreinfo_raw(vi);
        uint64_t end = 0;

        for (const char *p = raw ? strstr(raw, "SYMBOL(") : NULL; p; p = strstr(p + 1, "SYMBOL(")) {
                const char *eq = strchr(p, '=');
                uint64_t v;
                if (eq && sscanf(eq + 1, "%" SCNx64, &v) == 1 && v > end)
                        end = v;
        }
        return end ? end + (UINT64_C(2) << 20) : 0;
}

/* "func+0x1a/0x40", "func+0x5/0x10 [module]", or NULL. */
static char *symbolize(struct vmc_vmcore *vm, uint64_t addr) {
        const struct vmcoreinfo *vi = vmc_dump_vmcoreinfo(vm->dump);
        uint64_t stext = 0;
        char *s = kallsyms_format(vm->kallsyms, addr);

        if (s)
                return s;
        (void) vmcoreinfo_symbol(vi, "_stext", &stext);
        if (!kmodules_area(vm->info.arch, addr, stext))
                return NULL;
        /* arm64 keeps modules around the kernel image: the image itself
         * (its data, above all) is no module. */
        if (streq_ptr(vm->info.arch, "aarch64") && stext && addr >= stext - (UINT64_C(2) << 20) &&
            addr < image_end(vi))
                return NULL;
        if (!vm->modules_tried)
                load_modules(vm, addr);
        return vm->modules ? kmodules_format(vm->modules, addr) : NULL;
}

static int read_int(const struct kmem *m, uint64_t addr, int32_t *ret) {
        uint32_t v;
        int r = kmem_read_u32(m, addr, &v);
        if (r >= 0)
                *ret = (int32_t) v;
        return r;
}

int vmc_vmcore_read(unsigned n_paths, const char *const *paths, struct vmc_vmcore **ret, char *err, size_t errlen) {
        const struct vmcoreinfo *vi;
        struct vmc_vmcore *vm;
        char msg[512] = "";
        const char *s;
        int r;

        vm = calloc(1, sizeof(*vm));
        if (!vm)
                return -ENOMEM;
        vm->crash_time = -1;
        vm->panic_cpu = -1;
        r = vmc_dump_open(n_paths, paths, &vm->dump, err, errlen);
        if (r < 0) {
                free(vm);
                return r;
        }
        vm->info = *vmc_dump_info(vm->dump);
        vi = vmc_dump_vmcoreinfo(vm->dump);

        vm->osrelease = dup_field(vmcoreinfo_get(vi, "OSRELEASE"), 64);
        vm->build_id = dup_field(vmcoreinfo_get(vi, "BUILD-ID"), 128);
        if ((s = vmcoreinfo_get(vi, "CRASHTIME"))) {
                char *end;
                long long t = strtoll(s, &end, 10);
                if (end != s && t > 0)
                        vm->crash_time = t;
        }
        if (vmcoreinfo_get(vi, "KERNELOFFSET")) {
                vm->has_kernel_offset = true;
                vm->kernel_offset = vmcoreinfo_kernel_offset(vi);
        }
        if (vm->info.incomplete)
                (void) vmc_vmcore_warn(vm, "the dump file is incomplete (cut short, or makedumpfile did not finish)");
        read_uname(vm);

        r = printk_read(vi, vmc_dump_kmem(vm->dump), &vm->printk, msg, sizeof(msg));
        if (r == -ENOMEM)
                goto fail;
        if (r < 0) {
                vm->log_error = strdup(*msg ? msg : strerror(-r));
                (void) vmc_vmcore_warn(vm, "kernel log: %s", vm->log_error);
        } else if (printk_log_partial(vm->printk))
                (void) vmc_vmcore_warn(vm, "kernel log: %zu damaged records skipped%s", vm->printk->n_corrupt,
                            vm->printk->truncated ? ", walk stopped early" : "");

        *msg = '\0';
        r = kallsyms_load(vi, vmc_dump_kmem(vm->dump), &vm->kallsyms, msg, sizeof(msg));
        if (r == -ENOMEM)
                goto fail;
        if (r < 0)
                vm->symbols_error = strdup(*msg ? msg : strerror(-r));

        vm->n_cpus = vmc_dump_n_cpus(vm->dump);
        vm->cpus = calloc(MAX(vm->n_cpus, (size_t) 1), sizeof(*vm->cpus));
        if (!vm->cpus) {
                r = -ENOMEM;
                goto fail;
        }
        for (size_t i = 0; i < vm->n_cpus; i++) {
                struct vmc_cpu_facts *c = &vm->cpus[i];
                c->regs = *vmc_dump_cpu(vm->dump, i);
                if (!vm->kallsyms)
                        continue;
                c->ip_symbol = symbolize(vm, c->regs.ip);
                for (unsigned k = 0; k < c->regs.n_regs; k++)
                        c->reg_symbols[k] = symbolize(vm, c->regs.regs[k]);
        }
        if (vm->n_cpus == 0)
                (void) vmc_vmcore_warn(vm, "the dump has no CPU registers (no NT_PRSTATUS notes)");

        *ret = vm;
        return 0;
fail:
        vmc_vmcore_free(vm);
        return r;
}

int vmc_vmcore_panic_cpu(struct vmc_vmcore *vm) {
        uint64_t addr;
        int32_t cpu;

        if (vm->panic_cpu_read)
                return vm->panic_cpu;
        vm->panic_cpu_read = true;
        /* panic_cpu is a data symbol: only kernels with KALLSYMS_ALL have
         * it in kallsyms. Finding it by name reads the whole name table. */
        if (vm->kallsyms && kallsyms_address(vm->kallsyms, "panic_cpu", &addr) &&
            read_int(vmc_dump_kmem(vm->dump), addr, &cpu) >= 0 && cpu >= 0 && cpu < VMC_DUMP_MAX_CPUS)
                vm->panic_cpu = cpu;
        return vm->panic_cpu;
}

void vmc_vmcore_free(struct vmc_vmcore *vm) {
        if (!vm)
                return;
        for (size_t i = 0; i < vm->n_cpus; i++) {
                free(vm->cpus[i].ip_symbol);
                for (unsigned k = 0; k < VMC_MAX_REGS; k++)
                        free(vm->cpus[i].reg_symbols[k]);
        }
        free(vm->cpus);
        for (size_t i = 0; i < vm->n_warnings; i++)
                free(vm->warnings[i]);
        free(vm->warnings);
        printk_log_free(vm->printk);
        kmodules_free(vm->modules);
        kbtf_free(vm->btf);
        kallsyms_free(vm->kallsyms);
        free(vm->log_error);
        free(vm->symbols_error);
        free(vm->osrelease);
        free(vm->build_id);
        free(vm->uts_sysname);
        free(vm->uts_nodename);
        free(vm->uts_version);
        free(vm->uts_machine);
        vmc_dump_free(vm->dump);
        free(vm);
}

int vmc_vmcore_kernel_log(const struct vmc_vmcore *vm, struct strbuf *out) {
        if (!vm->printk)
                return 0;
        return printk_format(vm->printk, PRINTK_FORMAT_KERNEL | PRINTK_FORMAT_CALLER_ID, out);
}

bool vmc_vmcore_partial(const struct vmc_vmcore *vm) {
        return !vm->printk || printk_log_partial(vm->printk) || vm->n_cpus == 0 || vm->info.incomplete;
}
