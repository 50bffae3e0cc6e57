/* SPDX-License-Identifier: MIT */
/*
 * mapdata.h - the bundle's maps.bin: the initial contents of the policy's
 * POLICY maps (sets; later forward maps), filled by fwld before the switch.
 *
 * Format (docs/bundle.md), host byte order:
 *	"FWLMAPS\0"  u32 version (1)  u32 records
 *	record: char name[32]  u32 key_size  u32 value_size  u32 count
 *	        count × (key bytes, value bytes)
 */
#ifndef FWL_FWLC_MAPDATA_H
#define FWL_FWLC_MAPDATA_H

#include <stdio.h>

#include "fwlc/ir.h"

#define FWL_MAPDATA_VERSION 1

/* Write the contents of ir's sets to f.  Returns 0 or -errno. */
int mapdata_write(FILE *f, const struct ir_prog *ir);

#endif
