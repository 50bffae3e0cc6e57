// SPDX-License-Identifier: MIT
/* mapdata.c - write maps.bin, see mapdata.h and maps/sets.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fwlc/dir4.h"
#include "fwlc/mapdata.h"
#include "maps/cls.h"
#include "maps/nat.h"
#include "maps/sets.h"

static void put_header(FILE *f, const char *name, uint32_t ksz,
		       uint32_t vsz, uint32_t count)
{
	char n[32] = { 0 };
	strncpy(n, name, sizeof(n) - 1);
	fwrite(n, 1, sizeof(n), f);
	fwrite(&ksz, 4, 1, f);
	fwrite(&vsz, 4, 1, f);
	fwrite(&count, 4, 1, f);
}

/* Entries of the sets of kind k in an LPM trie (IPv4 sets in fwl_dir4
 * are not). */
static uint32_t count_entries(const struct ir_prog *ir, enum ir_set_kind k)
{
	uint32_t n = 0;
	for (int i = 0; i < ir->nsets; i++)
		if (ir->sets[i].kind == k && !ir->sets[i].dir4)
			n += ir->sets[i].nentries;
	return n;
}

/* fwl_dir4's non-zero entries and every bitmap of fwl_dir4_leaf (the
 * arrays start zeroed). */
static void write_dir4(FILE *f, const struct ir_prog *ir)
{
	const struct ir_dir4 *d = ir->dir4;
	uint32_t n = 0, total = d->nnodes * 256;
	for (uint32_t k = 0; k < total; k++)
		n += d->node[k] != 0;
	put_header(f, "fwl_dir4", 4, 4, n);
	for (uint32_t k = 0; k < total; k++) {
		if (!d->node[k])
			continue;
		fwrite(&k, 4, 1, f);
		fwrite(&d->node[k], 4, 1, f);
	}
	if (!d->nleaves)
		return;
	put_header(f, "fwl_dir4_leaf", 4, sizeof(struct fwl_dir4_leaf),
		   d->nleaves);
	for (uint32_t k = 0; k < d->nleaves; k++) {
		struct fwl_dir4_leaf l;
		memcpy(l.w, d->leaf[k], sizeof(l.w));
		fwrite(&k, 4, 1, f);
		fwrite(&l, sizeof(l), 1, f);
	}
}

static void write_cidr4(FILE *f, const struct ir_prog *ir)
{
	const uint8_t one = 1;
	put_header(f, "fwl_cidr4", sizeof(struct fwl_cidr4_key), 1,
		   count_entries(ir, IR_SET_CIDR4));
	for (int i = 0; i < ir->nsets; i++) {
		const struct ir_set *s = &ir->sets[i];
		if (s->kind != IR_SET_CIDR4 || s->dir4)
			continue;
		for (int j = 0; j < s->nentries; j++) {
			struct fwl_cidr4_key k = {
				.prefixlen = 32 + s->entries[j].plen,
				.set = htonl(s->id),
			};
			memcpy(&k.addr, s->entries[j].addr, 4);
			fwrite(&k, sizeof(k), 1, f);
			fwrite(&one, 1, 1, f);
		}
	}
}

static void write_cidr6(FILE *f, const struct ir_prog *ir)
{
	const uint8_t one = 1;
	put_header(f, "fwl_cidr6", sizeof(struct fwl_cidr6_key), 1,
		   count_entries(ir, IR_SET_CIDR6));
	for (int i = 0; i < ir->nsets; i++) {
		const struct ir_set *s = &ir->sets[i];
		if (s->kind != IR_SET_CIDR6)
			continue;
		for (int j = 0; j < s->nentries; j++) {
			struct fwl_cidr6_key k = {
				.prefixlen = 32 + s->entries[j].plen,
				.set = htonl(s->id),
			};
			memcpy(k.addr, s->entries[j].addr, 16);
			fwrite(&k, sizeof(k), 1, f);
			fwrite(&one, 1, 1, f);
		}
	}
}

/* Port sets as bitmaps: only the non-zero 64-port words are written. */
static int write_ports(FILE *f, const struct ir_prog *ir)
{
	uint64_t *bits = calloc(FWL_PORTSET_WORDS, sizeof(*bits));
	uint32_t words = 0;
	if (!bits)
		return -ENOMEM;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			put_header(f, "fwl_portset", 4, 8, words);
		for (int i = 0; i < ir->nsets; i++) {
			const struct ir_set *s = &ir->sets[i];
			if (s->kind != IR_SET_PORT)
				continue;
			memset(bits, 0, FWL_PORTSET_WORDS * sizeof(*bits));
			for (int j = 0; j < s->nentries; j++)
				for (uint32_t p = s->entries[j].lo;
				     p <= s->entries[j].hi; p++)
					bits[p >> 6] |= 1ull << (p & 63);
			for (uint32_t w = 0; w < FWL_PORTSET_WORDS; w++) {
				if (!bits[w])
					continue;
				if (pass == 0) {
					words++;
					continue;
				}
				uint32_t k = s->id * FWL_PORTSET_WORDS + w;
				fwrite(&k, 4, 1, f);
				fwrite(&bits[w], 8, 1, f);
			}
		}
	}
	free(bits);
	return 0;
}

