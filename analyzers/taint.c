/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stddef.h>

#include "taint.h"
#include "util.h"

static const struct taint_flag flags[] = {
        { 'P', "PROPRIETARY_MODULE", "a proprietary module was loaded", true },
        { 'F', "FORCED_MODULE", "a module was force-loaded", true },
        { 'S', "CPU_OUT_OF_SPEC", "the CPU runs out of its specification (or SMP with unsafe CPUs)", false },
        { 'R', "FORCED_RMMOD", "a module was force-unloaded", false },
        { 'M', "MACHINE_CHECK", "the CPU reported a machine check", false },
        { 'B', "BAD_PAGE", "a bad page was found (page allocator or memory corruption)", false },
        { 'U', "USER", "user space asked to taint the kernel", false },
        { 'D', "DIE", "the kernel oopsed before", false },
        { 'A', "OVERRIDDEN_ACPI_TABLE", "an ACPI table was overridden", false },
        { 'W', "WARN", "the kernel warned before", false },
        { 'C', "CRAP", "a staging driver was loaded", true },
        { 'I', "FIRMWARE_WORKAROUND", "a firmware bug is being worked around", false },
        { 'O', "OOT_MODULE", "an out-of-tree module was loaded", true },
        { 'E', "UNSIGNED_MODULE", "an unsigned module was loaded", true },
        { 'L', "SOFTLOCKUP", "a soft lockup happened before", false },
        { 'K', "LIVEPATCH", "the kernel is live-patched", false },
        { 'X', "AUX", "an auxiliary taint (distribution-defined)", false },
        { 'T', "RANDSTRUCT", "the kernel was built with structure randomization", false },
        { 'N', "TEST", "a test module was loaded", false },
};

const struct taint_flag *taint_flag(char letter) {
        for (size_t i = 0; i < ELEMENTSOF(flags); i++)
                if (flags[i].letter == letter)
                        return &flags[i];
        return NULL;
}
