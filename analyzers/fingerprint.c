/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The low-level digest functions are deprecated in OpenSSL 3 in favour of
 * EVP, but EVP (and the one-shot SHA256(), which is EVP_Q_digest() in 3.0)
 * loads the provider machinery: about 1.5 ms, more than the rest of a dump
 * analysis, and with a static libcrypto several MiB of code. The
 * Init/Update/Final functions run the same digest code without it. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <errno.h>
#include <openssl/sha.h>
#include <stdio.h>

#include "fingerprint.h"
#include "util.h"

/* Entry code and dispatchers: the chain of frames stops here, since what
 * lies below depends on how the function was reached, not on the bug. */
static const char *const entry_prefixes[] = {
        "entry_", "do_syscall_", "do_fast_syscall", "__do_fast_syscall", "x64_sys_call",
        "invoke_syscall", "el0_", "el0t_", "el1_", "el1h_", "ret_from_fork", "kthread",
        "worker_thread", "process_one_work", "smpboot_thread_fn", "asm_", "exc_", "sysvec_",
        "__sysvec_", "common_interrupt", "handle_softirqs", "__do_softirq", "do_softirq",
        "irq_exit", "__irq_exit_rcu", "call_on_irq_stack", "cpu_startup_entry", "start_secondary",
        "secondary_startup", "do_idle", "rest_init", "start_kernel", "syscall_exit_",
        "ret_fast_syscall", "vector_swi",
        NULL
};

static bool is_entry(const char *name) {
        for (size_t i = 0; entry_prefixes[i]; i++)
                if (strncmp(name, entry_prefixes[i], strlen(entry_prefixes[i])) == 0)
                        return true;
        return false;
}

size_t title_class_len(const char *title) {
        const char *in = NULL;

        for (const char *p = strstr(title, " in "); p; p = strstr(p + 1, " in "))
                in = p;
        return in ? (size_t) (in - title) : strlen(title);
}

char *frame_canonical_name(const char *function) {
        _cleanup_free_ char *base = strndup(function, frame_base_name_len(function));
        if (!base)
                return NULL;
        return strdup(title_strip_syscall_prefix(base));
}

/* The reliable frames of an event, RIP first, as canonical names. */
static int reliable_names(const struct oops_event *ev, char ***ret, size_t *n_ret) {
        char **v = calloc(ev->n_frames + 1, sizeof(char *));
        size_t n = 0;

        if (!v)
                return -ENOMEM;
        if (ev->has_rip && ev->rip.function)
                v[n++] = frame_canonical_name(ev->rip.function);
        for (size_t i = 0; i < ev->n_frames; i++)
                if (ev->frames[i].reliable && ev->frames[i].function)
                        v[n++] = frame_canonical_name(ev->frames[i].function);
        for (size_t i = 0; i < n; i++)
                if (!v[i]) {
                        for (size_t k = 0; k < n; k++)
                                free(v[k]);
                        free(v);
                        return -ENOMEM;
                }
        *ret = v;
        *n_ret = n;
        return 0;
}

