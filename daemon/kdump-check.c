/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* check-config --kdump, on the first kernel: is a capture kernel ready, and
 * does its memory fit its initramfs? A crashkernel= too small does not
 * fail until the crash, and then the capture kernel cannot unpack its
 * initramfs and nothing is captured; this says so before.
 *
 * The estimate comes from measurements (Debian 6.1 x86_64 guests, see
 * README): the capture kernel itself takes about 64 MiB, and while it
 * unpacks, the compressed archive, the files and what the capture job
 * then needs come to about 7 times the compressed size. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kdump-check.h"
#include "log.h"
#include "util.h"

#define MIB (1024ULL * 1024ULL)
#define KERNEL_BASE_MIB 64ULL
#define INITRD_FACTOR 7ULL

/* Test hooks, as systemd's $SYSTEMD_PROC_CMDLINE: where the kernel's
 * files are. */
static const char *path_or(const char *env, const char *def) {
        const char *p = getenv(env);
        return p && *p ? p : def;
}

static int read_u64(const char *path, uint64_t *ret) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        unsigned long long v;

        if (!f)
                return -errno;
        if (fscanf(f, "%llu", &v) != 1)
                return -EBADMSG;
        *ret = v;
        return 0;
}

/* The crashkernel= argument, or "" when there is none. */
static void cmdline_crashkernel(const char *path, char *buf, size_t len) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char line[8192], *p;

        *buf = '\0';
        if (!f || !fgets(line, sizeof(line), f))
                return;
        for (p = strtok(line, " \t\n"); p; p = strtok(NULL, " \t\n"))
                if (strncmp(p, "crashkernel=", 12) == 0)
                        snprintf(buf, len, "%s", p + 12);
}

/* kdump-tools' and kdump-utils' capture initramfs of the running kernel. */
static const char *find_capture_initrd(char *buf, size_t len) {
        struct utsname u;

        if (uname(&u) < 0)
                return NULL;
        snprintf(buf, len, "/var/lib/kdump/initrd.img-%s", u.release);
        if (access(buf, R_OK) == 0)
                return buf;
        snprintf(buf, len, "/boot/initramfs-%skdump.img", u.release);
        if (access(buf, R_OK) == 0)
                return buf;
        return NULL;
}

static inline void pclosep(FILE **f) {
        if (*f)
                pclose(*f);
}
#define _cleanup_pclose_ _cleanup_(pclosep)

/* Whether the kallsyms file lists sym as a text symbol. */
static int kallsyms_has(FILE *f, const char *sym) {
        char line[512];

        rewind(f);
        while (fgets(line, sizeof(line), f)) {
                char type, name[256];
                if (sscanf(line, "%*s %c %255s", &type, name) == 2 && (type == 'T' || type == 't') &&
                    streq_ptr(name, sym))
                        return 1;
        }
        return ferror(f) ? -EIO : 0;
}

/* "kexec-tools 2.0.25", or "" when kexec is not found. */
static void kexec_version(char *buf, size_t len) {
        _cleanup_pclose_ FILE *p = NULL;
        const char *kexec = getenv("VMCORED_KEXEC");
        char cmd[512];

        *buf = '\0';
        if (!kexec || !*kexec)
                kexec = access("/usr/sbin/kexec", X_OK) == 0 ? "/usr/sbin/kexec"
                        : access("/sbin/kexec", X_OK) == 0  ? "/sbin/kexec"
                                                            : NULL;
        if (!kexec || strpbrk(kexec, "'\\"))
                return;
        snprintf(cmd, sizeof(cmd), "'%s' --version 2>/dev/null", kexec);
        p = popen(cmd, "re");
        if (p && fgets(buf, (int) len, p))
                buf[strcspn(buf, "\n")] = '\0';
        if (!*buf)
                snprintf(buf, len, "kexec (%s)", kexec);
}

