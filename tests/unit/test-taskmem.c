/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The task-memory analyzer on kernels before 6.1, whose memory map is a
 * vm_next list (the maple tree of 6.1+ is tested on real dumps, tests/e2e):
 * a BTF blob with task_struct, mm_struct and vm_area_struct of that shape,
 * and kernel memory with a task, its mm and its VMAs. */

#include <errno.h>

#include "btf-writer.h"
#include "explain.h"
#include "test-helpers.h"

#define BASE UINT64_C(0xffff888000100000)
#define SIZE 0x4000
#define PCPU_VAR (BASE + 0x0)           /* current_task (per-CPU, offset 0 on CPU 0) */
#define PCPU_OFF (BASE + 0x40)          /* __per_cpu_offset[] */
#define TASK (BASE + 0x100)
#define MM (BASE + 0x400)
#define VMA(i) (BASE + 0x800 + 0x100 * (uint64_t) (i))
#define PACKET UINT64_C(0x004500087d7dca0b)

/* task_struct { int pid @0x10; struct mm_struct *mm @0x20; char comm[16] @0x40; }
 * mm_struct { struct vm_area_struct *mmap @0x0; }
 * vm_area_struct { unsigned long vm_start @0, vm_end @8; struct vm_area_struct
 *                  *vm_next @0x10; struct mm_struct *vm_mm @0x40; } */
static size_t write_btf(uint8_t *out) {
        struct btfw w = BTFW_INIT;
        uint32_t t_int, t_ulong, t_char, t_comm, t_mm, t_mmp, t_vma, t_vmap;

        t_int = btfw_type(&w, "int", 1, 0, 4);
        btfw_u32(&w, 1u << 24 | 32);
        t_ulong = btfw_type(&w, "long unsigned int", 1, 0, 8);
        btfw_u32(&w, 64);
        t_char = btfw_type(&w, "char", 1, 0, 1);
        btfw_u32(&w, 8);
        t_comm = btfw_type(&w, "", 3, 0, 0);
        btfw_u32(&w, t_char);
        btfw_u32(&w, t_int);
        btfw_u32(&w, 16);
        /* Forward ids: mm_struct is 5, its pointer 6, vm_area_struct 7, its pointer 8. */
        t_mm = 5;
        t_mmp = 6;
        t_vma = 7;
        t_vmap = 8;
        assert_int_equal(btfw_type(&w, "mm_struct", 4, 1, 0x100), t_mm);
        btfw_member(&w, "mmap", t_vmap, 8 * 0);
        assert_int_equal(btfw_type(&w, "", 2, 0, t_mm), t_mmp);
        assert_int_equal(btfw_type(&w, "vm_area_struct", 4, 4, 0x80), t_vma);
        btfw_member(&w, "vm_start", t_ulong, 8 * 0);
        btfw_member(&w, "vm_end", t_ulong, 8 * 8);
        btfw_member(&w, "vm_next", t_vmap, 8 * 0x10);
        btfw_member(&w, "vm_mm", t_mmp, 8 * 0x40);
        assert_int_equal(btfw_type(&w, "", 2, 0, t_vma), t_vmap);
        btfw_type(&w, "task_struct", 4, 3, 0x200);
        btfw_member(&w, "pid", t_int, 8 * 0x10);
        btfw_member(&w, "mm", t_mmp, 8 * 0x20);
        btfw_member(&w, "comm", t_comm, 8 * 0x40);

        return btfw_finish(&w, out);
}

struct world {
        uint8_t mem[SIZE];
        struct kmem_buffer buf;
        struct kmem kmem;
        struct kbtf *btf;
        struct vmc_report report;
        struct explain x;
};

static uint8_t *at(struct world *w, uint64_t addr) {
        return w->mem + (addr - BASE);
}

/* A task "java" (pid 42) with n VMAs of 0x1000 bytes each, 0x2000 apart. */
static struct world *build(unsigned n) {
        struct world *w = calloc(1, sizeof(*w));
        uint8_t btf[8192];
        char err[256];
        size_t len = write_btf(btf);

