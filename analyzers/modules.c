/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modules.h"
#include "util.h"

/* MODULE_NAME_LEN: 64 - sizeof(unsigned long). */
#define MODULE_NAME_LEN 56
#define MODULES_MAX 8192U
#define MODULE_SYMS_MAX (1U << 20)
#define ELF64_SYM_SIZE 24
/* The core regions of a module: one layout up to 6.3; text, data, rodata
 * and ro_after_init (mem[MOD_TEXT..MOD_RO_AFTER_INIT]) from 6.4. */
#define MODULE_REGIONS 4

struct module_region {
        uint64_t base, size;
};

struct kmodule {
        char name[MODULE_NAME_LEN + 1];
        struct module_region regions[MODULE_REGIONS];
        unsigned n_regions;
        uint64_t kallsyms;              /* struct mod_kallsyms * */
        bool syms_tried;
        uint8_t *syms;                  /* Elf64_Sym[n_syms] */
        uint32_t n_syms;
        uint64_t strtab;
};

struct kmodules {
        const struct kmem *mem;
        struct kmodule *v;
        size_t n, cap;
        /* struct mod_kallsyms */
        uint64_t off_symtab, off_num_symtab, off_strtab;
};

struct layout {
        uint64_t list, name, kallsyms;
        bool mem_array;                 /* 6.4+: mem[] */
        uint64_t mem, mem_stride, mem_base, mem_size;
        uint64_t core_base, core_size;  /* up to 6.3: core_layout */
};

static int read_layout(struct kbtf *b, struct layout *l, struct kmodules *m, char *err, size_t errlen) {
        if (kbtf_member_offset(b, "module", "list", &l->list) < 0 ||
            kbtf_member_offset(b, "module", "name", &l->name) < 0 ||
            kbtf_member_offset(b, "module", "kallsyms", &l->kallsyms) < 0 ||
            kbtf_member_offset(b, "mod_kallsyms", "symtab", &m->off_symtab) < 0 ||
            kbtf_member_offset(b, "mod_kallsyms", "num_symtab", &m->off_num_symtab) < 0 ||
            kbtf_member_offset(b, "mod_kallsyms", "strtab", &m->off_strtab) < 0)
                return set_error(-ENODATA, err, errlen, "the kernel's BTF does not describe struct module");
        if (kbtf_member_offset(b, "module", "mem", &l->mem) >= 0 &&
            kbtf_struct_size(b, "module_memory", &l->mem_stride) >= 0 &&
            kbtf_member_offset(b, "module_memory", "base", &l->mem_base) >= 0 &&
            kbtf_member_offset(b, "module_memory", "size", &l->mem_size) >= 0) {
                l->mem_array = true;
                return 0;
        }
        if (kbtf_member_offset(b, "module", "core_layout.base", &l->core_base) >= 0 &&
            kbtf_member_offset(b, "module", "core_layout.size", &l->core_size) >= 0)
                return 0;
        return set_error(-ENODATA, err, errlen, "the kernel's struct module has neither mem[] nor core_layout");
}

static bool kernel_pointer(uint64_t p) {
        return p >> 63;
}

static int read_module(const struct kmem *mem, const struct layout *l, uint64_t mod, struct kmodule *km) {
        uint32_t size;
        int r;

        r = kmem_read(mem, mod + l->name, km->name, MODULE_NAME_LEN);
        if (r < 0)
                return r;
        km->name[MODULE_NAME_LEN] = '\0';
        if (!km->name[0])
                return -EBADMSG;
        for (const char *c = km->name; *c; c++)
                if (*c <= ' ' || *c > '~')
                        return -EBADMSG;
        for (unsigned i = 0; i < (l->mem_array ? MODULE_REGIONS : 1U); i++) {
                struct module_region *rg = &km->regions[km->n_regions];
                uint64_t at = l->mem_array ? mod + l->mem + i * l->mem_stride : 0;

                r = kmem_read_u64(mem, l->mem_array ? at + l->mem_base : mod + l->core_base, &rg->base);
                if (r >= 0)
                        r = kmem_read_u32(mem, l->mem_array ? at + l->mem_size : mod + l->core_size, &size);
                if (r < 0)
                        return r;
                rg->size = size;
                if (kernel_pointer(rg->base) && rg->size > 0 && rg->base + rg->size > rg->base)
                        km->n_regions++;
        }
        r = kmem_read_u64(mem, mod + l->kallsyms, &km->kallsyms);
        if (r < 0)
                return r;
        return 0;
}

