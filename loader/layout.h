/* SPDX-License-Identifier: MIT */
/*
 * layout.h - layout versions of the pinned maps that outlive a policy
 * (FLOW and EXTERNAL, docs/bundle.md).
 *
 * A map's layout version (manifest.json maps[].layout, from maps/<family>.h)
 * is recorded when a load commits, in a small hash map pinned at
 * PIN_DIR/maps/fwl_layouts (key: the map's name, 64 bytes, NUL-padded;
 * value: __u32 version).  A later load that would reuse a pin checks it
 * against its own declaration before anything changes: another version,
 * or another type, key or value size, capacity or flags, refuses the load
 * with a sentence naming the map and both sides, and the policy that was
 * enforcing keeps enforcing.  No migration between layouts is defined yet:
 * a refused map can only be started afresh (its state is lost), which
 * takes an operator's decision (fwld --cleanup, or removing the pin).
 */
#ifndef FWL_LOADER_LAYOUT_H
#define FWL_LOADER_LAYOUT_H

#include <stddef.h>

#include "loader/bundle.h"

struct bpf_object;

#define LAYOUT_MAP_NAME "fwl_layouts"
#define LAYOUT_KEY_SIZE 64

/* Check every FLOW/EXTERNAL map of b that has a pin under PIN_DIR/maps
 * against obj's (opened, not yet loaded) definition and the recorded
 * version.  0, or -ESTALE with err saying which map and why. */
int layout_check(const struct bundle *b, struct bpf_object *obj,
		 const char *pin_dir, char *err, size_t errlen);
/* Record the versions of b's FLOW/EXTERNAL maps (after a commit).  0, or
 * -errno with err (the load stands; the next check then trusts the pins'
 * sizes alone). */
int layout_record(const struct bundle *b, const char *pin_dir, char *err,
		  size_t errlen);

#endif
