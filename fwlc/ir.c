// SPDX-License-Identifier: MIT
/* ir.c - decision IR helpers, see ir.h. */
#include <stddef.h>
#include <stdlib.h>
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
	case IR_CALL: return "call";
	case IR_DNAT_MAP: return "DNATMap";
	case IR_MASQ: return "Masquerade";
	case IR_DNAT: return "DNAT";
	case IR_SNAT: return "SNAT";
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

static void assign(struct ir_arm *a, const char *owner, uint32_t *tab,
		   size_t mask)
{
	char buf[8192];
	for (int salt = 0;; salt++) {
		int n = snprintf(buf, sizeof(buf), "%s\n%s\n%d", owner, a->text,
				 salt);
		if (n >= (int)sizeof(buf))
			n = sizeof(buf) - 1;
		uint32_t id = fold32(ir_fnv1a64(buf, n));
		if (!id)	/* 0 is reserved: "no rule" in logs */
			continue;
		size_t i = id & mask;
		while (tab[i] && tab[i] != id)
			i = (i + 1) & mask;
		if (tab[i])	/* taken by an earlier arm: salt again */
			continue;
		tab[i] = id;
		a->rule_id = id;
		return;
	}
}

void ir_assign_rule_ids(struct ir_prog *p)
{
	size_t n = 0, cap = 16;
	for (int i = 0; i < p->npolicies; i++)
		n += p->policies[i].narms;
	for (int i = 0; i < p->nrules; i++)
		n += p->rules[i].narms;
	while (cap < 2 * n)
		cap *= 2;
	uint32_t *tab = calloc(cap, sizeof(*tab));
	if (!tab) {
		fprintf(stderr, "fwlc: out of memory\n");
		exit(2);
	}
	for (int i = 0; i < p->npolicies; i++)
		for (int j = 0; j < p->policies[i].narms; j++)
			assign(&p->policies[i].arms[j], p->policies[i].name,
			       tab, cap - 1);
	for (int i = 0; i < p->nrules; i++)
		for (int j = 0; j < p->rules[i].narms; j++)
			assign(&p->rules[i].arms[j], p->rules[i].name, tab,
			       cap - 1);
	free(tab);
}
