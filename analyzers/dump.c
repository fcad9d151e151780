/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libkdumpfile/addrxlat.h>
#include <libkdumpfile/kdumpfile.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dump.h"
#include "dumpfmt.h"
#include "flat.h"
#include "kdumpc.h"
#include "util.h"

#define NT_PRSTATUS_TYPE 1
#define PRSTATUS_PID 32
#define PRSTATUS_REGS 112
/* Pages of the flattened reader's cache: the printk ring is 32 pages on a
 * default kernel; kallsyms tables a few hundred, read once. */
#define PAGE_CACHE_SLOTS 64
#define KDUMP_CACHE_PAGES 32

static const char *const x86_64_regs[] = {
        "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9",      "r8",      "rax", "rcx", "rdx", "rsi",
        "rdi", "orig_rax", "rip", "cs", "rflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
};
static const char *const aarch64_regs[] = {
        "x0",  "x1",  "x2",  "x3",  "x4",  "x5",  "x6",  "x7",  "x8",  "x9",  "x10", "x11",
        "x12", "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23",
        "x24", "x25", "x26", "x27", "x28", "x29", "x30", "sp",  "pc",  "pstate",
};

struct elf_load {
        uint64_t paddr, offset, filesz, memsz;
};

struct page_slot {
        uint64_t pfn;
        bool valid;
        uint8_t *data;
};

struct vmc_dump {
        struct vmc_dump_info info;
        struct vmcoreinfo *vi;
        struct vmc_cpu_regs *cpus;
        size_t n_cpus;
        struct kmem kmem;
        /* Reads of kernel virtual addresses outside the kernel image, and
         * of all of them when the window below is not usable. */
        int (*kv_read)(struct vmc_dump *d, uint64_t addr, void *buf, size_t len);
        int (*phys_read)(struct vmc_dump *d, uint64_t paddr, void *buf, size_t len);
        struct {
                bool valid;
                uint64_t start, end;    /* [start, end) kernel virtual */
                uint64_t phys_off;      /* physical = virtual + phys_off (mod 2^64) */
        } kimage;
        /* The kernel's page tables walked from init_top_pgt, for the other
         * kernel addresses (modules, vmalloc, the direct map). */
        struct {
                bool valid;
                addrxlat_meth_t meth;
        } pgt;
        int fds[64];
        unsigned n_fds;

        /* libkdumpfile */
        kdump_ctx_t *kctx;
        bool kctx_broken;       /* kdump_free() would crash (libkdumpfile 0.5.1 bugs) */

        /* flattened */
        struct flat *flat;
        /* An ELF dump's PT_LOAD segments, sorted by physical address. */
        struct elf_load *loads;
        size_t n_loads;
        struct kdumpc *kdumpc;
        /* Ours: pages from phys_read (the flattened reader's translation,
         * and the page-table walks of both readers). */
        addrxlat_ctx_t *xctx;
        addrxlat_sys_t *xsys;
        addrxlat_opt_t xopts[8];
        unsigned n_xopts;
        bool xsys_ready;
        int xsys_error;
        struct page_slot cache[PAGE_CACHE_SLOTS];
        char arch_buf[16];
};

int vmc_prstatus_parse(const void *desc, size_t len, const char *arch, struct vmc_cpu_regs *ret) {
        const uint8_t *p = desc;
        const char *const *names;
        unsigned n, ip, sp;

        if (streq_ptr(arch, "x86_64")) {
                names = x86_64_regs;
                n = ELEMENTSOF(x86_64_regs);
                ip = 16;
                sp = 19;
        } else if (streq_ptr(arch, "aarch64")) {
                names = aarch64_regs;
                n = ELEMENTSOF(aarch64_regs);
                ip = 32;
                sp = 31;
        } else
                return -EPROTONOSUPPORT;
        if (len < PRSTATUS_REGS + 8 * (size_t) n)
                return -EBADMSG;
        ret->pid = kmem_le32(p + PRSTATUS_PID);
        ret->n_regs = n;
        ret->names = names;
        for (unsigned i = 0; i < n; i++)
                ret->regs[i] = kmem_le64(p + PRSTATUS_REGS + 8 * i);
        ret->ip = ret->regs[ip];
        ret->sp = ret->regs[sp];
        return 0;
}