int kmodules_load(const struct kmem *mem, uint64_t head, struct kbtf *btf, struct kmodules **ret, char *err,
                  size_t errlen) {
        struct kmodules *m;
        struct layout l = {};
        uint64_t next;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->mem = mem;
        r = read_layout(btf, &l, m, err, errlen);
        if (r < 0)
                goto fail;
        r = kmem_read_u64(mem, head, &next);
        if (r < 0) {
                r = set_error(-ENODATA, err, errlen, "cannot read the `modules` list: %s", strerror(-r));
                goto fail;
        }
        /* A corrupt list may loop or point anywhere: bounded, and every
         * entry must be a kernel address that reads as a module. */
        while (next != head) {
                struct kmodule km = {};
                struct kmodule *v;

                if (m->n >= MODULES_MAX || !kernel_pointer(next) || next < l.list) {
                        r = set_error(-EBADMSG, err, errlen, "the `modules` list is corrupt after %zu modules", m->n);
                        goto fail;
                }
                r = read_module(mem, &l, next - l.list, &km);
                if (r < 0) {
                        r = set_error(-EBADMSG, err, errlen, "module %zu of the `modules` list cannot be read", m->n);
                        goto fail;
                }
                if (m->n == m->cap) {
                        size_t cap = MAX(m->cap * 2, (size_t) 32);
                        v = realloc(m->v, cap * sizeof(*v));
                        if (!v) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        m->v = v;
                        m->cap = cap;
                }
                m->v[m->n++] = km;
                r = kmem_read_u64(mem, next, &next);
                if (r < 0) {
                        r = set_error(-EBADMSG, err, errlen, "the `modules` list breaks after %zu modules", m->n);
                        goto fail;
                }
        }
        *ret = m;
        return 0;
fail:
        kmodules_free(m);
        return r;
}

/* struct module sits in its module's own memory (the data of its core
 * layout, or of mem[MOD_DATA]): a struct that reads as a module and lies
 * inside one of the regions it names is one. The list head, in the
 * kernel's .data, is not. */
