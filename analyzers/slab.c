/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Slab objects: for a register (or the fault address) that points into a
 * slab page, which cache it belongs to, where its object starts and whether
 * that object is allocated or free: the first steps of `crash> kmem ADDR`.
 * SLUB only (every distribution kernel since 2008).
 *
 * The way there: the address's page frame, its struct page through the
 * sparse memory map that VMCOREINFO describes (mem_section), the head page
 * of a compound slab, PG_slab; then struct slab and struct kmem_cache from
 * the kernel's BTF; and the free lists: the slab's own and, for a slab a CPU
 * holds, that CPU's (SLUB's free pointers may be obfuscated with
 * CONFIG_SLAB_FREELIST_HARDENED: ptr ^ s->random ^ swab(&ptr)). */
#include <byteswap.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "explain.h"
#include "strbuf.h"
#include "util.h"
#include "vmcore.h"

#define MAX_VALUES 16
#define MAX_FREE_WALK 65536

struct memmap {
        uint64_t mem_section, ms_size, ms_map_off, section_bits, page_size, struct_page;
        uint64_t page_flags, compound_head;
        int64_t pg_slab;
        bool extreme;
};

static int memmap_init(const struct explain *x, struct memmap *m) {
        const struct vmcoreinfo *vi = vmc_dump_vmcoreinfo(x->vm->dump);
        int64_t bits, pg_slab;
        uint64_t roots;

        if (!vmcoreinfo_symbol(vi, "mem_section", &m->mem_section) || !vmcoreinfo_size(vi, "mem_section", &m->ms_size) ||
            !vmcoreinfo_offset(vi, "mem_section.section_mem_map", &m->ms_map_off) ||
            !vmcoreinfo_number(vi, "SECTION_SIZE_BITS", &bits) || !vmcoreinfo_size(vi, "page", &m->struct_page) ||
            !vmcoreinfo_offset(vi, "page.flags", &m->page_flags) ||
            !vmcoreinfo_offset(vi, "page.compound_head", &m->compound_head) ||
            !vmcoreinfo_number(vi, "PG_slab", &pg_slab))
                return -ENOENT;
        if (bits <= 12 || bits > 40 || m->ms_size == 0 || m->struct_page == 0 || pg_slab < 0 || pg_slab > 63)
                return -EINVAL;
        m->section_bits = (uint64_t) bits;
        m->pg_slab = pg_slab;
        m->page_size = x->vm->info.page_size ? x->vm->info.page_size : 4096;
        /* SPARSEMEM_EXTREME exports the number of roots. */
        m->extreme = vmcoreinfo_length(vi, "mem_section", &roots);
        return 0;
}

/* The struct page of a page frame. */
static int pfn_to_page(const struct explain *x, const struct memmap *m, uint64_t pfn, uint64_t *ret) {
        unsigned shift = 0;
        uint64_t nr, per_root, root_array, ms, map;
        int r;

        while ((UINT64_C(1) << shift) < m->page_size)
                shift++;
        nr = pfn >> (m->section_bits - shift);
        per_root = m->extreme ? m->page_size / m->ms_size : 1;
        if (m->extreme) {
                /* SYMBOL(mem_section) is then the roots array itself (the
                 * kernel exports the pointer's value, not its address). */
                root_array = m->mem_section;
                r = kmem_read_u64(x->mem, root_array + 8 * (nr / per_root), &ms);
                if (r < 0)
                        return r;
                if (ms == 0)
                        return -ENOENT;
        } else
                ms = m->mem_section;
        ms += (nr % per_root) * m->ms_size;
        r = kmem_read_u64(x->mem, ms + m->ms_map_off, &map);
        if (r < 0)
                return r;
        /* The low bits are section flags; struct page is 64-byte aligned. */
        map &= ~UINT64_C(0x3f);
        if (map == 0)
                return -ENOENT;
        *ret = map + pfn * m->struct_page;
        return 0;
}

struct cache {
        char name[64];
        uint64_t addr, size, object_size, offset, red_left_pad, random, cpu_slab;
        bool hardened;
};

