/* SPDX-License-Identifier: MIT */
/*
 * limits.h - data-plane limits the checker enforces before any code is
 * generated (E0620-E0624, docs/semantics.md).
 *
 * PROVISIONAL: these are the checker's own values until the data-plane
 * headers in maps/ define them (maps/seq.h, maps/config.h).  When they do,
 * include those headers here and map these names onto theirs; nothing else
 * in fwlc names the numbers.
 */
#ifndef FWLC_LIMITS_H
#define FWLC_LIMITS_H

/* Payload bytes the BPF parser can read past the transport header. */
#define FWL_MAX_PAYLOAD_BYTES	64

/*
 * Steps of a sequence pattern (flow A . B . C within T).  The per-flow
 * state field has FWL_SEQ_STATE_BITS bits; state 0 is "no step seen",
 * so a flow of n steps needs n states besides it.
 */
#define FWL_SEQ_STATE_BITS	3
#define FWL_MAX_FLOW_STEPS	((1 << FWL_SEQ_STATE_BITS) - 1)

/* Entries of a set (LPM trie or hash) and of a map the loader creates. */
#define FWL_MAX_SET_ENTRIES	(1 << 20)
#define FWL_MAX_MAP_ENTRIES	65536

#endif
