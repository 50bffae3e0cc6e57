// SPDX-License-Identifier: MIT
/* ir.c - decision IR helpers, see ir.h. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "fwlc/ir.h"

const char *ir_hook_name(enum ir_hook h)
{
	static const char *const names[] = {
		[IR_HOOK_PREROUTING] = "Prerouting",
		[IR_HOOK_INPUT] = "Input",
		[IR_HOOK_FORWARD] = "Forward",
		[IR_HOOK_OUTPUT] = "Output",
		[IR_HOOK_POSTROUTING] = "Postrouting",
	};
	return h < IR_HOOK_COUNT ? names[h] : "?";
}

const char *ir_action_name(enum ir_action a)
{
	switch (a) {
	case IR_ALLOW: return "Allow";
	case IR_DROP: return "Drop";
	case IR_CONTINUE: return "Continue";
	}
	return "?";
}

uint64_t ir_fnv1a64(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ull;
	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint32_t fold32(uint64_t h)
{
	return (uint32_t)(h ^ (h >> 32));
}

static bool id_taken(const struct ir_prog *p, uint32_t id, int upto_pol,
		     int upto_arm)
{
	for (int i = 0; i <= upto_pol && i < p->npolicies; i++) {
		const struct ir_policy *pol = &p->policies[i];
		int n = i == upto_pol ? upto_arm : pol->narms;
		for (int j = 0; j < n; j++)
			if (pol->arms[j].rule_id == id)
				return true;
	}
	return false;
}

void ir_assign_rule_ids(struct ir_prog *p)
{
	char buf[8192];
	for (int i = 0; i < p->npolicies; i++) {
		struct ir_policy *pol = &p->policies[i];
		for (int j = 0; j < pol->narms; j++) {
			struct ir_arm *a = &pol->arms[j];
			for (int salt = 0;; salt++) {
				int n = snprintf(buf, sizeof(buf), "%s\n%s\n%d",
						 pol->name, a->text, salt);
				if (n >= (int)sizeof(buf))
					n = sizeof(buf) - 1;
				a->rule_id = fold32(ir_fnv1a64(buf, n));
				/* 0 is reserved: "no rule" in logs. */
				if (a->rule_id && !id_taken(p, a->rule_id, i, j))
					break;
			}
		}
	}
}