static int read_cache(struct explain *x, uint64_t s, struct cache *c) {
        uint64_t name;
        int r;

        *c = (struct cache) { .addr = s };
        r = kbtf_read_uint(x->btf, x->mem, s, "kmem_cache", "name", &name);
        if (r >= 0)
                r = kbtf_read_uint(x->btf, x->mem, s, "kmem_cache", "size", &c->size);
        if (r >= 0)
                r = kbtf_read_uint(x->btf, x->mem, s, "kmem_cache", "object_size", &c->object_size);
        if (r >= 0)
                r = kbtf_read_uint(x->btf, x->mem, s, "kmem_cache", "offset", &c->offset);
        if (r < 0)
                return r;
        if (c->size == 0 || c->size > (UINT64_C(1) << 24) || c->offset >= c->size)
                return -EBADMSG;
        (void) kbtf_read_uint(x->btf, x->mem, s, "kmem_cache", "red_left_pad", &c->red_left_pad);
        c->hardened = kbtf_read_uint(x->btf, x->mem, s, "kmem_cache", "random", &c->random) >= 0;
        (void) kbtf_read_uint(x->btf, x->mem, s, "kmem_cache", "cpu_slab", &c->cpu_slab);
        if (kmem_read(x->mem, name, c->name, sizeof(c->name) - 1) < 0)
                snprintf(c->name, sizeof(c->name), "?");
        c->name[sizeof(c->name) - 1] = '\0';
        return 0;
}

static uint64_t free_pointer(const struct cache *c, uint64_t raw, uint64_t at) {
        return c->hardened ? raw ^ c->random ^ bswap_64(at) : raw;
}

enum walk { WALK_NOT_FOUND, WALK_FOUND, WALK_BROKEN };

/* Whether object obj is on the free list starting at head. */
static enum walk on_free_list(struct explain *x, const struct cache *c, uint64_t head, uint64_t base,
                              uint64_t end, uint64_t obj, uint64_t *broken_at) {
        uint64_t p = head;

        for (unsigned n = 0; p && n < MAX_FREE_WALK; n++) {
                uint64_t raw;
                if (p == obj)
                        return WALK_FOUND;
                if (p < base || p >= end || kmem_read_u64(x->mem, p + c->offset, &raw) < 0) {
                        *broken_at = p;
                        return WALK_BROKEN;
                }
                p = free_pointer(c, raw, p + c->offset);
        }
        return WALK_NOT_FOUND;
}

struct found {
        uint64_t value, slab, object, offset, index;
        const char *state;      /* "free", "allocated", "unknown" */
        char detail[160];
        struct cache cache;
};

