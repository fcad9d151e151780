/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target: the whole log analysis (log model, titles, events,
 * fingerprints) and both renderings, on arbitrary bytes. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* The compiled rules are built once; a fuzzer process runs millions
         * of inputs. */
        static struct vmc_analyzer *analyzer;
        struct vmc_report *report = NULL;
        struct klog *log = NULL;
        json_object *o;
        FILE *devnull;

        if (!analyzer) {
                char err[512] = "";
                if (vmc_analyzer_new(&analyzer, err, sizeof(err)) < 0) {
                        fprintf(stderr, "analyzer: %s\n", err);
                        abort();
                }
        }
        if (klog_from_buffer(data, size, &log) < 0)
                return 0;
        if (vmc_analyze_log(analyzer, log, "fuzz", &report) < 0)
                return 0;

        o = vmc_report_to_json(report);
        if (o) {
                (void) json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
                json_object_put(o);
        }
        devnull = fopen("/dev/null", "w");
        if (devnull) {
                vmc_report_print(report, devnull);
                fclose(devnull);
        }
        vmc_report_free(report);
        return 0;
}
