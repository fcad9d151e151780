/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* check-config --kdump: whether memory is reserved for a capture kernel,
 * one is loaded, and the reservation fits the capture initramfs
 * (capture_initrd, or kdump-tools'/kdump-utils' image of the running
 * kernel when NULL). Prints a [kdump] section to stdout and what is wrong
 * to stderr; -ENOMEM when a crash would not be captured, -EINVAL when
 * capture_initrd cannot be read. */
int vmc_kdump_check(const char *capture_initrd);