        assert_non_null(w);
        assert_int_equal(kbtf_from_bytes(btf, len, &w->btf, err, sizeof(err)), 0);
        w->buf = (struct kmem_buffer) { BASE, w->mem, SIZE };
        w->kmem = (struct kmem) { kmem_buffer_read, &w->buf };
        put64(at(w, PCPU_VAR), TASK);
        put64(at(w, PCPU_OFF), 0);
        put32(at(w, TASK + 0x10), 42);
        put64(at(w, TASK + 0x20), MM);
        memcpy(at(w, TASK + 0x40), "java", 5);
        put64(at(w, MM), n ? VMA(0) : 0);
        for (unsigned i = 0; i < n; i++) {
                put64(at(w, VMA(i)), 0x400000 + 0x2000 * (uint64_t) i);
                put64(at(w, VMA(i) + 8), 0x401000 + 0x2000 * (uint64_t) i);
                put64(at(w, VMA(i) + 0x10), i + 1 < n ? VMA(i + 1) : 0);
                put64(at(w, VMA(i) + 0x40), MM);
        }
        w->report.panic = (struct vmc_panic) { .cpu = 0, .pid = 42, .note = -1 };
        w->x = (struct explain) {
                .r = &w->report, .mem = &w->kmem, .btf = w->btf, .arch = "x86_64",
                .syms_loaded = true, .out = &w->report.hints,
        };
        w->x.syms[EXPLAIN_SYM_CURRENT_TASK] = PCPU_VAR;
        w->x.syms[EXPLAIN_SYM_PER_CPU_OFFSET] = PCPU_OFF;
        return w;
}

static void done(struct world *w) {
        hints_done(&w->report.hints);
        kbtf_free(w->btf);
        free(w);
}

static const char *ev(const struct hint *h, const char *key) {
        json_object *v = NULL;
        assert_true(json_object_object_get_ex(h->evidence, key, &v));
        return json_object_get_string(v);
}

static void test_consistent(void **state) {
        struct world *w = build(3);
        const struct hint *h;

        (void) state;
        assert_int_equal(analyze_task_memory(&w->x), 0);
        h = hints_find(&w->report.hints, "task-memory-ok");
        assert_non_null(h);
        assert_string_equal(ev(h, "structure"), "VMA list");
        assert_string_equal(ev(h, "vmas_checked"), "3");
        assert_string_equal(ev(h, "comm"), "java");
        done(w);
}

static void test_packet_in_vm_next(void **state) {
        struct world *w = build(3);
        const struct hint *h;

        (void) state;
        put64(at(w, VMA(1) + 0x10), PACKET);
        assert_int_equal(analyze_task_memory(&w->x), 0);
        h = hints_find(&w->report.hints, "vma-corrupt");
        assert_non_null(h);
        assert_int_equal(h->severity, HINT_CRITICAL);
        assert_string_equal(ev(h, "value"), "0x004500087d7dca0b");
        assert_string_equal(ev(h, "link"), "vm_next of VMA #1 (0xffff888000100900)");
        assert_non_null(strstr(ev(h, "problem"), "network packet data"));
        assert_string_equal(ev(h, "vmas_checked"), "2");
        done(w);
}

static void test_foreign_and_disorder(void **state) {
        struct world *w = build(3);
        const struct hint *h;

        (void) state;
        /* The second VMA belongs to another mm. */
        put64(at(w, VMA(1) + 0x40), MM + 0x100);
        assert_int_equal(analyze_task_memory(&w->x), 0);
        h = hints_find(&w->report.hints, "vma-corrupt");
        assert_non_null(h);
        assert_non_null(strstr(ev(h, "problem"), "another address space"));
        done(w);

        w = build(3);
        /* The third starts before the second ends. */
        put64(at(w, VMA(2)), 0x402800);
        assert_int_equal(analyze_task_memory(&w->x), 0);
        h = hints_find(&w->report.hints, "vma-corrupt");
        assert_non_null(h);
        assert_non_null(strstr(ev(h, "problem"), "out of order"));
        assert_string_equal(ev(h, "link"), "vm_next of VMA #1 (0xffff888000100900)");
        done(w);
}

/* The CPU's current task is not the crashing one: nothing is claimed. */
static void test_other_task(void **state) {
        struct world *w = build(3);
        const struct hint *h;

        (void) state;
        w->report.panic.pid = 7;
        assert_int_equal(analyze_task_memory(&w->x), 0);
        h = hints_find(&w->report.hints, "task-memory-skipped");
        assert_non_null(h);
        assert_non_null(strstr(h->message, "pid 42"));
        assert_null(hints_find(&w->report.hints, "vma-corrupt"));
        done(w);
}

/* Without the data symbols (a kernel without CONFIG_KALLSYMS_ALL). */
static void test_no_symbols(void **state) {
        struct world *w = build(3);

        (void) state;
        w->x.syms[EXPLAIN_SYM_CURRENT_TASK] = 0;
        w->x.syms[EXPLAIN_SYM_PER_CPU_OFFSET] = 0;
        assert_int_equal(analyze_task_memory(&w->x), 0);
        assert_non_null(hints_find(&w->report.hints, "task-memory-skipped"));
        done(w);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_consistent),
                cmocka_unit_test(test_packet_in_vm_next),
                cmocka_unit_test(test_foreign_and_disorder),
                cmocka_unit_test(test_other_task),
                cmocka_unit_test(test_no_symbols),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
