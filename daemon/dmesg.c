/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "dump.h"
#include "kdumpdir.h"
#include "log.h"
#include "printk.h"
#include "strbuf.h"
#include "util.h"

static void help(void) {
        printf("Usage: vmcored dmesg [OPTIONS] DUMP [DUMP...]\n"
               "\n"
               "Print the kernel log kept in a crash dump's memory (the printk buffer), in the\n"
               "format of 'makedumpfile --dump-dmesg' (Debian 12's makedumpfile 1.7.2). DUMP\n"
               "is /proc/vmcore, an ELF, kdump-compressed or flattened dump, the files of a\n"
               "--split set, or a kdump directory.\n"
               "\n"
               "Options:\n"
               "  -c, --caller-id   show caller ids as makedumpfile 1.7.5 and later do\n"
               "  -k, --kernel      the kernel's console format: prefix on every line,\n"
               "                    bytes unescaped, caller ids as [    T1]\n"
               "  -o, --output FILE write to FILE instead of standard output\n"
               "  -h, --help        show this help\n"
               "\n"
               "Exit status: 0 the whole log was printed, 1 the dump or its log cannot be read,\n"
               "2 usage error, 3 the log was printed but the buffer was damaged (records\n"
               "skipped).\n");
}

static int write_all(FILE *f, const char *buf, size_t len) {
        if (len > 0 && fwrite(buf, 1, len, f) != len)
                return -errno;
        return fflush(f) == 0 ? 0 : -errno;
}

int cmd_dmesg(int argc, char **argv) {
        static const struct option options[] = {
                { "caller-id", no_argument, NULL, 'c' },
                { "kernel", no_argument, NULL, 'k' },
                { "output", required_argument, NULL, 'o' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        _cleanup_(strbuf_done) struct strbuf out = STRBUF_INIT;
        struct kdump_dir kd = {};
        struct vmc_dump *d = NULL;
        struct printk_log *log = NULL;
        const char *output = NULL;
        unsigned flags = 0;
        char err[512] = "";
        struct stat st;
        int c, r, ret = 1;

        optind = 1;
        while ((c = getopt_long(argc, argv, "cko:h", options, NULL)) >= 0) {
                switch (c) {
                case 'c':
                        flags |= PRINTK_FORMAT_CALLER_ID;
                        break;
                case 'k':
                        flags |= PRINTK_FORMAT_KERNEL | PRINTK_FORMAT_CALLER_ID;
                        break;
                case 'o':
                        output = optarg;
                        break;
                case 'h':
                        help();
                        return 0;
                default:
                        return EXIT_USAGE;
                }
        }
        if (optind >= argc) {
                log_error("dmesg: no dump given");
                return EXIT_USAGE;
        }

        if (argc - optind == 1 && stat(argv[optind], &st) == 0 && S_ISDIR(st.st_mode)) {
                r = kdump_dir_scan(argv[optind], &kd);
                if (r < 0 || kd.n_dumps == 0) {
                        log_error("%s: no crash dump in this directory", argv[optind]);
                        return 1;
                }
                r = vmc_dump_open((unsigned) kd.n_dumps, (const char *const *) kd.dumps, &d, err, sizeof(err));
        } else
                r = vmc_dump_open((unsigned) (argc - optind), (const char *const *) argv + optind, &d, err,
                                  sizeof(err));
        if (r < 0) {
                log_error("%s", *err ? err : strerror(-r));
                goto out;
        }
        r = printk_read(vmc_dump_vmcoreinfo(d), vmc_dump_kmem(d), &log, err, sizeof(err));
        if (r < 0) {
                log_error("%s: %s", argv[optind], *err ? err : strerror(-r));
                goto out;
        }
        r = printk_format(log, flags, &out);
        if (r < 0) {
                log_error_errno(r, "formatting the log");
                goto out;
        }
        if (output) {
                FILE *f = fopen(output, "we");
                if (!f) {
                        log_error_errno(-errno, "%s", output);
                        goto out;
                }
                r = write_all(f, out.buf, out.len);
                if (fclose(f) != 0 && r >= 0)
                        r = -errno;
        } else
                r = write_all(stdout, out.buf, out.len);
        if (r < 0) {
                log_error_errno(r, "%s", output ? output : "standard output");
                goto out;
        }
        ret = 0;
        if (printk_log_partial(log)) {
                log_warning("%s: the printk buffer is damaged: %zu records skipped%s", argv[optind], log->n_corrupt,
                            log->truncated ? ", walk stopped early" : "");
                ret = EXIT_PARTIAL;
        }
out:
        printk_log_free(log);
        vmc_dump_free(d);
        kdump_dir_done(&kd);
        return ret;
}