static int locate(struct explain *x, const struct memmap *m, uint64_t v, struct found *f) {
        uint64_t phys, pfn, page, head, compound, flags, head_pfn, base, freelist = 0, counters = 0, objects, end,
                                                                          cache, broken = 0;
        const char *slab_type = "slab";
        enum walk w;
        int r;

        r = vmc_dump_vtop(x->vm->dump, v, &phys);
        if (r < 0)
                return r;
        pfn = phys / m->page_size;
        r = pfn_to_page(x, m, pfn, &page);
        if (r < 0)
                return r;
        r = kmem_read_u64(x->mem, page + m->compound_head, &compound);
        if (r < 0)
                return r;
        head = compound & 1 ? compound - 1 : page;
        if (head > page || (page - head) % m->struct_page != 0 || (page - head) / m->struct_page > 4096)
                return -EBADMSG;
        r = kmem_read_u64(x->mem, head + m->page_flags, &flags);
        if (r < 0)
                return r;
        if (!(flags & (UINT64_C(1) << m->pg_slab)))
                return -ENOENT;
        head_pfn = pfn - (page - head) / m->struct_page;
        /* The slab's address in the direct map, from v's own place in it. */
        base = v - (phys - head_pfn * m->page_size);

        /* struct slab overlays struct page since 5.17; before, the same
         * members are in struct page. */
        if (kbtf_member_offset(x->btf, "slab", "slab_cache", &end) < 0)
                slab_type = "page";
        r = kbtf_read_uint(x->btf, x->mem, head, slab_type, "slab_cache", &cache);
        if (r >= 0)
                r = kbtf_read_uint(x->btf, x->mem, head, slab_type, "freelist", &freelist);
        if (r >= 0)
                r = kbtf_read_uint(x->btf, x->mem, head, slab_type, "counters", &counters);
        if (r < 0)
                return r;
        r = read_cache(x, cache, &f->cache);
        if (r < 0)
                return r;
        /* counters: inuse:16, objects:15, frozen:1 (since 3.1). */
        objects = (counters >> 16) & 0x7fff;
        if (objects == 0)
                return -EBADMSG;
        end = base + f->cache.red_left_pad + objects * f->cache.size;
        f->value = v;
        f->slab = base;
        if (v < base + f->cache.red_left_pad || v >= end) {
                f->index = UINT64_MAX;
                f->state = "unknown";
                snprintf(f->detail, sizeof(f->detail), "outside the slab's objects (in its padding)");
                return 0;
        }
        f->index = (v - base - f->cache.red_left_pad) / f->cache.size;
        f->object = base + f->cache.red_left_pad + f->index * f->cache.size;
        f->offset = v - f->object;

        w = on_free_list(x, &f->cache, freelist, base, end, f->object, &broken);
        if (w == WALK_FOUND) {
                f->state = "free";
                snprintf(f->detail, sizeof(f->detail), "on the slab's free list");
                return 0;
        }
        /* A slab a CPU holds keeps its free objects on that CPU's list. */
        for (unsigned cpu = 0; w != WALK_BROKEN && f->cache.cpu_slab && cpu < explain_n_cpus(x); cpu++) {
                uint64_t off, c, cslab, cfree;
                if (explain_percpu_offset(x, cpu, &off) < 0) {
                        f->state = "unknown";
                        snprintf(f->detail, sizeof(f->detail),
                                 "not on the slab's free list; the CPUs' lists cannot be read (no __per_cpu_offset)");
                        return 0;
                }
                c = f->cache.cpu_slab + off;
                if (kbtf_read_uint(x->btf, x->mem, c, "kmem_cache_cpu", "slab", &cslab) < 0 &&
                    kbtf_read_uint(x->btf, x->mem, c, "kmem_cache_cpu", "page", &cslab) < 0)
                        break;
                if (cslab != head || kbtf_read_uint(x->btf, x->mem, c, "kmem_cache_cpu", "freelist", &cfree) < 0)
                        continue;
                w = on_free_list(x, &f->cache, cfree, base, end, f->object, &broken);
                if (w == WALK_FOUND) {
                        f->state = "free";
                        snprintf(f->detail, sizeof(f->detail), "on CPU %u's free list", cpu);
                        return 0;
                }
        }
        if (w == WALK_BROKEN) {
                f->state = "unknown";
                snprintf(f->detail, sizeof(f->detail), "the free list is corrupt: it leads to 0x%016" PRIx64, broken);
                return 0;
        }
        f->state = "allocated";
        snprintf(f->detail, sizeof(f->detail), "on no free list");
        return 0;
}

static char *object_registers(const struct explain *x, const struct found *f);