/* DNATMap entries: (proto, port, family) -> (addr, port). */
static void write_dnat(FILE *f, const struct ir_prog *ir)
{
	put_header(f, "fwl_dnat_map", sizeof(struct fwl_dnat_key),
		   sizeof(struct fwl_nat_target), ir->ndnat);
	for (int i = 0; i < ir->ndnat; i++) {
		struct fwl_dnat_key k = { .port = ir->dnat[i].port,
					  .proto = ir->dnat[i].proto,
					  .family = ir->dnat[i].family };
		struct fwl_nat_target t = { .port = ir->dnat[i].to_port };
		memcpy(t.addr, ir->dnat[i].addr, 16);
		fwrite(&k, sizeof(k), 1, f);
		fwrite(&t, sizeof(t), 1, f);
	}
}

/* Backend sets of DNAT(set) / SNAT(set): id -> struct fwl_nat_set. */
static void write_natsets(FILE *f, const struct ir_prog *ir)
{
	put_header(f, "fwl_nat_sets", 4, sizeof(struct fwl_nat_set),
		   (uint32_t)ir->nnatsets);
	for (int i = 0; i < ir->nnatsets; i++) {
		const struct ir_natset *n = &ir->natsets[i];
		struct fwl_nat_set v;
		uint32_t k = (uint32_t)i;
		memset(&v, 0, sizeof(v));
		v.count = (uint32_t)n->n;
		for (int j = 0; j < n->n; j++) {
			memcpy(v.be[j].addr, n->be[j].addr, 16);
			v.be[j].port = n->be[j].port;
		}
		fwrite(&k, 4, 1, f);
		fwrite(&v, sizeof(v), 1, f);
	}
}

/* Classification table entries (classify.c). */
static void write_cls(FILE *f, const struct ir_prog *ir)
{
	put_header(f, "fwl_cls", sizeof(struct fwl_cls_key),
		   sizeof(struct fwl_cls_val), (uint32_t)ir->ncls);
	for (int i = 0; i < ir->ncls; i++) {
		const struct ir_cls_entry *e = &ir->cls[i];
		struct fwl_cls_key k = {
			.table = e->table, .sport = e->sport,
			.dport = e->dport, .l3 = e->l3, .l4 = e->l4,
			.icmp_type = e->icmp_type, .icmp_code = e->icmp_code,
		};
		struct fwl_cls_val v = {
			.arm = e->arm, .rule_id = e->rule_id,
			.verdict = e->action == IR_DROP ? FWL_CLS_DROP
				   : e->action == IR_CONTINUE ? FWL_CLS_CONTINUE
							      : FWL_CLS_PASS,
		};
		memcpy(k.src, e->src, 16);
		memcpy(k.dst, e->dst, 16);
		fwrite(&k, sizeof(k), 1, f);
		fwrite(&v, sizeof(v), 1, f);
	}
}

int mapdata_write(FILE *f, const struct ir_prog *ir)
{
	uint32_t version = FWL_MAPDATA_VERSION, records = 0;
	int has[3] = { 0 }, dir4 = ir->dir4 ? 1 + (ir->dir4->nleaves > 0) : 0;
	for (int i = 0; i < ir->nsets; i++)
		if (!ir->sets[i].dir4)
			has[ir->sets[i].kind] = 1;
	records = has[0] + has[1] + has[2] + dir4 + (ir->ndnat > 0) +
		  (ir->nnatsets > 0) + (ir->ncls > 0);
	fwrite("FWLMAPS", 1, 8, f);
	fwrite(&version, 4, 1, f);
	fwrite(&records, 4, 1, f);
	if (dir4)
		write_dir4(f, ir);
	if (has[IR_SET_CIDR4])
		write_cidr4(f, ir);
	if (has[IR_SET_CIDR6])
		write_cidr6(f, ir);
	if (has[IR_SET_PORT] && write_ports(f, ir))
		return -ENOMEM;
	if (ir->ndnat)
		write_dnat(f, ir);
	if (ir->nnatsets)
		write_natsets(f, ir);
	if (ir->ncls)
		write_cls(f, ir);
	return ferror(f) ? -EIO : 0;
}
