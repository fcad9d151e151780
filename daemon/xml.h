/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The small XML answers of S3 (ListObjectsV2, InitiateMultipartUpload,
 * CompleteMultipartUpload, Error), read with libexpat, which is loaded
 * when first needed like libcurl. Each element's text is handed over with
 * its path from the root ("ListBucketResult/Contents/Key"), at the
 * element's end, entities decoded. */

#include <stddef.h>

typedef int (*vmc_xml_text_fn)(const char *path, const char *text, size_t len, void *userdata);

/* A callback's negative return stops the parse and is returned. -EBADMSG
 * with err set for a document that is not XML. */
int vmc_xml_parse(const char *doc, size_t len, vmc_xml_text_fn fn, void *userdata, char *err, size_t errlen);