static bool module_at(const struct kmem *mem, const struct layout *l, uint64_t mod) {
        struct kmodule km = {};
        uint64_t next, prev;
        size_t len;

        if (read_module(mem, l, mod, &km) < 0)
                return false;
        /* A module's name as the kernel takes it (KBUILD_MODNAME), ended
         * within the field; the list links, kernel pointers. */
        len = strnlen(km.name, MODULE_NAME_LEN);
        if (len == MODULE_NAME_LEN || strspn(km.name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != len)
                return false;
        if (kmem_read_u64(mem, mod + l->list, &next) < 0 || kmem_read_u64(mem, mod + l->list + 8, &prev) < 0 ||
            !kernel_pointer(next) || !kernel_pointer(prev) || next % 8 || prev % 8)
                return false;
        for (unsigned i = 0; i < km.n_regions; i++)
                if (mod >= km.regions[i].base && mod - km.regions[i].base < km.regions[i].size)
                        return true;
        return false;
}

#define MODULE_SCAN_MAX (UINT64_C(16) << 20)
#define MODULE_SCAN_PAGE 4096

int kmodules_find_head(const struct kmem *mem, struct kbtf *btf, uint64_t addr, uint64_t *head, char *err,
                       size_t errlen) {
        struct kmodules tmp = {};
        struct layout l = {};
        uint8_t page[MODULE_SCAN_PAGE];
        uint64_t base_off, mod = 0, node, next;
        int r = read_layout(btf, &l, &tmp, err, errlen);

        if (r < 0)
                return r;
        /* The field holding where the module's code starts: a struct
         * module whose code holds addr has a value <= addr there. */
        base_off = l.mem_array ? l.mem + l.mem_base : l.core_base;
        for (uint64_t first = addr & ~(uint64_t) (MODULE_SCAN_PAGE - 1), at = first;
             !mod && at - first < MODULE_SCAN_MAX; at += MODULE_SCAN_PAGE) {
                /* The end of the module's memory: a page not mapped. */
                if (kmem_read(mem, at, page, sizeof(page)) < 0)
                        break;
                for (size_t i = 0; i + 8 <= sizeof(page); i += 8) {
                        uint64_t v = kmem_le64(page + i);
                        if (v > addr || addr - v >= MODULE_SCAN_MAX || v % MODULE_SCAN_PAGE || at + i < base_off)
                                continue;
                        if (module_at(mem, &l, at + i - base_off)) {
                                mod = at + i - base_off;
                                break;
                        }
                }
        }
        if (!mod)
                return set_error(-ENOENT, err, errlen,
                                 "no struct module found after the module address 0x%" PRIx64, addr);
        /* Round the list to the node that is no module: `modules`. */
        node = mod + l.list;
        for (unsigned n = 0; n <= MODULES_MAX; n++) {
                r = kmem_read_u64(mem, node, &next);
                if (r < 0 || !kernel_pointer(next) || next < l.list)
                        return set_error(-EBADMSG, err, errlen, "the modules list breaks after %u modules", n);
                if (!module_at(mem, &l, next - l.list)) {
                        *head = next;
                        return 0;
                }
                node = next;
        }
        return set_error(-EBADMSG, err, errlen, "the modules list does not come round");
}

void kmodules_free(struct kmodules *m) {
        if (!m)
                return;
        for (size_t i = 0; i < m->n; i++)
                free(m->v[i].syms);
        free(m->v);
        free(m);
}

size_t kmodules_count(const struct kmodules *m) {
        return m->n;
}

const char *kmodules_name(const struct kmodules *m, size_t i) {
        return i < m->n ? m->v[i].name : NULL;
}

static struct kmodule *find_owner(struct kmodules *m, uint64_t addr, const struct module_region **region) {
        for (size_t i = 0; i < m->n; i++)
                for (unsigned k = 0; k < m->v[i].n_regions; k++) {
                        const struct module_region *rg = &m->v[i].regions[k];
                        if (addr >= rg->base && addr - rg->base < rg->size) {
                                *region = rg;
                                return &m->v[i];
                        }
                }
        return NULL;
}

const char *kmodules_owner(struct kmodules *m, uint64_t addr) {
        const struct module_region *rg;
        struct kmodule *km = find_owner(m, addr, &rg);
        return km ? km->name : NULL;
}

/* The module's own symbol table (struct mod_kallsyms), read on first use. */
static bool load_syms(struct kmodules *m, struct kmodule *km) {
        uint64_t symtab;
        uint32_t n;

        if (km->syms_tried)
                return km->syms != NULL;
        km->syms_tried = true;
        if (!kernel_pointer(km->kallsyms) || kmem_read_u64(m->mem, km->kallsyms + m->off_symtab, &symtab) < 0 ||
            kmem_read_u32(m->mem, km->kallsyms + m->off_num_symtab, &n) < 0 ||
            kmem_read_u64(m->mem, km->kallsyms + m->off_strtab, &km->strtab) < 0)
                return false;
        if (n == 0 || n > MODULE_SYMS_MAX || !kernel_pointer(symtab) || !kernel_pointer(km->strtab))
                return false;
        km->syms = malloc((size_t) n * ELF64_SYM_SIZE);
        if (!km->syms)
                return false;
        if (kmem_read(m->mem, symtab, km->syms, (size_t) n * ELF64_SYM_SIZE) < 0) {
                free(km->syms);
                km->syms = NULL;
                return false;
        }
        km->n_syms = n;
        return true;
}

/* Symbol name at strtab + off; strings near the end of the module's memory
 * are read in shorter pieces. */
static bool sym_name(struct kmodules *m, const struct kmodule *km, uint32_t off, char *buf, size_t len) {
        for (size_t want = len - 1; want >= 8; want /= 2)
                if (kmem_read(m->mem, km->strtab + off, buf, want) >= 0) {
                        buf[want] = '\0';
                        return buf[0] != '\0';
                }
        return false;
}

/* ARM and RISC-V mapping symbols ($x, $d, $a...) mark code and data; the
 * kernel never names an address by them. */
static bool mapping_symbol(const char *name) {
        return name[0] == '$' || (name[0] == '.' && name[1] == 'L');
}

char *kmodules_format(struct kmodules *m, uint64_t addr) {
        const struct module_region *rg;
        struct kmodule *km = find_owner(m, addr, &rg);
        char name[128];
        int64_t skip[8];
        char *out;

        if (!km || !load_syms(m, km))
                return NULL;
        /* As the kernel does: the nearest symbol at or below addr in the
         * same region, sized up to the next symbol or the region's end. */
        for (unsigned attempt = 0; attempt < ELEMENTSOF(skip); attempt++) {
                uint64_t best = 0, next = rg->base + rg->size;
                int64_t best_i = -1;

                for (uint32_t i = 1; i < km->n_syms; i++) {
                        const uint8_t *s = km->syms + (size_t) i * ELF64_SYM_SIZE;
                        uint16_t shndx = kmem_le16(s + 6);
                        uint64_t v = kmem_le64(s + 8);

                        if (v == 0 || shndx == 0 /* SHN_UNDEF */ || v < rg->base || v >= rg->base + rg->size)
                                continue;
                        if (v <= addr && (best_i < 0 || v > best)) {
                                bool skipped = false;
                                for (unsigned k = 0; k < attempt; k++)
                                        skipped = skipped || skip[k] == (int64_t) i;
                                if (skipped)
                                        continue;
                                best = v;
                                best_i = i;
                        } else if (v > addr && v < next)
                                next = v;
                }
                if (best_i < 0)
                        return NULL;
                const uint8_t *s = km->syms + (size_t) best_i * ELF64_SYM_SIZE;
                if (!sym_name(m, km, kmem_le32(s), name, sizeof(name)))
                        return NULL;
                if (mapping_symbol(name)) {
                        skip[attempt] = best_i;
                        continue;
                }
                if (asprintf(&out, "%s+0x%" PRIx64 "/0x%" PRIx64 " [%s]", name, addr - best, next - best, km->name) <
                    0)
                        return NULL;
                return out;
        }
        return NULL;
}

bool kmodules_area(const char *arch, uint64_t addr, uint64_t stext) {
        if (streq_ptr(arch, "x86_64"))
                /* MODULES_VADDR (after the 1 GiB kernel image) to MODULES_END. */
                return addr >= UINT64_C(0xffffffffc0000000) && addr < UINT64_C(0xffffffffff000000);
        if (streq_ptr(arch, "aarch64"))
                /* Within the 2 GiB (4 GiB with KASLR) the kernel keeps
                 * modules around its image. */
                return stext != 0 && addr >= stext - (UINT64_C(2) << 30) && addr < stext + (UINT64_C(2) << 30);
        return false;
}
