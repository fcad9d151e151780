/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <lzo/lzo1x.h>
#include <stdarg.h>
#include <stdio.h>
#include <zlib.h>
#if HAVE_ZSTD
#include <zstd.h>
#endif
#if HAVE_SNAPPY
#include <snappy-c.h>
#endif

#include "kdumpc.h"
#include "kmem.h"
#include "util.h"

/* Layout of the 64-bit headers (diskdump_mod.h in makedumpfile). */
#define DH_SIGNATURE 0
#define DH_VERSION 8
#define DH_UTSNAME 12           /* 6 x 65 bytes */
#define DH_UTS_MACHINE (DH_UTSNAME + 4 * 65)
#define DH_STATUS 424
#define DH_BLOCK_SIZE 428
#define DH_SUB_HDR_SIZE 432
#define DH_BITMAP_BLOCKS 436
#define DH_MAX_MAPNR 440
#define DH_SIZE 464

#define SH_PHYS_BASE 0
#define SH_SPLIT 12
#define SH_OFFSET_VMCOREINFO 32
#define SH_SIZE_VMCOREINFO 40
#define SH_OFFSET_NOTE 48
#define SH_SIZE_NOTE 56
#define SH_MAX_MAPNR_64 96
#define SH_SIZE 104

/* The header status holds the compression flag and, for a dump makedumpfile
 * could not finish (e.g. ENOSPC), DUMP_DH_COMPRESSED_INCOMPLETE. */
#define DUMP_HEADER_INCOMPLETE 0x8
#define PD_SIZE 24
#define PD_ZLIB 0x1
#define PD_LZO 0x2
#define PD_SNAPPY 0x4
#define PD_ZSTD 0x20

/* Notes and VMCOREINFO are a few KiB; refuse what cannot be real. */
#define KDUMPC_MAX_META (16U << 20)
/* One popcount per bitmap block of 4 KiB (32768 pages): a prefix table
 * makes finding a page's descriptor cheap without holding the bitmap. */
#define BITMAP_CHUNK 4096U

struct kdumpc {
        kdumpc_pread_fn pread_fn;
        void *userdata;
        uint64_t file_size;
        struct kdumpc_info info;
        char *vmcoreinfo;
        size_t vmcoreinfo_len;
        uint8_t *notes;
        size_t notes_len;
        uint64_t bitmap2_off;           /* the "dumped pages" bitmap */
        uint64_t bitmap_len;            /* bytes of one bitmap */
        uint64_t *rank;                 /* set bits before each chunk, lazily */
        uint64_t n_chunks;
        uint64_t desc_off;
        uint8_t *cbuf;                  /* compressed page */
        uint8_t *chunk;                 /* cached bitmap chunk */
        uint64_t chunk_no;
        bool chunk_valid;
};

static int read_meta(struct kdumpc *k, uint64_t off, uint64_t len, void **ret) {
        uint8_t *b;
        int r;

        if (len > KDUMPC_MAX_META || off > k->file_size || len > k->file_size - off)
                return -EBADMSG;
        b = malloc(len + 1);
        if (!b)
                return -ENOMEM;
        r = k->pread_fn(k->userdata, b, len, off);
        if (r < 0) {
                free(b);
                return r;
        }
        b[len] = 0;
        *ret = b;
        return 0;
}

