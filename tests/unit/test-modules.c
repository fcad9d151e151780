/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* BTF member offsets and module symbols on synthetic kernel memory: a BTF
 * blob built here (struct module of the 6.1 shape with core_layout, and of
 * the 6.4 shape with mem[]), a `modules` list and each module's own symbol
 * table, as the kernel lays them out. */

#include <errno.h>

#include "btf-writer.h"
#include "btf.h"
#include "modules.h"
#include "test-helpers.h"
#include "util.h"

#define KBASE UINT64_C(0xffffffff82000000)
#define MBASE UINT64_C(0xffffffffc0000000)
#define KSIZE 0x10000
#define MSIZE 0x10000
#define BTF_AT (KBASE + 0x1000)

/* Kernel data and the module area, far apart as in a real kernel. */
struct two_regions {
        struct kmem_buffer k, m;
};

static int two_read(void *userdata, uint64_t addr, void *buf, size_t len) {
        struct two_regions *t = userdata;
        return addr >= MBASE ? kmem_buffer_read(&t->m, addr, buf, len) : kmem_buffer_read(&t->k, addr, buf, len);
}

/* Writes the BTF of a kernel whose struct module has core_layout (6.1) or
 * mem[] (6.4) at kernel address BTF_AT; returns its size. */
static size_t write_btf(uint8_t *out, bool mem_array) {
        struct btfw w = BTFW_INIT;
        uint32_t t_uint, t_ulong, t_ptr, t_char, t_name, t_list, t_layout, t_layout_td, t_mk, t_mkp, t_anon, t_memarr;

        t_uint = btfw_type(&w, "unsigned int", 1, 0, 4);
        btfw_u32(&w, 32);
        t_ulong = btfw_type(&w, "long unsigned int", 1, 0, 8);
        btfw_u32(&w, 64);
        t_ptr = btfw_type(&w, "", 2, 0, 0);
        t_char = btfw_type(&w, "char", 1, 0, 1);
        btfw_u32(&w, 8);
        t_name = btfw_type(&w, "", 3, 0, 0);
        btfw_u32(&w, t_char);
        btfw_u32(&w, t_uint);
        btfw_u32(&w, 56);
        /* Kinds the walk must step over. */
        btfw_type(&w, "cpu_state", 6, 2, 4);
        btfw_u32(&w, btfw_str(&w, "A"));
        btfw_u32(&w, 0);
        btfw_u32(&w, btfw_str(&w, "B"));
        btfw_u32(&w, 1);
        btfw_type(&w, "fn", 13, 1, t_uint);
        btfw_u32(&w, 0);
        btfw_u32(&w, t_ulong);
        t_list = btfw_type(&w, "list_head", 4, 2, 16);
        btfw_member(&w, "next", t_ptr, 0);
        btfw_member(&w, "prev", t_ptr, 64);
        if (mem_array) {
                t_layout = btfw_type(&w, "module_memory", 4, 2, 64);
                btfw_member(&w, "base", t_ptr, 0);
                btfw_member(&w, "size", t_uint, 64);
                t_memarr = btfw_type(&w, "", 3, 0, 0);
                btfw_u32(&w, t_layout);
                btfw_u32(&w, t_uint);
                btfw_u32(&w, 7);
                t_layout_td = 0;
        } else {
                t_layout = btfw_type(&w, "module_layout", 4, 3, 24);
                btfw_member(&w, "base", t_ptr, 0);
                btfw_member(&w, "size", t_uint, 64);
                btfw_member(&w, "text_size", t_uint, 96);
                t_layout_td = btfw_type(&w, "module_layout_t", 8, 0, t_layout);
                t_memarr = 0;
        }
        t_mk = btfw_type(&w, "mod_kallsyms", 4, 4, 32);
        btfw_member(&w, "symtab", t_ptr, 0);
        btfw_member(&w, "num_symtab", t_uint, 64);
        btfw_member(&w, "strtab", t_ptr, 128);
        btfw_member(&w, "typetab", t_ptr, 192);
        t_mkp = btfw_type(&w, "", 2, 0, t_mk);
        /* struct { struct mod_kallsyms *kallsyms; }: anonymous, as C lets
         * a member live in an unnamed struct. */
        t_anon = btfw_type(&w, "", 4, 1, 8);
        btfw_member(&w, "kallsyms", t_mkp, 0);
        btfw_type(&w, "module", 4, 5, 1024);
        btfw_member(&w, "state", t_uint, 0);
        btfw_member(&w, "list", t_list, 64);
        btfw_member(&w, "name", t_name, 192);
        if (mem_array)
                btfw_member(&w, "mem", t_memarr, 8 * 256);
        else
                btfw_member(&w, "core_layout", t_layout_td, 8 * 256);
        btfw_member(&w, "", t_anon, 8 * 768);

        return btfw_finish(&w, out);
}

