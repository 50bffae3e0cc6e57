/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * cls.h - the classification table (layout: maps/cls.h).  Included by
 * generated code only when some run of arms is compiled to tables; the
 * generated code defines FWL_CLS_ENTRIES (the table's size) first.
 *
 *	best = NULL;
 *	best = fwl_cls_best(&k, best);   // once per shape of the run
 *	if (best)  ... the arm best->arm decided
 */
#ifndef FWL_BPF_LIB_CLS_H
#define FWL_BPF_LIB_CLS_H

#include "policy.h"
#include "maps/cls.h"

_Static_assert(FWL_CLS_PASS == FWL_VERDICT_PASS &&
	       FWL_CLS_DROP == FWL_VERDICT_DROP &&
	       FWL_CLS_CONTINUE == FWL_VERDICT_CONTINUE,
	       "fwl_cls verdicts are FWL_VERDICT_*");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FWL_CLS_ENTRIES);
	__type(key, struct fwl_cls_key);
	__type(value, struct fwl_cls_val);
} fwl_cls SEC(".maps");

/* The entry for key k if its arm comes before best's (first match). */
static __always_inline const struct fwl_cls_val *
fwl_cls_best(const struct fwl_cls_key *k, const struct fwl_cls_val *best)
{
	const struct fwl_cls_val *v = bpf_map_lookup_elem(&fwl_cls, k);

	if (v && (!best || v->arm < best->arm))
		return v;
	return best;
}

#endif
