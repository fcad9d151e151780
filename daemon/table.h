/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Rows of text cells, printed as an aligned table for a terminal or as
 * tab-separated values for scripts. */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum vmc_output {
        VMC_OUTPUT_AUTO,                /* a table on a terminal, TSV elsewhere */
        VMC_OUTPUT_TABLE,
        VMC_OUTPUT_TSV,
        VMC_OUTPUT_JSON,
};

/* AUTO resolved for f. */
enum vmc_output vmc_output_resolve(enum vmc_output o, FILE *f);

struct vmc_table;

struct vmc_table *vmc_table_new(size_t n_columns, const char *const *headers);
void vmc_table_free(struct vmc_table *t);
/* Copies n_columns cells (NULL prints as "-"). */
int vmc_table_add(struct vmc_table *t, const char *const *cells);
/* Aligned: columns padded to their widest cell but the last; TSV: the
 * header, then the rows, tabs and newlines in cells turned into spaces. */
int vmc_table_print(const struct vmc_table *t, bool aligned, FILE *f);