/* ---- modules ---- */

struct sym {
        const char *name;
        uint64_t off;           /* from the module's base */
        uint16_t shndx;
};

/* Module `name` occupying [base, base + 0x4000): text symbols, then at
 * +0x2000 its struct module, +0x3000 the symtab, +0x3800 the strtab and
 * +0x3f00 its struct mod_kallsyms. */
static void write_module(uint8_t *mem, uint64_t base, const char *name, const struct sym *syms, size_t n,
                         uint64_t list_next, bool mem_array) {
        uint8_t *p = mem + (base - MBASE);
        uint8_t *mod = p + 0x2000, *symtab = p + 0x3000, *strtab = p + 0x3800, *mk = p + 0x3f00;
        size_t so = 1;

        put64(mod + 8, list_next);
        memcpy(mod + 24, name, strlen(name) + 1);
        if (mem_array) {
                /* mem[0] (text) and mem[1] (data), 64 bytes apart. */
                put64(mod + 256, base);
                put32(mod + 256 + 8, 0x2000);
                put64(mod + 256 + 64, base + 0x2000);
                put32(mod + 256 + 64 + 8, 0x2000);
        } else {
                put64(mod + 256, base);
                put32(mod + 256 + 8, 0x4000);
        }
        put64(mod + 768, base + 0x3f00);
        for (size_t i = 0; i < n; i++) {
                uint8_t *s = symtab + 24 * (i + 1);
                put32(s, (uint32_t) so);
                put16(s + 6, syms[i].shndx);
                put64(s + 8, base + syms[i].off);
                memcpy(strtab + so, syms[i].name, strlen(syms[i].name) + 1);
                so += strlen(syms[i].name) + 1;
        }
        put64(mk, base + 0x3000);
        put32(mk + 8, (uint32_t) n + 1);
        put64(mk + 16, base + 0x3800);
}

struct world {
        uint8_t k[KSIZE], m[MSIZE];
        struct two_regions t;
        struct kmem mem;
        struct kbtf *btf;
        size_t btf_size;
};

static const struct sym syms_a[] = {
        { "func_a", 0x10, 1 },
        { "func_b", 0x30, 1 },
        { "$x", 0x38, 1 },              /* a mapping symbol: never a name */
        { "undefined", 0x50, 0 },       /* SHN_UNDEF */
        { "func_c", 0x60, 1 },
        { "data_a", 0x2100, 3 },
};
static const struct sym syms_b[] = {
        { "init_b", 0x100, 1 },
};

static void build(struct world *w, bool mem_array) {
        char err[256] = "";

        memset(w, 0, sizeof(*w));
        w->t = (struct two_regions){ { KBASE, w->k, KSIZE }, { MBASE, w->m, MSIZE } };
        w->mem = (struct kmem){ two_read, &w->t };
        w->btf_size = write_btf(w->k + (BTF_AT - KBASE), mem_array);
        /* modules -> a -> b -> modules */
        put64(w->k, MBASE + 0x2000 + 8);
        write_module(w->m, MBASE, "mod_a", syms_a, ELEMENTSOF(syms_a), MBASE + 0x8000 + 0x2000 + 8, mem_array);
        write_module(w->m, MBASE + 0x8000, "mod_b", syms_b, ELEMENTSOF(syms_b), KBASE, mem_array);
        assert_int_equal(kbtf_open(&w->mem, BTF_AT, BTF_AT + w->btf_size, &w->btf, err, sizeof(err)), 0);
}

