/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs a fuzz target over files given on the command line, for builds
 * without libFuzzer (and for replaying the seed corpus as a test). */

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
        FILE *f = fopen(path, "rb");
        uint8_t *buf;
        long n;

        if (!f) {
                perror(path);
                return 1;
        }
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        buf = malloc((size_t) n + 1);
        if (!buf || fread(buf, 1, (size_t) n, f) != (size_t) n) {
                fprintf(stderr, "%s: cannot read\n", path);
                fclose(f);
                free(buf);
                return 1;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, (size_t) n);
        free(buf);
        return 0;
}

static void run_path(const char *path, int *done, int *failed) {
        struct stat st;

        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
                DIR *d = opendir(path);
                struct dirent *de;
                while (d && (de = readdir(d))) {
                        char p[4096];
                        if (de->d_name[0] == '.')
                                continue;
                        snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
                        run_path(p, done, failed);
                }
                if (d)
                        closedir(d);
                return;
        }
        *failed += run_file(path);
        (*done)++;
}

int main(int argc, char **argv) {
        int failed = 0, done = 0;

        for (int i = 1; i < argc; i++)
                run_path(argv[i], &done, &failed);
        printf("fuzz replay: %d passed, %d failed\n", done - failed, failed);
        return failed ? 1 : 0;
}
