/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* check-config --kdump: whether memory is reserved for a capture kernel,
 * one is loaded, and the reservation fits the capture initramfs
 * (capture_initrd, or kdump-tools'/kdump-utils' image of the running
 * kernel when NULL). Prints a [kdump] section to stdout and what is wrong
 * to stderr; -ENOMEM when a crash would not be captured, -EINVAL when
 * capture_initrd cannot be read. */
int vmc_kdump_check(const char *capture_initrd);

/* arm64: whether kexec-tools would find _text in /proc/kallsyms. Without it
 * (kernels without CONFIG_KALLSYMS_ALL, as Debian 12's), every kexec-tools
 * release up to 2.0.32 writes the capture kernel's ELF core header with the
 * kernel's PT_LOAD at p_vaddr ~0, and /proc/vmcore is unreadable. Prints
 * "kallsyms_text = ..." (when print) and warns; -ENOEXEC when the capture kernel would
 * be loaded that way (vmcored-kallsyms.service's copy is not there), 0
 * otherwise (not arm64, _text listed, or the copy in place). */
int vmc_kexec_kallsyms_check(bool print);