static void test_btf_offsets(void **state) {
        struct world *w = malloc(sizeof(*w));
        uint64_t off;

        (void) state;
        build(w, false);
        assert_int_equal(kbtf_member_offset(w->btf, "module", "list", &off), 0);
        assert_int_equal(off, 8);
        assert_int_equal(kbtf_member_offset(w->btf, "module", "name", &off), 0);
        assert_int_equal(off, 24);
        /* Through a typedef into a nested struct. */
        assert_int_equal(kbtf_member_offset(w->btf, "module", "core_layout.size", &off), 0);
        assert_int_equal(off, 256 + 8);
        /* Through an anonymous struct. */
        assert_int_equal(kbtf_member_offset(w->btf, "module", "kallsyms", &off), 0);
        assert_int_equal(off, 768);
        assert_int_equal(kbtf_member_offset(w->btf, "mod_kallsyms", "strtab", &off), 0);
        assert_int_equal(off, 16);
        assert_int_equal(kbtf_struct_size(w->btf, "module", &off), 0);
        assert_int_equal(off, 1024);
        assert_int_equal(kbtf_member_offset(w->btf, "module", "mem", &off), -ENOENT);
        assert_int_equal(kbtf_member_offset(w->btf, "module", "core_layout.nope", &off), -ENOENT);
        assert_int_equal(kbtf_member_offset(w->btf, "module", "name.x", &off), -ENOENT);
        assert_int_equal(kbtf_member_offset(w->btf, "no_such_struct", "list", &off), -ENOENT);
        assert_int_equal(kbtf_struct_size(w->btf, "module_memory", &off), -ENOENT);
        kbtf_free(w->btf);

        build(w, true);
        /* An array member stands for its first element. */
        assert_int_equal(kbtf_member_offset(w->btf, "module", "mem.size", &off), 0);
        assert_int_equal(off, 256 + 8);
        assert_int_equal(kbtf_struct_size(w->btf, "module_memory", &off), 0);
        assert_int_equal(off, 64);
        kbtf_free(w->btf);
        free(w);
}

static void test_btf_damage(void **state) {
        struct world *w = malloc(sizeof(*w));
        struct kbtf *b = NULL;
        char err[256] = "";
        uint8_t *h;

        (void) state;
        build(w, false);
        kbtf_free(w->btf);
        h = w->k + (BTF_AT - KBASE);
        /* Bounds that cannot hold a header, or do not hold its sections. */
        assert_int_equal(kbtf_open(&w->mem, BTF_AT, BTF_AT + 8, &b, err, sizeof(err)), -EBADMSG);
        assert_int_equal(kbtf_open(&w->mem, BTF_AT, BTF_AT + w->btf_size - 1, &b, err, sizeof(err)), -EBADMSG);
        assert_non_null(strstr(err, "header"));
        /* Unreadable. */
        assert_int_equal(kbtf_open(&w->mem, KBASE + KSIZE - 16, KBASE + KSIZE + 4096, &b, err, sizeof(err)),
                         -ENODATA);
        /* Not BTF. */
        h[0] ^= 0xff;
        assert_int_equal(kbtf_open(&w->mem, BTF_AT, BTF_AT + w->btf_size, &b, err, sizeof(err)), -EBADMSG);
        h[0] ^= 0xff;
        /* A kind libbpf does not know: the BTF is refused as a whole, with a
         * message, and nothing is answered from it. */
        h[24 + 4 + 3] = 0x1f; /* kind of the first type */
        b = NULL;
        assert_int_equal(kbtf_open(&w->mem, BTF_AT, BTF_AT + w->btf_size, &b, err, sizeof(err)), -EBADMSG);
        assert_null(b);
        assert_non_null(strstr(err, "libbpf rejects"));
        free(w);
}

static char *fmt(struct kmodules *m, uint64_t addr) {
        static char buf[256];
        char *s = kmodules_format(m, addr);
        if (!s)
                return NULL;
        snprintf(buf, sizeof(buf), "%s", s);
        free(s);
        return buf;
}