int fingerprint_material(struct title_engine *te, const struct oops_event *ev, struct strbuf *out) {
        char **names = NULL;
        size_t n = 0, taken = 0;
        ssize_t start = -1;
        int r;

        if (!ev->title)
                return -EINVAL;

        r = strbuf_printf(out, "%s\n", FINGERPRINT_SCHEMA);
        if (r >= 0)
                r = strbuf_append(out, ev->title, title_class_len(ev->title));
        if (r >= 0)
                r = strbuf_putc(out, '\n');
        if (r < 0)
                return r;

        r = reliable_names(ev, &names, &n);
        if (r < 0)
                return r;

        if (ev->frame && strcmp(ev->frame, "corrupted") != 0) {
                _cleanup_free_ char *guilty = frame_canonical_name(ev->frame);
                if (!guilty) {
                        r = -ENOMEM;
                        goto out;
                }
                for (size_t i = 0; i < n && start < 0; i++)
                        if (strcmp(names[i], guilty) == 0)
                                start = (ssize_t) i;
                if (start < 0) {
                        /* The title names a function the trace does not show
                         * (lockdep "at:" lines, a lost trace): it alone. */
                        r = strbuf_printf(out, "%s\n", guilty);
                        goto out;
                }
        }

        const char *prev = NULL;
        for (size_t i = start < 0 ? 0 : (size_t) start; i < n && taken < FINGERPRINT_FRAMES; i++) {
                if (is_entry(names[i]))
                        break;
                /* Without a guilty frame, start at the first frame that says
                 * something (not panic/dump_stack plumbing). */
                if (start < 0 && taken == 0 && title_frame_is_generic(te, names[i]))
                        continue;
                if (prev && strcmp(prev, names[i]) == 0)
                        continue; /* recursion adds nothing */
                r = strbuf_printf(out, "%s\n", names[i]);
                if (r < 0)
                        goto out;
                prev = names[i];
                taken++;
        }
out:
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
        return r;
}

enum digest { DIGEST_SHA1, DIGEST_SHA256 };

static int digest_hex(enum digest type, const void *data, size_t len, size_t hex_len, char **ret) {
        unsigned char md[SHA256_DIGEST_LENGTH];
        size_t md_len;
        char *hex;

        if (type == DIGEST_SHA256) {
                SHA256_CTX c;

                if (!SHA256_Init(&c) || !SHA256_Update(&c, data, len) || !SHA256_Final(md, &c))
                        return -EIO;
                md_len = SHA256_DIGEST_LENGTH;
        } else {
                SHA_CTX c;

                if (!SHA1_Init(&c) || !SHA1_Update(&c, data, len) || !SHA1_Final(md, &c))
                        return -EIO;
                md_len = SHA_DIGEST_LENGTH;
        }
        hex_len = MIN(hex_len, md_len * 2);
        hex = malloc(hex_len + 1);
        if (!hex)
                return -ENOMEM;
        for (size_t i = 0; i < hex_len; i++)
                hex[i] = "0123456789abcdef"[(md[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
        hex[hex_len] = 0;
        *ret = hex;
        return 0;
}

int fingerprint_compute(struct title_engine *te, const struct oops_event *ev, char **ret) {
        struct strbuf m = STRBUF_INIT;
        _cleanup_free_ char *hex = NULL;
        int r;

        *ret = NULL;
        if (!ev->title)
                return 0;
        r = fingerprint_material(te, ev, &m);
        if (r >= 0)
                r = digest_hex(DIGEST_SHA256, m.buf, m.len, 16, &hex);
        strbuf_done(&m);
        if (r < 0)
                return r;
        if (asprintf(ret, "%s-%s", FINGERPRINT_SCHEMA, hex) < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 0;
}

int koops_duphash(const struct oops_event *ev, char **ret) {
        struct strbuf text = STRBUF_INIT;
        size_t taken = 0;
        int r = 0;

        *ret = NULL;
        /* satyr in ABRT-compatible mode: unreliable frames are left out, the
         * name is taken as printed (up to "+0x"), the RIP frame comes first. */
        if (ev->has_rip && ev->rip.function) {
                r = strbuf_printf(&text, "%s\n", ev->rip.function);
                taken++;
        }
        for (size_t i = 0; i < ev->n_frames && taken < KOOPS_DUPHASH_FRAMES && r >= 0; i++) {
                if (!ev->frames[i].reliable || !ev->frames[i].function)
                        continue;
                r = strbuf_printf(&text, "%s\n", ev->frames[i].function);
                taken++;
        }
        if (r >= 0 && taken > 0)
                r = digest_hex(DIGEST_SHA1, text.buf, text.len, 40, ret);
        strbuf_done(&text);
        return r;
}