int kdumpc_open(kdumpc_pread_fn pread_fn, void *userdata, uint64_t file_size, struct kdumpc **ret, char *err,
                size_t errlen) {
        uint8_t dh[DH_SIZE], sh[SH_SIZE];
        struct kdumpc *k;
        uint32_t bs, sub_blocks, bitmap_blocks, version;
        int r;

        r = pread_fn(userdata, dh, sizeof(dh), 0);
        if (r < 0)
                return set_error(-EBADMSG, err, errlen, "cannot read the kdump header: %s", strerror(-r));
        if (memcmp(dh, "KDUMP   ", 8) != 0)
                return set_error(-EBADMSG, err, errlen, "no kdump-compressed header");
        version = kmem_le32(dh + DH_VERSION);
        bs = kmem_le32(dh + DH_BLOCK_SIZE);
        sub_blocks = kmem_le32(dh + DH_SUB_HDR_SIZE);
        bitmap_blocks = kmem_le32(dh + DH_BITMAP_BLOCKS);
        if (bs < 1024 || bs > 65536 || (bs & (bs - 1)))
                return set_error(-EBADMSG, err, errlen,
                            "kdump header has block size %" PRIu32 " (corrupt, big-endian or 32-bit dump)", bs);
        if (version < 3 || sub_blocks == 0 || sub_blocks > 1024 || bitmap_blocks == 0)
                return set_error(-EBADMSG, err, errlen, "unsupported or corrupt kdump header (version %" PRIu32 ")", version);

        k = calloc(1, sizeof(*k));
        if (!k)
                return -ENOMEM;
        k->pread_fn = pread_fn;
        k->userdata = userdata;
        k->file_size = file_size;
        memcpy(k->info.machine, dh + DH_UTS_MACHINE, 64);
        k->info.block_size = bs;
        k->info.incomplete = kmem_le32(dh + DH_STATUS) & DUMP_HEADER_INCOMPLETE;
        k->info.max_mapnr = kmem_le32(dh + DH_MAX_MAPNR);

        r = pread_fn(userdata, sh, sizeof(sh), bs);
        if (r < 0) {
                r = set_error(-EBADMSG, err, errlen, "cannot read the kdump sub-header: %s", strerror(-r));
                goto out;
        }
        k->info.phys_base = kmem_le64(sh + SH_PHYS_BASE);
        if (kmem_le32(sh + SH_SPLIT) != 0) {
                r = set_error(-EPROTONOSUPPORT, err, errlen, "one file of a --split set; give all of them");
                goto out;
        }
        if (version >= 6)
                k->info.max_mapnr = kmem_le64(sh + SH_MAX_MAPNR_64);

        r = read_meta(k, kmem_le64(sh + SH_OFFSET_VMCOREINFO), kmem_le64(sh + SH_SIZE_VMCOREINFO),
                      (void **) &k->vmcoreinfo);
        if (r < 0) {
                r = set_error(-EBADMSG, err, errlen, "cannot read VMCOREINFO from the kdump header");
                goto out;
        }
        k->vmcoreinfo_len = kmem_le64(sh + SH_SIZE_VMCOREINFO);
        if (version >= 4 && kmem_le64(sh + SH_SIZE_NOTE) > 0) {
                r = read_meta(k, kmem_le64(sh + SH_OFFSET_NOTE), kmem_le64(sh + SH_SIZE_NOTE), (void **) &k->notes);
                if (r < 0) {
                        r = set_error(-EBADMSG, err, errlen, "cannot read the ELF notes from the kdump header");
                        goto out;
                }
                k->notes_len = kmem_le64(sh + SH_SIZE_NOTE);
        }

        k->bitmap_len = (uint64_t) bitmap_blocks * bs / 2;
        k->bitmap2_off = (1 + (uint64_t) sub_blocks) * bs + k->bitmap_len;
        k->desc_off = (1 + (uint64_t) sub_blocks + bitmap_blocks) * bs;
        if (k->desc_off > file_size || k->info.max_mapnr > k->bitmap_len * 8 ||
            k->info.max_mapnr > (UINT64_C(1) << 36)) {
                r = set_error(-EBADMSG, err, errlen, "kdump header does not fit the file (truncated or corrupt)");
                goto out;
        }
        k->n_chunks = (k->bitmap_len + BITMAP_CHUNK - 1) / BITMAP_CHUNK;
        k->rank = malloc((k->n_chunks + 1) * sizeof(uint64_t));
        k->chunk = malloc(BITMAP_CHUNK);
        k->cbuf = malloc(bs);
        if (!k->rank || !k->chunk || !k->cbuf) {
                r = -ENOMEM;
                goto out;
        }
        /* The rank table needs the whole second bitmap once (32 KiB per GiB
         * of RAM), read in chunks. */
        k->rank[0] = 0;
        for (uint64_t c = 0; c < k->n_chunks; c++) {
                size_t n = (size_t) MIN((uint64_t) BITMAP_CHUNK, k->bitmap_len - c * BITMAP_CHUNK);
                uint64_t bits = 0;
                memset(k->chunk, 0, BITMAP_CHUNK);
                r = pread_fn(userdata, k->chunk, n, k->bitmap2_off + c * BITMAP_CHUNK);
                if (r < 0) {
                        r = set_error(-EBADMSG, err, errlen, "cannot read the page bitmap: %s", strerror(-r));
                        goto out;
                }
                for (size_t i = 0; i + 8 <= BITMAP_CHUNK; i += 8)
                        bits += (uint64_t) __builtin_popcountll(kmem_le64(k->chunk + i));
                k->rank[c + 1] = k->rank[c] + bits;
        }
        if (lzo_init() != LZO_E_OK) {
                r = -EIO;
                goto out;
        }
        *ret = k;
        return 0;
out:
        kdumpc_free(k);
        return r;
}