static int add_cpu(struct vmc_dump *d, const void *desc, size_t len) {
        struct vmc_cpu_regs regs = { .note = (unsigned) d->n_cpus };
        struct vmc_cpu_regs *v;

        if (d->n_cpus >= VMC_DUMP_MAX_CPUS || vmc_prstatus_parse(desc, len, d->info.arch, &regs) < 0)
                return 0; /* an unreadable note costs that CPU's registers only */
        v = realloc(d->cpus, (d->n_cpus + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        d->cpus = v;
        d->cpus[d->n_cpus++] = regs;
        return 0;
}

/* The architecture from VMCOREINFO, for dumps whose header lacks it (QEMU
 * kdump files fill only utsname.machine, or nothing). */
static const char *arch_from_vmcoreinfo(const struct vmcoreinfo *vi) {
        uint64_t v;
        if (vmcoreinfo_symbol(vi, "init_top_pgt", &v) || vmcoreinfo_symbol(vi, "phys_base", &v))
                return "x86_64";
        if (vmcoreinfo_get(vi, "NUMBER(VA_BITS)") || vmcoreinfo_get(vi, "NUMBER(kimage_voffset)"))
                return "aarch64";
        return NULL;
}

/* ---- libkdumpfile ---- */

static int kdf_status(kdump_status st, size_t n, size_t len) {
        if (st == KDUMP_OK && n == len)
                return 0;
        if (st == KDUMP_ERR_NODATA || st == KDUMP_ERR_ADDRXLAT || st == KDUMP_OK)
                return -EFAULT;
        return -EIO;
}

static int kdf_read(struct vmc_dump *d, uint64_t addr, void *buf, size_t len) {
        size_t n = len;
        kdump_status st = kdump_read(d->kctx, KDUMP_KVADDR, addr, buf, &n);
        return kdf_status(st, n, len);
}

/* Machine physical: no address translation is set up for it. */
static int kdf_phys_read(struct vmc_dump *d, uint64_t paddr, void *buf, size_t len) {
        size_t n = len;
        kdump_status st = kdump_read(d->kctx, KDUMP_MACHPHYSADDR, paddr, buf, &n);
        return kdf_status(st, n, len);
}

static void own_page_reader(struct vmc_dump *d);

static int open_libkdumpfile(struct vmc_dump *d, char *err, size_t errlen) {
        const char *s;
        kdump_num_t num;
        kdump_status st;
        char *raw = NULL;
        int r;

        d->kctx = kdump_new();
        if (!d->kctx)
                return -ENOMEM;
        /* pread only: a bad ELF header must give an error, not SIGBUS. */
        kdump_set_number_attr(d->kctx, KDUMP_ATTR_FILE_MMAP_POLICY, KDUMP_MMAP_NEVER);
        /* Reads are mostly sequential and each page is read once; a small
         * cache costs far fewer page faults than the default 1024 pages
         * (set before the open, which allocates the cache). */
        kdump_set_number_attr(d->kctx, "cache.size", KDUMP_CACHE_PAGES);
        st = kdump_open_fdset(d->kctx, d->n_fds, d->fds);
        d->kctx_broken = st != KDUMP_OK;
        if (st != KDUMP_OK)
                return set_error(st == KDUMP_ERR_NOTIMPL ? -EPROTONOSUPPORT : -EBADMSG, err, errlen, "%s",
                            kdump_get_err(d->kctx) ?: kdump_strerror(st));
        /* libkdumpfile 0.5.1 does not guess the OS; without it nothing is
         * translated and VMCOREINFO lookups fail. */
        st = kdump_set_string_attr(d->kctx, KDUMP_ATTR_OSTYPE, "linux");
        if (st != KDUMP_OK && st != KDUMP_ERR_NODATA)
                return set_error(-EBADMSG, err, errlen, "%s", kdump_get_err(d->kctx) ?: kdump_strerror(st));

        st = kdump_vmcoreinfo_raw(d->kctx, &raw);
        if (st != KDUMP_OK || !raw)
                return set_error(-ENODATA, err, errlen, "the dump has no VMCOREINFO note");
        r = vmcoreinfo_parse(raw, strlen(raw), &d->vi);
        free(raw);
        if (r < 0)
                return set_error(r, err, errlen, "the dump's VMCOREINFO note is empty");

        d->info.format = "elf";
        if (kdump_get_string_attr(d->kctx, KDUMP_ATTR_FILE_FORMAT, &s) == KDUMP_OK && !streq_ptr(s, "elf"))
                d->info.format = streq_ptr(s, "diskdump") ? "kdump-compressed" : s;
        /* kdump_free() of a diskdump context reads freed memory in 0.5.1
         * (it crashes with MALLOC_PERTURB_ set): such contexts are leaked.
         * vmcored reads every dump in a short-lived child process. */
        if (!streq_ptr(d->info.format, "elf"))
                d->kctx_broken = true;
        if (kdump_get_string_attr(d->kctx, KDUMP_ATTR_ARCH_NAME, &s) == KDUMP_OK) {
                snprintf(d->arch_buf, sizeof(d->arch_buf), "%s", s);
                d->info.arch = d->arch_buf;
        } else {
                d->info.arch = arch_from_vmcoreinfo(d->vi);
                if (d->info.arch)
                        kdump_set_string_attr(d->kctx, KDUMP_ATTR_ARCH_NAME, d->info.arch);
        }
        if (kdump_get_number_attr(d->kctx, KDUMP_ATTR_PAGE_SIZE, &num) == KDUMP_OK)
                d->info.page_size = num;

        if (kdump_get_number_attr(d->kctx, KDUMP_ATTR_NUM_CPUS, &num) == KDUMP_OK)
                for (kdump_num_t i = 0; i < num && i < VMC_DUMP_MAX_CPUS; i++) {
                        char key[64];
                        kdump_attr_t attr;

                        snprintf(key, sizeof(key), "cpu.%u.PRSTATUS", (unsigned) i);
                        if (kdump_get_attr(d->kctx, key, &attr) != KDUMP_OK || attr.type != KDUMP_BLOB)
                                continue;
                        void *p = kdump_blob_pin(attr.val.blob);
                        r = add_cpu(d, p, kdump_blob_size(attr.val.blob));
                        kdump_blob_unpin(attr.val.blob);
                        if (r < 0)
                                return r;
                }
        d->kv_read = kdf_read;
        /* Under Xen, machine and guest physical addresses differ. */
        if (kdump_get_number_attr(d->kctx, KDUMP_ATTR_XEN_TYPE, &num) != KDUMP_OK || num == KDUMP_XEN_NONE) {
                d->phys_read = kdf_phys_read;
                own_page_reader(d);
        }
        return 0;
}

/* ---- flattened ---- */

static int flat_read_cb(void *userdata, void *buf, size_t len, uint64_t off) {
        return flat_pread(userdata, buf, len, off);
}

static const uint8_t *cached_page(struct vmc_dump *d, uint64_t pfn, int *ret) {
        struct page_slot *s = &d->cache[pfn % PAGE_CACHE_SLOTS];
        int r;

        if (s->valid && s->pfn == pfn)
                return s->data;
        if (!s->data) {
                s->data = malloc(d->info.page_size);
                if (!s->data) {
                        *ret = -ENOMEM;
                        return NULL;
                }
        }
        s->valid = false;
        r = kdumpc_read_page(d->kdumpc, pfn, s->data);
        if (r < 0) {
                *ret = r;
                return NULL;
        }
        s->pfn = pfn;
        s->valid = true;
        return s->data;
}

static void xlat_put_page(const addrxlat_buffer_t *buf) {
        free(buf->priv);
}

static addrxlat_status xlat_get_page(const addrxlat_cb_t *cb, addrxlat_buffer_t *buf) {
        struct vmc_dump *d = cb->priv;
        uint64_t pfn = buf->addr.addr / d->info.page_size;
        void *copy;

        if (buf->addr.as != ADDRXLAT_MACHPHYSADDR && buf->addr.as != ADDRXLAT_KPHYSADDR)
                return addrxlat_ctx_err(d->xctx, ADDRXLAT_ERR_NOTIMPL, "address space not readable");
        /* libaddrxlat keeps pages until put_page(), longer than a slot of
         * a cache lives: it gets its own copy. */
        copy = malloc(d->info.page_size);
        if (!copy)
                return addrxlat_ctx_err(d->xctx, ADDRXLAT_ERR_NOMEM, "out of memory");
        if (d->phys_read(d, pfn * d->info.page_size, copy, d->info.page_size) < 0) {
                free(copy);
                return addrxlat_ctx_err(d->xctx, ADDRXLAT_ERR_NODATA, "page %" PRIx64 " not in the dump", pfn);
        }
        buf->addr.addr = pfn * d->info.page_size;
        buf->ptr = copy;
        buf->priv = copy;
        buf->size = d->info.page_size;
        buf->byte_order = ADDRXLAT_LITTLE_ENDIAN;
        buf->put_page = xlat_put_page;
        return ADDRXLAT_OK;
}

static unsigned long xlat_read_caps(const addrxlat_cb_t *cb) {
        (void) cb;
        return ADDRXLAT_CAPS(ADDRXLAT_MACHPHYSADDR) | ADDRXLAT_CAPS(ADDRXLAT_KPHYSADDR);
}

static addrxlat_status xlat_nodata(const struct vmc_dump *d, const char *what, const char *name) {
        return addrxlat_ctx_err(d->xctx, ADDRXLAT_ERR_NODATA, "no %s %s in VMCOREINFO", what, name);
}

static addrxlat_status xlat_reg(const addrxlat_cb_t *cb, const char *name, addrxlat_addr_t *val) {
        (void) val;
        return xlat_nodata(cb->priv, "register", name);
}

static addrxlat_status xlat_sym(const addrxlat_cb_t *cb, const char *name, addrxlat_addr_t *val) {
        const struct vmc_dump *d = cb->priv;
        uint64_t v;
        if (!vmcoreinfo_symbol(d->vi, name, &v))
                return xlat_nodata(d, "symbol", name);
        *val = v;
        return ADDRXLAT_OK;
}

static addrxlat_status xlat_sizeof(const addrxlat_cb_t *cb, const char *name, addrxlat_addr_t *val) {
        const struct vmc_dump *d = cb->priv;
        uint64_t v;
        if (!vmcoreinfo_size(d->vi, name, &v))
                return xlat_nodata(d, "size of", name);
        *val = v;
        return ADDRXLAT_OK;
}

static addrxlat_status xlat_offsetof(const addrxlat_cb_t *cb, const char *obj, const char *elem,
                                     addrxlat_addr_t *val) {
        const struct vmc_dump *d = cb->priv;
        char key[128];
        uint64_t v;
        snprintf(key, sizeof(key), "%s.%s", obj, elem);
        if (!vmcoreinfo_offset(d->vi, key, &v))
                return xlat_nodata(d, "offset of", key);
        *val = v;
        return ADDRXLAT_OK;
}

static addrxlat_status xlat_num(const addrxlat_cb_t *cb, const char *name, addrxlat_addr_t *val) {
        const struct vmc_dump *d = cb->priv;
        int64_t v;
        if (!vmcoreinfo_number(d->vi, name, &v))
                return xlat_nodata(d, "number", name);
        *val = (addrxlat_addr_t) v;
        return ADDRXLAT_OK;
}

/* libaddrxlat's set-up walks the page tables (about 20 page reads): it is
 * done on the first read that needs it, which may be none. */
static int flat_xlat_ready(struct vmc_dump *d) {
        if (!d->xsys_ready) {
                d->xsys_ready = true;
                if (addrxlat_sys_os_init(d->xsys, d->xctx, d->n_xopts, d->xopts) != ADDRXLAT_OK)
                        d->xsys_error = -EIO;
        }
        return d->xsys_error;
}

static int flat_phys_read(struct vmc_dump *d, uint64_t paddr, void *buf, size_t len) {
        uint8_t *out = buf;
        uint64_t ps = d->info.page_size;

        while (len > 0) {
                size_t n = (size_t) MIN((uint64_t) len, ps - paddr % ps);
                const uint8_t *p;
                int r = 0;

                p = cached_page(d, paddr / ps, &r);
                if (!p)
                        return r;
                memcpy(out, p + paddr % ps, n);
                out += n;
                paddr += n;
                len -= n;
        }
        return 0;
}

/* ---- pages of single-file dumps, read by us ----
 *
 * libkdumpfile 0.5.1's page cache can hand a page's buffer to two entries
 * when a page it evicted is read again (fixed upstream in 2024, "cache: Get
 * data buffer before adjusting ghost partition size"): wrong data or a crash
 * in the decompressor, depending on the order of reads. The analyzers read
 * thousands of pages (the kernel's BTF alone is over a thousand), so page
 * data of ELF and kdump-compressed files is read here, and libkdumpfile is
 * left the headers, notes and attributes. */

static int fd_read_cb(void *userdata, void *buf, size_t len, uint64_t off) {
        int fd = *(const int *) userdata;
        uint8_t *p = buf;

        while (len > 0) {
                ssize_t n = pread(fd, p, len, (off_t) off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EIO;    /* cut short */
                p += n;
                len -= (size_t) n;
                off += (uint64_t) n;
        }
        return 0;
}

static int load_cmp(const void *a, const void *b) {
        const struct elf_load *x = a, *y = b;
        return x->paddr < y->paddr ? -1 : x->paddr > y->paddr;
}

/* The PT_LOAD segments of a little-endian ELF64 core. */
static int elf_loads(struct vmc_dump *d) {
        uint8_t h[64], ph[56];
        uint64_t phoff;
        uint16_t phentsize, phnum;
        int r;

        r = fd_read_cb(&d->fds[0], h, sizeof(h), 0);
        if (r < 0)
                return r;
        if (memcmp(h, "\177ELF", 4) != 0 || h[4] != 2 || h[5] != 1)
                return -EPROTONOSUPPORT;
        phoff = kmem_le64(h + 32);
        phentsize = kmem_le16(h + 54);
        phnum = kmem_le16(h + 56);
        if (phentsize != sizeof(ph) || phnum == 0xffff)
                return -EPROTONOSUPPORT;
        d->loads = calloc(phnum ? phnum : 1, sizeof(*d->loads));
        if (!d->loads)
                return -ENOMEM;
        for (uint16_t i = 0; i < phnum; i++) {
                r = fd_read_cb(&d->fds[0], ph, sizeof(ph), phoff + (uint64_t) i * sizeof(ph));
                if (r < 0)
                        return r;
                if (kmem_le32(ph) != 1 /* PT_LOAD */)
                        continue;
                d->loads[d->n_loads++] = (struct elf_load) {
                        .offset = kmem_le64(ph + 8),
                        .paddr = kmem_le64(ph + 24),
                        .filesz = kmem_le64(ph + 32),
                        .memsz = kmem_le64(ph + 40),
                };
        }
        qsort(d->loads, d->n_loads, sizeof(*d->loads), load_cmp);
        return 0;
}

static const struct elf_load *elf_load_at(const struct vmc_dump *d, uint64_t paddr) {
        size_t lo = 0, hi = d->n_loads;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const struct elf_load *l = &d->loads[mid];
                if (paddr < l->paddr)
                        hi = mid;
                else if (paddr - l->paddr >= l->memsz)
                        lo = mid + 1;
                else
                        return l;
        }
        return NULL;
}

static int elf_phys_read(struct vmc_dump *d, uint64_t paddr, void *buf, size_t len) {
        uint8_t *out = buf;

        while (len > 0) {
                const struct elf_load *l = elf_load_at(d, paddr);
                uint64_t in, n;
                int r;

                if (!l)
                        return -EFAULT;
                in = paddr - l->paddr;
                n = MIN((uint64_t) len, l->memsz - in);
                if (in < l->filesz) {
                        n = MIN(n, l->filesz - in);
                        r = fd_read_cb(&d->fds[0], out, (size_t) n, l->offset + in);
                        if (r < 0)
                                return r == -EIO ? -EFAULT : r;
                } else
                        memset(out, 0, (size_t) n);     /* beyond the file part: zeros */
                out += n;
                paddr += n;
                len -= (size_t) n;
        }
        return 0;
}

/* Our page reader for a single ELF or kdump-compressed file; libkdumpfile
 * keeps reading what this cannot (Xen, split sets, other layouts). */
static void own_page_reader(struct vmc_dump *d) {
        struct stat st;
        char err[256];

        if (d->n_fds != 1 || d->phys_read != kdf_phys_read)
                return;
        if (streq_ptr(d->info.format, "elf")) {
                if (elf_loads(d) >= 0 && d->n_loads > 0)
                        d->phys_read = elf_phys_read;
                else {
                        free(d->loads);
                        d->loads = NULL;
                        d->n_loads = 0;
                }
        } else if (streq_ptr(d->info.format, "kdump-compressed") && fstat(d->fds[0], &st) == 0 &&
                   kdumpc_open(fd_read_cb, &d->fds[0], (uint64_t) st.st_size, &d->kdumpc, err, sizeof(err)) >= 0 &&
                   kdumpc_info(d->kdumpc)->block_size == d->info.page_size)
                d->phys_read = flat_phys_read;
}

static int flat_kmem_read(struct vmc_dump *d, uint64_t addr, void *buf, size_t len) {
        uint8_t *out = buf;
        uint64_t ps = d->info.page_size;
        int k = flat_xlat_ready(d);

        if (k < 0)
                return k;
        while (len > 0) {
                addrxlat_fulladdr_t fa = { .addr = addr, .as = ADDRXLAT_KVADDR };
                size_t n = (size_t) MIN((uint64_t) len, ps - addr % ps);
                const uint8_t *p;
                int r = 0;

                if (addrxlat_fulladdr_conv(&fa, ADDRXLAT_MACHPHYSADDR, d->xctx, d->xsys) != ADDRXLAT_OK)
                        return -EFAULT;
                p = cached_page(d, fa.addr / ps, &r);
                if (!p)
                        return r;
                memcpy(out, p + fa.addr % ps, n);
                out += n;
                addr += n;
                len -= n;
        }
        return 0;
}

static void parse_elf_notes(struct vmc_dump *d, const uint8_t *p, size_t len) {
        size_t pos = 0;

        while (pos + 12 <= len) {
                uint32_t namesz = kmem_le32(p + pos), descsz = kmem_le32(p + pos + 4), type = kmem_le32(p + pos + 8);
                size_t name_end = pos + 12 + ((namesz + 3) & ~3U);
                if (namesz > len || descsz > len || name_end > len || descsz > len - name_end)
                        return;
                if (type == NT_PRSTATUS_TYPE && namesz == 5 && memcmp(p + pos + 12, "CORE", 5) == 0)
                        (void) add_cpu(d, p + name_end, descsz);
                pos = name_end + ((descsz + 3) & ~3U);
        }
}

/* A libaddrxlat context that reads physical pages with d->phys_read and
 * answers symbol questions from VMCOREINFO. */
static int xctx_new(struct vmc_dump *d) {
        addrxlat_cb_t *cb;

        d->xctx = addrxlat_ctx_new();
        if (!d->xctx)
                return -ENOMEM;
        cb = addrxlat_ctx_add_cb(d->xctx);
        if (!cb)
                return -ENOMEM;
        cb->priv = d;
        cb->get_page = xlat_get_page;
        cb->read_caps = xlat_read_caps;
        cb->reg_value = xlat_reg;
        cb->sym_value = xlat_sym;
        cb->sym_sizeof = xlat_sizeof;
        cb->sym_offsetof = xlat_offsetof;
        cb->num_value = xlat_num;
        return 0;
}

static int open_flattened(struct vmc_dump *d, char *err, size_t errlen) {
        const struct kdumpc_info *ki;
        const uint8_t *notes;
        const char *raw;
        uint8_t head[8];
        size_t len;
        addrxlat_opt_t *opts = d->xopts;
        unsigned n_opts = 0;
        int r;

        if (d->n_fds != 1)
                return set_error(-EPROTONOSUPPORT, err, errlen, "a flattened dump is one file, not a set");
        r = flat_open(d->fds[0], &d->flat, err, errlen);
        if (r < 0)
                return r;
        r = flat_pread(d->flat, head, sizeof(head), 0);
        if (r < 0 || memcmp(head, "KDUMP   ", 8) != 0)
                return set_error(-EPROTONOSUPPORT, err, errlen,
                            "flattened %s dumps are not supported; reassemble with 'makedumpfile -R'",
                            r >= 0 && memcmp(head, "\177ELF", 4) == 0 ? "ELF" : "non-kdump");
        r = kdumpc_open(flat_read_cb, d->flat, flat_size(d->flat), &d->kdumpc, err, errlen);
        if (r < 0)
                return r;
        ki = kdumpc_info(d->kdumpc);
        raw = kdumpc_vmcoreinfo(d->kdumpc, &len);
        if (!raw || len == 0 || vmcoreinfo_parse(raw, len, &d->vi) < 0)
                return set_error(-ENODATA, err, errlen, "the dump has no VMCOREINFO");

        d->info.format = "flattened";
        d->info.page_size = ki->block_size;
        d->info.incomplete = ki->incomplete || flat_truncated(d->flat);
        if (streq_ptr(ki->machine, "x86_64") || streq_ptr(ki->machine, "aarch64"))
                d->info.arch = streq_ptr(ki->machine, "x86_64") ? "x86_64" : "aarch64";
        else
                d->info.arch = arch_from_vmcoreinfo(d->vi);
        if (!d->info.arch)
                return set_error(-EPROTONOSUPPORT, err, errlen, "flattened dump of an unsupported architecture (%s)",
                            ki->machine);
        notes = kdumpc_notes(d->kdumpc, &len);
        if (notes)
                parse_elf_notes(d, notes, len);

        /* Address translation: libaddrxlat walks the page tables with the
         * VMCOREINFO answers and pages we give it, as in libkdumpfile. */
        d->phys_read = flat_phys_read;
        r = xctx_new(d);
        if (r < 0)
                return r;
        d->xsys = addrxlat_sys_new();
        if (!d->xsys)
                return -ENOMEM;

        addrxlat_opt_arch(&opts[n_opts++], d->info.arch);
        addrxlat_opt_os_type(&opts[n_opts++], "linux");
        if (vmcoreinfo_version_code(d->vi))
                addrxlat_opt_version_code(&opts[n_opts++], vmcoreinfo_version_code(d->vi));
        addrxlat_opt_page_shift(&opts[n_opts++], (unsigned long) __builtin_ctzll(d->info.page_size));
        if (streq_ptr(d->info.arch, "x86_64"))
                addrxlat_opt_phys_base(&opts[n_opts++], ki->phys_base);
        assert(n_opts <= ELEMENTSOF(d->xopts));
        d->n_xopts = n_opts;
        d->kv_read = flat_kmem_read;
        return 0;
}

/* libkdumpfile 0.5.1 reads a --split set only in its original order:
 * restore it from each part's first page frame (kdump sub-header). */
static uint64_t split_start_pfn(int fd) {
        uint8_t b[8] = {};
        uint8_t bs[4] = {};
        if (pread(fd, bs, sizeof(bs), 428) != (ssize_t) sizeof(bs))
                return UINT64_MAX;
        if (pread(fd, b, sizeof(b), (off_t) kmem_le32(bs) + 80) != (ssize_t) sizeof(b))
                return UINT64_MAX;
        return kmem_le64(b);
}

static void sort_split_set(struct vmc_dump *d) {
        uint64_t key[ELEMENTSOF(d->fds)];

        for (unsigned i = 0; i < d->n_fds; i++)
                key[i] = split_start_pfn(d->fds[i]);
        for (unsigned i = 1; i < d->n_fds; i++)
                for (unsigned j = i; j > 0 && key[j] < key[j - 1]; j--) {
                        uint64_t k = key[j];
                        int fd = d->fds[j];
                        key[j] = key[j - 1];
                        d->fds[j] = d->fds[j - 1];
                        key[j - 1] = k;
                        d->fds[j - 1] = fd;
                }
}

/* ---- the kernel image ---- */

/* x86_64 maps the kernel image (text, data, bss: where kallsyms and the
 * static printk ring live) at __START_KERNEL_map + (physical - phys_base),
 * as the kernel's own __pa_symbol() computes. Reading those addresses as
 * physical ones skips libaddrxlat's set-up, which walks the page tables to
 * find the kernel text and direct mappings: about 20 page reads (20 page
 * decompressions in a compressed dump) before the first virtual read. */
#define X86_64_START_KERNEL_MAP UINT64_C(0xffffffff80000000)
#define X86_64_MODULES_VADDR UINT64_C(0xffffffffc0000000)

static int pgt_translate(struct vmc_dump *d, uint64_t addr, uint64_t *paddr) {
        /* addrxlat_walk() starts the walk itself, from base.addr. */
        addrxlat_step_t step = { .ctx = d->xctx, .sys = NULL, .meth = &d->pgt.meth,
                                 .base = { .addr = addr, .as = ADDRXLAT_KVADDR } };

        if (addrxlat_walk(&step) != ADDRXLAT_OK || step.base.as != ADDRXLAT_MACHPHYSADDR) {
                addrxlat_ctx_clear_err(d->xctx);
                return -EFAULT;
        }
        *paddr = step.base.addr;
        return 0;
}

static int pgt_read(struct vmc_dump *d, uint64_t addr, void *buf, size_t len) {
        uint8_t *out = buf;

        if (!d->xctx && xctx_new(d) < 0)
                return -ENOMEM;

        while (len > 0) {
                size_t n = (size_t) MIN((uint64_t) len, d->info.page_size - addr % d->info.page_size);
                uint64_t phys;

                if (pgt_translate(d, addr, &phys) < 0 || d->phys_read(d, phys, out, n) < 0)
                        return -EFAULT;
                out += n;
                addr += n;
                len -= n;
        }
        return 0;
}

int vmc_dump_vtop(struct vmc_dump *d, uint64_t addr, uint64_t *paddr) {
        addrxlat_fulladdr_t fa = { .addr = addr, .as = ADDRXLAT_KVADDR };
        addrxlat_ctx_t *ctx = NULL;
        addrxlat_sys_t *sys = NULL;
        int r = -EFAULT;

        if (d->kimage.valid && addr >= d->kimage.start && addr < d->kimage.end) {
                *paddr = addr + d->kimage.phys_off;
                return 0;
        }
        if (d->pgt.valid && (addr >> 63) && (d->xctx || xctx_new(d) >= 0) && pgt_translate(d, addr, paddr) >= 0)
                return 0;
        if (d->kctx) {
                if (kdump_get_addrxlat(d->kctx, &ctx, &sys) != KDUMP_OK)
                        return -EFAULT;
                if (addrxlat_fulladdr_conv(&fa, ADDRXLAT_MACHPHYSADDR, ctx, sys) == ADDRXLAT_OK) {
                        *paddr = fa.addr;
                        r = 0;
                } else
                        addrxlat_ctx_clear_err(ctx);
                addrxlat_ctx_decref(ctx);
                addrxlat_sys_decref(sys);
                return r;
        }
        if (d->xsys && flat_xlat_ready(d) >= 0 &&
            addrxlat_fulladdr_conv(&fa, ADDRXLAT_MACHPHYSADDR, d->xctx, d->xsys) == ADDRXLAT_OK) {
                *paddr = fa.addr;
                return 0;
        }
        return -EFAULT;
}

static int dump_kmem_read(void *userdata, uint64_t addr, void *buf, size_t len) {
        struct vmc_dump *d = userdata;

        if (d->kimage.valid && addr >= d->kimage.start && addr < d->kimage.end && len <= d->kimage.end - addr &&
            d->phys_read(d, addr + d->kimage.phys_off, buf, len) >= 0)
                return 0;
        /* What the page tables do not give (or give wrongly: a read past
         * the dump's memory) is read as before. */
        if (d->pgt.valid && (addr >> 63) && pgt_read(d, addr, buf, len) >= 0)
                return 0;
        return d->kv_read(d, addr, buf, len);
}

/* libaddrxlat's own set-up for a Linux x86_64 dump also searches the page
 * tables for the kernel text and direct mappings (about 20 page reads). A
 * plain 4- or 5-level walk from init_top_pgt, whose physical address the
 * kernel image window gives, needs only the tables on the way. */
static void pgt_setup(struct vmc_dump *d) {
        uint64_t root;
        int64_t l5 = 0, sme = 0;

        if (!d->kimage.valid || !vmcoreinfo_symbol(d->vi, "init_top_pgt", &root) || root < d->kimage.start ||
            root >= d->kimage.end)
                return;
        (void) vmcoreinfo_number(d->vi, "pgtable_l5_enabled", &l5);
        (void) vmcoreinfo_number(d->vi, "sme_mask", &sme);
        d->pgt.meth = (addrxlat_meth_t){
                .kind = ADDRXLAT_PGT,
                .target_as = ADDRXLAT_MACHPHYSADDR,
                .param.pgt = {
                        .root = { .addr = root + d->kimage.phys_off, .as = ADDRXLAT_MACHPHYSADDR },
                        .pte_mask = (addrxlat_pte_t) sme,
                        .pf = {
                                .pte_format = ADDRXLAT_PTE_X86_64,
                                .nfields = l5 == 1 ? 6 : 5,
                                .fieldsz = { 12, 9, 9, 9, 9, 9 },
                        },
                },
        };
        d->pgt.valid = true;
}

/* The window is used only when it reads back what VMCOREINFO says: the
 * kernel's utsname with the same release. */
static void kimage_setup(struct vmc_dump *d) {
        uint64_t uts, off = 4;
        int64_t phys_base;
        char name[2 * 65 + 65];
        const char *rel = vmcoreinfo_get(d->vi, "OSRELEASE");

        if (!d->phys_read || !streq_ptr(d->info.arch, "x86_64") || !rel ||
            !vmcoreinfo_number(d->vi, "phys_base", &phys_base) || !vmcoreinfo_symbol(d->vi, "init_uts_ns", &uts))
                return;
        (void) vmcoreinfo_offset(d->vi, "uts_namespace.name", &off);
        d->kimage.start = X86_64_START_KERNEL_MAP;
        d->kimage.end = X86_64_MODULES_VADDR;
        d->kimage.phys_off = (uint64_t) phys_base - X86_64_START_KERNEL_MAP;
        if (uts + off < d->kimage.start || uts + off + sizeof(name) > d->kimage.end ||
            d->phys_read(d, uts + off + d->kimage.phys_off, name, sizeof(name)) < 0)
                return;
        name[64] = name[2 * 65 + 64] = '\0';
        d->kimage.valid = strcmp(name, "Linux") == 0 && strcmp(name + 2 * 65, rel) == 0;
}

/* ---- an ELF core header no kernel could have meant ---- */

/* More than any machine's memory (4 PiB): a size or an address only an
 * arithmetic wrap gives. */
#define LOAD_SIZE_MAX (UINT64_C(1) << 52)
#define NOTES_MAX (UINT64_C(1) << 20)

/* What the notes of a core whose memory cannot be read still tell: the
 * kernel, the crash time, the panic CPU's pc. */
static void notes_summary(int fd, uint64_t off, uint64_t len, uint16_t machine, char *buf, size_t buflen) {
        _cleanup_free_ uint8_t *n = NULL;
        const char *arch = machine == 62 ? "x86_64" : machine == 183 ? "aarch64" : NULL;
        char release[65] = "", when[32] = "";
        unsigned cpus = 0;
        uint64_t pc = 0;
        bool have_pc = false;

        *buf = '\0';
        if (len == 0 || len > NOTES_MAX || !(n = malloc(len)))
                return;
        if (fd_read_cb(&fd, n, len, off) < 0)
                return;
        for (uint64_t at = 0; at + 12 <= len;) {
                uint32_t namesz = kmem_le32(n + at), descsz = kmem_le32(n + at + 4), type = kmem_le32(n + at + 8);
                uint64_t name = at + 12, desc = name + ((namesz + 3ULL) & ~3ULL), next = desc + ((descsz + 3ULL) & ~3ULL);

                if (next > len || next <= at)
                        break;
                if (namesz >= 4 && memcmp(n + name, "CORE", 4) == 0 && type == 1) {
                        struct vmc_cpu_regs regs = {};
                        if (cpus++ == 0 && arch && vmc_prstatus_parse(n + desc, descsz, arch, &regs) >= 0) {
                                pc = regs.ip;
                                have_pc = true;
                        }
                } else if (namesz >= 10 && memcmp(n + name, "VMCOREINFO", 10) == 0) {
                        _cleanup_free_ char *text = strndup((const char *) n + desc, descsz);
                        const char *v;
                        long long t;
                        if (text && (v = strstr(text, "OSRELEASE=")))
                                snprintf(release, sizeof(release), "%.*s", (int) strcspn(v + 10, "\n"), v + 10);
                        if (text && (v = strstr(text, "CRASHTIME=")) && sscanf(v + 10, "%lld", &t) == 1) {
                                time_t tt = (time_t) t;
                                struct tm tm;
                                if (gmtime_r(&tt, &tm))
                                        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
                        }
                }
                at = next;
        }
        snprintf(buf, buflen, "%s%s%s%s%s%u CPU note%s", *release ? "kernel " : "", release,
                 *when ? ", crashed " : "", when, *release || *when ? "; " : "", cpus, cpus == 1 ? "" : "s");
        if (have_pc)
                snprintf(buf + strlen(buf), buflen - strlen(buf), ", the first with pc 0x%016" PRIx64, pc);
}

/* kexec-tools writes the capture kernel's ELF core header. On arm64, when
 * /proc/kallsyms lists no _text (kernels without CONFIG_KALLSYMS_ALL, such
 * as Debian 12's), it gives the kernel's PT_LOAD p_vaddr ~0 and a size
 * near 2^64; the capture kernel then lays the other segments out beyond
 * it, at offsets past 2^63 that no read can reach, and a read of that
 * segment (at a wrapped physical address) crashes the capture kernel. So
 * the header is checked before anything else reads the file, and such a
 * dump is refused with the reason: -EUCLEAN. */
static int elf_check_header(int fd, char *err, size_t errlen) {
        uint8_t h[64], ph[56];
        uint64_t phoff, note_off = 0, note_len = 0, bad_vaddr = 0, bad_paddr = 0, bad_size = 0;
        uint16_t phnum, machine;
        unsigned bad = 0, bad_index = 0, beyond = 0, loads = 0;
        char notes[256];

        if (fd_read_cb(&fd, h, sizeof(h), 0) < 0 || memcmp(h, "\177ELF", 4) != 0 || h[4] != 2 || h[5] != 1 ||
            kmem_le16(h + 54) != sizeof(ph))
                return 0; /* not ours to judge: libkdumpfile says what it is */
        phoff = kmem_le64(h + 32);
        phnum = kmem_le16(h + 56);
        machine = kmem_le16(h + 18);
        for (uint16_t i = 0; i < phnum; i++) {
                uint64_t offset, vaddr, paddr, filesz, memsz;

                if (fd_read_cb(&fd, ph, sizeof(ph), phoff + (uint64_t) i * sizeof(ph)) < 0)
                        return 0;
                offset = kmem_le64(ph + 8);
                if (kmem_le32(ph) == 4 /* PT_NOTE */ && !note_len) {
                        note_off = offset;
                        note_len = kmem_le64(ph + 32);
                }
                if (kmem_le32(ph) != 1 /* PT_LOAD */)
                        continue;
                vaddr = kmem_le64(ph + 16);
                paddr = kmem_le64(ph + 24);
                filesz = kmem_le64(ph + 32);
                memsz = kmem_le64(ph + 40);
                loads++;
                /* p_vaddr alone proves nothing (some writers leave it -1):
                 * the size and the range do. */
                if (memsz >= LOAD_SIZE_MAX || filesz > memsz || paddr + memsz < paddr) {
                        if (bad++ == 0) {
                                bad_index = loads;
                                bad_vaddr = vaddr;
                                bad_paddr = paddr;
                                bad_size = memsz;
                        }
                } else if (offset > (uint64_t) INT64_MAX || offset + filesz > (uint64_t) INT64_MAX)
                        beyond++;
        }
        if (bad == 0)
                return 0;
        notes_summary(fd, note_off, note_len, machine, notes, sizeof(notes));
        return set_error(-EUCLEAN, err, errlen,
                         "impossible ELF core header: PT_LOAD %u of %u claims 0x%" PRIx64 " bytes at physical "
                         "0x%" PRIx64 ", virtual 0x%" PRIx64 "%s, and %u intact segment%s lie beyond it, out of "
                         "reach; nothing was read past the header (reading that segment crashes a capture "
                         "kernel). The notes tell: %s. Cause: kexec-tools on arm64 without _text in "
                         "/proc/kallsyms (kernels without CONFIG_KALLSYMS_ALL, as Debian 12's); fix: "
                         "vmcored-kallsyms.service, see vmcored(8)",
                         bad_index, loads, bad_size, bad_paddr, bad_vaddr, bad > 1 ? " (and more such)" : "",
                         beyond, beyond == 1 ? "" : "s", *notes ? notes : "nothing readable");
}

int vmc_dump_open(unsigned n_paths, const char *const *paths, struct vmc_dump **ret, char *err, size_t errlen) {
        struct vmc_dump *d;
        uint8_t head[16];
        enum dump_format fmt = DUMP_FORMAT_NONE;
        int r;

        if (n_paths == 0 || n_paths > ELEMENTSOF(d->fds))
                return set_error(-EINVAL, err, errlen, "give 1 to %zu dump files", ELEMENTSOF(d->fds));
        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        for (unsigned i = 0; i < n_paths; i++) {
                struct stat st;
                ssize_t k;
                enum dump_format f;

                d->fds[i] = open(paths[i], O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (d->fds[i] < 0) {
                        r = set_error(-errno, err, errlen, "%s: %s", paths[i], strerror(errno));
                        goto out;
                }
                d->n_fds++;
                if (fstat(d->fds[i], &st) < 0 || S_ISDIR(st.st_mode)) {
                        r = set_error(-EISDIR, err, errlen, "%s: not a file", paths[i]);
                        goto out;
                }
                k = pread(d->fds[i], head, sizeof(head), 0);
                f = dump_format_detect(head, k > 0 ? (size_t) k : 0);
                if (f == DUMP_FORMAT_NONE) {
                        r = set_error(-EMEDIUMTYPE, err, errlen, "%s: not a crash dump", paths[i]);
                        goto out;
                }
                if (i > 0 && f != fmt) {
                        r = set_error(-EINVAL, err, errlen, "%s: not the same format as %s", paths[i], paths[0]);
                        goto out;
                }
                fmt = f;
        }
        d->info.n_files = n_paths;
        if (fmt == DUMP_FORMAT_ELF)
                for (unsigned i = 0; i < n_paths; i++) {
                        r = elf_check_header(d->fds[i], err, errlen);
                        if (r < 0)
                                goto out;
                }
        if (n_paths > 1 && fmt == DUMP_FORMAT_KDUMP)
                sort_split_set(d);
        r = fmt == DUMP_FORMAT_FLATTENED ? open_flattened(d, err, errlen) : open_libkdumpfile(d, err, errlen);
        if (r < 0)
                goto out;
        if (!d->info.page_size)
                d->info.page_size = 4096;
        d->kmem = (struct kmem){ dump_kmem_read, d };
        kimage_setup(d);
        pgt_setup(d);
        /* Without the window, a dump whose translation cannot be set up is
         * reported as such now rather than as unreadable memory later. */
        if (!d->kimage.valid && d->xsys && flat_xlat_ready(d) < 0) {
                r = set_error(-EBADMSG, err, errlen, "cannot set up address translation: %s",
                              addrxlat_ctx_get_err(d->xctx) ?: "unknown error");
                goto out;
        }
        *ret = d;
        return 0;
out:
        vmc_dump_free(d);
        return r;
}

void vmc_dump_free(struct vmc_dump *d) {
        if (!d)
                return;
        /* After a failed open, and for diskdump files, the context is leaked
         * on purpose: freeing it crashes libkdumpfile 0.5.1. */
        if (d->kctx && !d->kctx_broken)
                kdump_free(d->kctx);
        if (d->xsys)
                addrxlat_sys_decref(d->xsys);
        if (d->xctx)
                addrxlat_ctx_decref(d->xctx);
        kdumpc_free(d->kdumpc);
        free(d->loads);
        flat_free(d->flat);
        for (unsigned i = 0; i < PAGE_CACHE_SLOTS; i++)
                free(d->cache[i].data);
        for (unsigned i = 0; i < d->n_fds; i++)
                close(d->fds[i]);
        vmcoreinfo_free(d->vi);
        free(d->cpus);
        free(d);
}

const struct vmc_dump_info *vmc_dump_info(const struct vmc_dump *d) {
        return &d->info;
}

const struct vmcoreinfo *vmc_dump_vmcoreinfo(const struct vmc_dump *d) {
        return d->vi;
}

const struct kmem *vmc_dump_kmem(struct vmc_dump *d) {
        return &d->kmem;
}

size_t vmc_dump_n_cpus(const struct vmc_dump *d) {
        return d->n_cpus;
}

const struct vmc_cpu_regs *vmc_dump_cpu(const struct vmc_dump *d, size_t i) {
        return i < d->n_cpus ? &d->cpus[i] : NULL;
}