int vmc_kexec_kallsyms_check(bool print) {
        const char *arch = getenv("VMCORED_ARCH");
        const char *path = path_or("VMCORED_PROC_KALLSYMS", "/proc/kallsyms");
        const char *fixed = path_or("VMCORED_KALLSYMS_COPY", "/run/vmcored/kallsyms");
        _cleanup_fclose_ FILE *f = NULL, *copy = NULL;
        char version[256];
        struct utsname u;
        int r;

        if (!arch || !*arch)
                arch = uname(&u) == 0 ? u.machine : "";
        if (!streq_ptr(arch, "aarch64"))
                return 0;
        f = fopen(path, "re");
        if (!f)
                return 0; /* no kallsyms (CONFIG_KALLSYMS unset): kexec cannot look it up either */
        r = kallsyms_has(f, "_text");
        if (r != 0)
                return 0;
        if (kallsyms_has(f, "_stext") <= 0)
                return 0;
        kexec_version(version, sizeof(version));
        copy = fopen(fixed, "re");
        if (copy && kallsyms_has(copy, "_text") > 0) {
                if (print)
                        printf("kallsyms_text = missing; kexec is given %s (vmcored-kallsyms.service)\n", fixed);
                return 0;
        }
        if (print)
                printf("kallsyms_text = missing\n");
        log_warning("this arm64 kernel's %s lists no _text (the kernel is built without CONFIG_KALLSYMS_ALL), "
                    "and %s takes the kernel's start from _text when it loads the capture kernel (kexec -p): "
                    "after a crash, /proc/vmcore would claim about 2^64 bytes (the kernel's PT_LOAD at "
                    "p_vaddr 0xffffffffffffffff) and no dump could be read. Enable vmcored-kallsyms.service "
                    "(kdump-tools.service and kdump.service pull it in; it gives kexec a copy of kallsyms "
                    "with _text = _stext - 0x10000) and reload kdump, or build the kernel with "
                    "CONFIG_KALLSYMS_ALL=y",
                    path, *version ? version : "kexec-tools");
        return -ENOEXEC;
}

int vmc_kdump_check(const char *capture_initrd) {
        const char *sys = path_or("VMCORED_SYS_KERNEL", "/sys/kernel");
        char path[4096], ck[256], found[4096];
        uint64_t reserved = 0, loaded = 0;
        int errors = 0, r;

        cmdline_crashkernel(path_or("VMCORED_PROC_CMDLINE", "/proc/cmdline"), ck, sizeof(ck));
        snprintf(path, sizeof(path), "%s/kexec_crash_size", sys);
        r = read_u64(path, &reserved);
        if (r < 0 && r != -ENOENT)
                log_warning("%s: %s", path, strerror(-r));
        snprintf(path, sizeof(path), "%s/kexec_crash_loaded", sys);
        if (read_u64(path, &loaded) < 0)
                loaded = 0;

        printf("\n[kdump]\ncrashkernel = %s\nreserved = %llu MiB\ncapture_kernel_loaded = %s\n", *ck ? ck : "(none)",
               (unsigned long long) (reserved / MIB), loaded ? "yes" : "no");
        if (reserved == 0) {
                log_error("no memory is reserved for a capture kernel (%s): a crash cannot be captured; add "
                          "crashkernel= to the kernel command line and reboot",
                          *ck ? "crashkernel= is on the command line, but the kernel reserved nothing"
                              : "no crashkernel= on the kernel command line");
                errors++;
        } else if (!loaded) {
                log_error("no capture kernel is loaded (kexec -p): is kdump-tools or kdump enabled?");
                errors++;
        }

        if (!capture_initrd)
                capture_initrd = find_capture_initrd(found, sizeof(found));
        if (capture_initrd) {
                struct stat st;
                uint64_t need;

                if (stat(capture_initrd, &st) < 0) {
                        log_error_errno(-errno, "%s", capture_initrd);
                        return -EINVAL;
                }
                /* Rounded up to 8 MiB, as crashkernel= sizes go. */
                need = KERNEL_BASE_MIB + (INITRD_FACTOR * (uint64_t) st.st_size + MIB - 1) / MIB;
                need = (need + 7) / 8 * 8;
                printf("capture_initramfs = %s (%.1f MiB)\nneeds_about = %llu MiB\n", capture_initrd,
                       (double) st.st_size / MIB, (unsigned long long) need);
                if (reserved > 0 && reserved / MIB < need) {
                        log_error("crashkernel reserves %llu MiB, but the capture initramfs %s (%.1f MiB) needs "
                                  "about %llu MiB: the capture kernel would fail to unpack it and capture "
                                  "nothing; raise crashkernel= to %lluM or make the initramfs smaller",
                                  (unsigned long long) (reserved / MIB), capture_initrd, (double) st.st_size / MIB,
                                  (unsigned long long) need, (unsigned long long) need);
                        errors++;
                }
        } else
                printf("capture_initramfs = (not found)\n");
        /* A capture kernel loaded from a header without _text is one no
         * tool can read after the crash. */
        if (vmc_kexec_kallsyms_check(true) < 0 && loaded)
                errors++;
        return errors > 0 ? -ENOMEM : 0;
}