void kdumpc_free(struct kdumpc *k) {
        if (!k)
                return;
        free(k->vmcoreinfo);
        free(k->notes);
        free(k->rank);
        free(k->chunk);
        free(k->cbuf);
        free(k);
}

const struct kdumpc_info *kdumpc_info(const struct kdumpc *k) {
        return &k->info;
}

const char *kdumpc_vmcoreinfo(const struct kdumpc *k, size_t *len) {
        *len = k->vmcoreinfo_len;
        return k->vmcoreinfo;
}

const uint8_t *kdumpc_notes(const struct kdumpc *k, size_t *len) {
        *len = k->notes_len;
        return k->notes;
}

/* Index of pfn's descriptor: set bits of the dump bitmap before it. */
static int desc_index(struct kdumpc *k, uint64_t pfn, uint64_t *ret) {
        uint64_t chunk = pfn / (BITMAP_CHUNK * 8), bit = pfn % (BITMAP_CHUNK * 8), n;
        int r;

        if (pfn >= k->info.max_mapnr || chunk >= k->n_chunks)
                return -EFAULT;
        if (!k->chunk_valid || k->chunk_no != chunk) {
                size_t len = (size_t) MIN((uint64_t) BITMAP_CHUNK, k->bitmap_len - chunk * BITMAP_CHUNK);
                memset(k->chunk, 0, BITMAP_CHUNK);
                k->chunk_valid = false;
                r = k->pread_fn(k->userdata, k->chunk, len, k->bitmap2_off + chunk * BITMAP_CHUNK);
                if (r < 0)
                        return r;
                k->chunk_no = chunk;
                k->chunk_valid = true;
        }
        if (!(k->chunk[bit / 8] & (1U << (bit % 8))))
                return -EFAULT;
        n = k->rank[chunk];
        for (uint64_t i = 0; i < bit / 64; i++)
                n += (uint64_t) __builtin_popcountll(kmem_le64(k->chunk + 8 * i));
        uint64_t w = kmem_le64(k->chunk + 8 * (bit / 64));
        n += (uint64_t) __builtin_popcountll(w & ((UINT64_C(1) << (bit % 64)) - 1));
        *ret = n;
        return 0;
}

int kdumpc_read_page(struct kdumpc *k, uint64_t pfn, void *buf) {
        uint32_t bs = k->info.block_size, size, flags;
        uint8_t pd[PD_SIZE];
        uint64_t idx, off;
        int r;

        r = desc_index(k, pfn, &idx);
        if (r < 0)
                return r;
        r = k->pread_fn(k->userdata, pd, sizeof(pd), k->desc_off + idx * PD_SIZE);
        if (r < 0)
                return r;
        off = kmem_le64(pd);
        size = kmem_le32(pd + 8);
        flags = kmem_le32(pd + 12);
        if (size == 0 || size > bs || off > k->file_size || size > k->file_size - off)
                return -EBADMSG;
        if (!(flags & (PD_ZLIB | PD_LZO | PD_SNAPPY | PD_ZSTD))) {
                if (size != bs)
                        return -EBADMSG;
                return k->pread_fn(k->userdata, buf, bs, off);
        }
        r = k->pread_fn(k->userdata, k->cbuf, size, off);
        if (r < 0)
                return r;
        if (flags & PD_ZLIB) {
                uLongf out = bs;
                if (uncompress(buf, &out, k->cbuf, size) != Z_OK || out != bs)
                        return -EBADMSG;
        } else if (flags & PD_LZO) {
                lzo_uint out = bs;
                if (lzo1x_decompress_safe(k->cbuf, size, buf, &out, NULL) != LZO_E_OK || out != bs)
                        return -EBADMSG;
        } else if (flags & PD_ZSTD) {
#if HAVE_ZSTD
                size_t out = ZSTD_decompress(buf, bs, k->cbuf, size);
                if (ZSTD_isError(out) || out != bs)
                        return -EBADMSG;
#else
                return -EPROTONOSUPPORT;
#endif
        } else {
#if HAVE_SNAPPY
                size_t out = bs;
                if (snappy_uncompress((const char *) k->cbuf, size, buf, &out) != SNAPPY_OK || out != bs)
                        return -EBADMSG;
#else
                return -EPROTONOSUPPORT;
#endif
        }
        return 0;
}