static int report(struct explain *x, const struct found *f) {
        _cleanup_free_ char *regs = object_registers(x, f);
        bool fault = x->has_fault && x->fault == f->value;
        bool is_free = strcmp(f->state, "free") == 0;
        json_object *ev = json_object_new_object();
        char hex[24];

        if (!ev)
                return -ENOMEM;
#define JHEX(key, v)                                                         \
        do {                                                                 \
                snprintf(hex, sizeof(hex), "0x%016" PRIx64, (uint64_t) (v)); \
                json_object_object_add(ev, key, json_object_new_string(hex)); \
        } while (0)
        JHEX("value", f->value);
        json_object_object_add(ev, "registers", regs ? json_object_new_string(regs) : NULL);
        json_object_object_add(ev, "fault_address", json_object_new_boolean(fault));
        json_object_object_add(ev, "cache", json_object_new_string(f->cache.name));
        json_object_object_add(ev, "object_size", json_object_new_int64((int64_t) f->cache.object_size));
        json_object_object_add(ev, "slot_size", json_object_new_int64((int64_t) f->cache.size));
        JHEX("slab", f->slab);
        if (f->index != UINT64_MAX) {
                JHEX("object", f->object);
                json_object_object_add(ev, "offset", json_object_new_int64((int64_t) f->offset));
                json_object_object_add(ev, "index", json_object_new_int64((int64_t) f->index));
        }
        json_object_object_add(ev, "state", json_object_new_string(f->state));
        json_object_object_add(ev, "detail", json_object_new_string(f->detail));
#undef JHEX
        if (f->index == UINT64_MAX)
                return hints_add(x->out, "slab", "slab-object", HINT_WARNING, ev,
                                 "0x%016" PRIx64 "%s%s points into a slab of cache %s but %s", f->value,
                                 regs ? " in " : "", regs ? regs : "", f->cache.name, f->detail);
        char who[200];
        if (regs && fault)
                snprintf(who, sizeof(who), "%s and the fault address point", regs);
        else if (regs)
                snprintf(who, sizeof(who), "%s point%s", regs, strchr(regs, ',') ? "" : "s");
        else
                snprintf(who, sizeof(who), "the fault address 0x%016" PRIx64 " points", f->value);
        return hints_add(x->out, "slab", is_free ? "slab-object-free" : "slab-object",
                         is_free ? HINT_CRITICAL : HINT_INFO, ev,
                         "%s into object 0x%016" PRIx64 " of slab cache %s (objects of %" PRIu64
                         " bytes), which is %s (%s)%s",
                         who, f->object, f->cache.name, f->cache.object_size, is_free ? "FREE" : f->state,
                         f->detail, is_free ? ": the crash used memory that was already freed (use after free)" : "");
}

/* The registers that point into the object, with their offsets:
 * "RDI, R09, RDX (+0x20)". */
static char *object_registers(const struct explain *x, const struct found *f) {
        _cleanup_(strbuf_done) struct strbuf s = STRBUF_INIT;

        for (size_t i = 0; i < x->n_regs; i++) {
                uint64_t v = x->regs[i].value;
                if (f->index == UINT64_MAX ? v != f->value : v < f->object || v - f->object >= f->cache.size)
                        continue;
                if (strbuf_printf(&s, "%s%s", s.len ? ", " : "", x->regs[i].name) < 0)
                        return NULL;
                if (f->index != UINT64_MAX && v != f->object && strbuf_printf(&s, " (+0x%" PRIx64 ")", v - f->object) < 0)
                        return NULL;
        }
        return s.len ? strbuf_steal(&s) : NULL;
}

int analyze_slab(struct explain *x) {
        uint64_t values[MAX_VALUES], objects[MAX_VALUES];
        size_t n = 0, n_obj = 0;
        struct memmap m;
        int k;

        if (memmap_init(x, &m) < 0)
                return hints_add(x->out, "slab", "slab-skipped", HINT_INFO, NULL,
                                 "slab objects were not looked up: VMCOREINFO lacks the memory map (mem_section) or "
                                 "PG_slab");
        if (x->has_fault && explain_kernel_address(x, x->fault))
                values[n++] = x->fault;
        for (size_t i = 0; i < x->n_regs && n < MAX_VALUES; i++) {
                uint64_t v = x->regs[i].value;
                bool dup = false;
                for (size_t j = 0; j < n && !dup; j++)
                        dup = values[j] == v;
                if (!dup && explain_kernel_address(x, v))
                        values[n++] = v;
        }
        for (size_t i = 0; i < n; i++) {
                struct found f = {};
                bool dup = false;

                if (!explain_readable(x, values[i]) || locate(x, &m, values[i], &f) < 0)
                        continue;
                for (size_t j = 0; j < n_obj && !dup; j++)
                        dup = objects[j] == f.object && f.index != UINT64_MAX;
                if (dup)
                        continue;
                objects[n_obj++] = f.object;
                k = report(x, &f);
                if (k < 0)
                        return k;
        }
        return 0;
}
