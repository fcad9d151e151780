/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "table.h"
#include "util.h"

struct vmc_table {
        size_t n_columns, n_rows, cap;
        char **cells;                   /* n_rows + 1 (the header) rows */
};

enum vmc_output vmc_output_resolve(enum vmc_output o, FILE *f) {
        if (o != VMC_OUTPUT_AUTO)
                return o;
        return isatty(fileno(f)) ? VMC_OUTPUT_TABLE : VMC_OUTPUT_TSV;
}

void vmc_table_free(struct vmc_table *t) {
        if (!t)
                return;
        for (size_t i = 0; i < (t->n_rows + 1) * t->n_columns; i++)
                free(t->cells[i]);
        free(t->cells);
        free(t);
}

/* One line per cell, whatever the title holds. */
static char *cell_dup(const char *s) {
        char *c = strdup(s ? s : "-");
        for (char *p = c; p && *p; p++)
                if (*p == '\t' || *p == '\n' || *p == '\r')
                        *p = ' ';
        return c;
}

static int add_row(struct vmc_table *t, const char *const *cells, size_t row) {
        if (row * t->n_columns + t->n_columns > t->cap) {
                size_t cap = MAX(t->cap * 2, t->n_columns * 64);
                char **nv = realloc(t->cells, cap * sizeof(char *));
                if (!nv)
                        return -ENOMEM;
                t->cells = nv;
                t->cap = cap;
        }
        for (size_t i = 0; i < t->n_columns; i++) {
                t->cells[row * t->n_columns + i] = cell_dup(cells[i]);
                if (!t->cells[row * t->n_columns + i]) {
                        while (i-- > 0)
                                free(t->cells[row * t->n_columns + i]);
                        return -ENOMEM;
                }
        }
        return 0;
}

struct vmc_table *vmc_table_new(size_t n_columns, const char *const *headers) {
        struct vmc_table *t = calloc(1, sizeof(*t));

        if (!t)
                return NULL;
        t->n_columns = n_columns;
        if (add_row(t, headers, 0) < 0) {
                free(t->cells);
                free(t);
                return NULL;
        }
        return t;
}

int vmc_table_add(struct vmc_table *t, const char *const *cells) {
        int r = add_row(t, cells, t->n_rows + 1);
        if (r >= 0)
                t->n_rows++;
        return r;
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t width(const char *s) {
        size_t w = 0;
        for (; *s; s++)
                w += ((unsigned char) *s & 0xc0) != 0x80;
        return w;
}

int vmc_table_print(const struct vmc_table *t, bool aligned, FILE *f) {
        _cleanup_free_ size_t *w = calloc(t->n_columns, sizeof(size_t));

        if (!w)
                return -ENOMEM;
        for (size_t r = 0; aligned && r <= t->n_rows; r++)
                for (size_t c = 0; c < t->n_columns; c++)
                        w[c] = MAX(w[c], width(t->cells[r * t->n_columns + c]));
        for (size_t r = 0; r <= t->n_rows; r++)
                for (size_t c = 0; c < t->n_columns; c++) {
                        const char *cell = t->cells[r * t->n_columns + c];
                        bool last = c + 1 == t->n_columns;
                        if (!aligned)
                                fprintf(f, "%s%c", cell, last ? '\n' : '\t');
                        else if (last)
                                fprintf(f, "%s\n", cell);
                        else
                                fprintf(f, "%s%*s  ", cell, (int) (w[c] - width(cell)), "");
                }
        return ferror(f) ? -EIO : 0;
}
