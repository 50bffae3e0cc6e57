/* SPDX-License-Identifier: MIT */
/* loadcheck.h - `fwlc build --load-check`, see loadcheck.c. */
#ifndef FWL_FWLC_LOADCHECK_H
#define FWL_FWLC_LOADCHECK_H

/* Load o_path (generated from c_path) into the kernel and unload it.
 * Returns 0 when every program passes the verifier, else -errno after
 * printing why (and which policy arm, when the log says). */
int load_check(const char *o_path, const char *c_path);

#endif