static void check_symbols(bool mem_array) {
        struct world *w = malloc(sizeof(*w));
        struct kmodules *m = NULL;
        char err[256] = "";

        build(w, mem_array);
        assert_int_equal(kmodules_load(&w->mem, KBASE, w->btf, &m, err, sizeof(err)), 0);
        assert_int_equal(kmodules_count(m), 2);
        assert_string_equal(kmodules_name(m, 0), "mod_a");
        assert_string_equal(kmodules_name(m, 1), "mod_b");
        assert_string_equal(fmt(m, MBASE + 0x15), "func_a+0x5/0x20 [mod_a]");
        /* The mapping symbol and the undefined one are passed over. */
        assert_string_equal(fmt(m, MBASE + 0x3c), "func_b+0xc/0x30 [mod_a]");
        /* A symbol runs to the next one or to the end of its region: with
         * mem[], text and data are regions of their own. */
        assert_string_equal(fmt(m, MBASE + 0x60), mem_array ? "func_c+0x0/0x1fa0 [mod_a]" : "func_c+0x0/0x20a0 [mod_a]");
        assert_string_equal(fmt(m, MBASE + 0x8000 + 0x180),
                            mem_array ? "init_b+0x80/0x1f00 [mod_b]" : "init_b+0x80/0x3f00 [mod_b]");
        assert_string_equal(fmt(m, MBASE + 0x2104), "data_a+0x4/0x1f00 [mod_a]");
        /* Before the first symbol, between modules, outside all. */
        assert_null(fmt(m, MBASE + 0x5));
        assert_null(fmt(m, MBASE + 0x6000));
        assert_null(fmt(m, KBASE + 0x10));
        assert_string_equal(kmodules_owner(m, MBASE + 0x8010), "mod_b");
        assert_null(kmodules_owner(m, MBASE + 0x6000));
        kmodules_free(m);
        kbtf_free(w->btf);
        free(w);
}

static void test_module_symbols_core_layout(void **state) {
        (void) state;
        check_symbols(false);
}

static void test_module_symbols_mem_array(void **state) {
        (void) state;
        check_symbols(true);
}

static void test_module_list_damage(void **state) {
        struct world *w = malloc(sizeof(*w));
        struct kmodules *m = NULL;
        char err[256] = "";

        (void) state;
        build(w, false);
        /* b points back to a, not to the head: a loop that must end. */
        put64(w->m + 0x8000 + 0x2000 + 8, MBASE + 0x2000 + 8);
        assert_int_equal(kmodules_load(&w->mem, KBASE, w->btf, &m, err, sizeof(err)), -EBADMSG);
        assert_non_null(strstr(err, "corrupt"));
        /* A user-space pointer in the list. */
        put64(w->m + 0x8000 + 0x2000 + 8, 0x1000);
        assert_int_equal(kmodules_load(&w->mem, KBASE, w->btf, &m, err, sizeof(err)), -EBADMSG);
        /* A name that is not one. */
        put64(w->m + 0x8000 + 0x2000 + 8, KBASE);
        w->m[0x2000 + 24] = '\n';
        assert_int_equal(kmodules_load(&w->mem, KBASE, w->btf, &m, err, sizeof(err)), -EBADMSG);
        w->m[0x2000 + 24] = 'm';
        /* A symbol table that cannot be read: the module stays, unnamed. */
        put64(w->m + 0x3f00, MBASE + MSIZE - 8);
        assert_int_equal(kmodules_load(&w->mem, KBASE, w->btf, &m, err, sizeof(err)), 0);
        assert_null(fmt(m, MBASE + 0x15));
        assert_string_equal(kmodules_owner(m, MBASE + 0x15), "mod_a");
        kmodules_free(m);
        kbtf_free(w->btf);
        free(w);
}

static void test_module_area(void **state) {
        (void) state;
        assert_true(kmodules_area("x86_64", MBASE + 0x1000, 0));
        assert_false(kmodules_area("x86_64", UINT64_C(0xffffffff81000000), 0));
        assert_false(kmodules_area("x86_64", UINT64_C(0xffff888000000000), 0));
        assert_true(kmodules_area("aarch64", UINT64_C(0xffff800008000000) - 0x100000, UINT64_C(0xffff800008000000)));
        assert_false(kmodules_area("aarch64", UINT64_C(0xffff000000000000), UINT64_C(0xffff800008000000)));
        assert_false(kmodules_area("s390x", MBASE, 0));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_btf_offsets),
                cmocka_unit_test(test_btf_damage),
                cmocka_unit_test(test_module_symbols_core_layout),
                cmocka_unit_test(test_module_symbols_mem_array),
                cmocka_unit_test(test_module_list_damage),
                cmocka_unit_test(test_module_area),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
