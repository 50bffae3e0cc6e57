// SPDX-License-Identifier: MIT
/* manifest.c - bundle manifest writer, see manifest.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "fwlc/budget.h"
#include "fwlc/manifest.h"
#include "loader/logmsg.h"

#define FWL_BUNDLE_VERSION 1	/* loader/bundle.h reads this version */

void json_put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = *s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void write_arms(FILE *f, const struct ir_policy *pol, int *first)
{
	for (int j = 0; j < pol->narms; j++) {
		const struct ir_arm *a = &pol->arms[j];
		char name[256];
		snprintf(name, sizeof(name), "%s/%d", pol->name, a->index);
		fprintf(f, "%s\n    {\"id\": %" PRIu32 ", \"name\": ",
			*first ? "" : ",", a->rule_id);
		json_put_str(f, name);
		fputs(", \"policy\": ", f);
		json_put_str(f, pol->name);
		fprintf(f, ", \"hook\": \"%s\", \"line\": %d, "
			   "\"col\": %d, \"action\": \"%s\", \"text\": ",
			pol->is_rule ? "rule" : ir_hook_name(pol->hook), a->line,
			a->col, ir_action_name(a->action));
		json_put_str(f, a->text);
		fputc('}', f);
		*first = 0;
	}
}

/* Every arm with its stable id: the policies', then the rules'. */
static void write_rules(FILE *f, const struct ir_prog *ir)
{
	int first = 1;
	fputs("  \"rules\": [", f);
	for (int i = 0; i < ir->npolicies; i++)
		write_arms(f, &ir->policies[i], &first);
	for (int i = 0; i < ir->nrules; i++)
		write_arms(f, &ir->rules[i], &first);
	fputs("\n  ]", f);
}

int manifest_write(FILE *f, const struct manifest *m)
{
	const struct ir_prog *ir = m->ir;
	fprintf(f, "{\n  \"format\": \"fwl-bundle\",\n  \"version\": %d,\n",
		FWL_BUNDLE_VERSION);
	fprintf(f, "  \"policy_hash\": \"%016" PRIx64 "\",\n", ir->hash);
	fputs("  \"source\": ", f);
	json_put_str(f, ir->source);
	fputs(",\n  \"object\": ", f);
	json_put_str(f, m->object);
	fputs(",\n  \"counters_map\": ", f);
	json_put_str(f, m->counters_map);
	fputs(",\n  \"programs\": [", f);
	for (int i = 0; i < m->nprogs; i++) {
		fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
		json_put_str(f, m->progs[i].name);
		fputs(", \"attach\": ", f);
		json_put_str(f, m->progs[i].attach);
		if (m->progs[i].hook) {	/* a stage: where it is called from */
			fprintf(f, ", \"hook\": \"%s\", \"map\": ",
				m->progs[i].hook);
			json_put_str(f, m->progs[i].array);
			fprintf(f, ", \"slot\": %d", m->progs[i].slot);
		}
		fputc('}', f);
	}
	fputs("\n  ],\n  \"hooks\": [", f);
	for (int i = 0; i < ir->npolicies; i++) {
		fprintf(f, "%s{\"policy\": ", i ? ", " : "");
		json_put_str(f, ir->policies[i].name);
		fprintf(f, ", \"hook\": \"%s\"}",
			ir_hook_name(ir->policies[i].hook));
	}
	fputs("],\n  \"maps\": [", f);
	for (int i = 0; i < m->nmaps; i++) {
		fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
		json_put_str(f, m->maps[i].name);
		fprintf(f, ", \"class\": \"%s\", \"layout\": %d}",
			m->maps[i].class, m->maps[i].layout);
	}
	fputs("\n  ],\n  \"interfaces\": [", f);
	for (int i = 0; i < ir->nifaces; i++) {
		fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
		json_put_str(f, ir->ifaces[i].name);
		fprintf(f, ", \"bit\": %d, \"dynamic\": %s}", ir->ifaces[i].bit,
			ir->ifaces[i].dynamic ? "true" : "false");
	}
	fputs("\n  ],\n  \"sets\": [", f);
	for (int i = 0; i < ir->nsets; i++) {
		static const char *const map[] = { "fwl_cidr4", "fwl_cidr6",
						   "fwl_portset" };
		fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
		json_put_str(f, ir->sets[i].name);
		const struct ir_set *s = &ir->sets[i];
		fprintf(f, ", \"map\": \"%s\", \"id\": %u, \"entries\": %d}",
			s->dir4 ? "fwl_dir4" : map[s->kind],
			s->dir4 ? s->dir4_root : s->id, s->nentries);
	}
	/* DNAT(set) / SNAT(set): the fwl_nat_sets entries, by id */
	fputs("\n  ],\n  \"nat_sets\": [", f);
	for (int i = 0; i < ir->nnatsets; i++) {
		const struct ir_natset *n = &ir->natsets[i];
		fprintf(f, "%s\n    {\"map\": \"fwl_nat_sets\", \"id\": %d, "
			   "\"family\": %d, \"backends\": [", i ? "," : "", i,
			n->family);
		for (int j = 0; j < n->n; j++) {
			char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN + 8];
			inet_ntop(n->family == 6 ? AF_INET6 : AF_INET,
				  n->be[j].addr, a, sizeof(a));
			if (n->be[j].port)
				snprintf(b, sizeof(b), n->family == 6 ?
					 "[%s]:%u" : "%s:%u", a,
					 n->be[j].port);
			else
				snprintf(b, sizeof(b), "%s", a);
			fputs(j ? ", " : "", f);
			json_put_str(f, b);
		}
		fputs("]}", f);
	}
	fputs("\n  ],\n  \"feeds\": [", f);
	for (int i = 0; i < ir->nfeeds; i++) {
		fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
		json_put_str(f, ir->feeds[i].name);
		fputs(", \"source\": ", f);
		json_put_str(f, ir->feeds[i].source);
		fprintf(f, ", \"v4\": \"fwl_feed_%d_v4\", \"v6\": "
			   "\"fwl_feed_%d_v6\"}", i, i);
	}
	fputs("\n  ],\n  \"counters\": [", f);
	for (int i = 0; i < ir->ncounters; i++) {
		fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
		json_put_str(f, ir->counters[i]);
		fprintf(f, ", \"map\": \"fwl_named_cnt\", \"id\": %" PRIu32
			   "}", ir->counter_ids[i]);
	}
	/* Log.emit: the message templates by the records' prefix_id, and
	 * (for older readers) each one's constant start. */
	fputs("\n  ],\n  \"log_messages\": [", f);
	for (int i = 0; i < ir->nlog_messages; i++) {
		fputs(i ? ", " : "", f);
		json_put_str(f, ir->log_messages[i]);
	}
	fputs("],\n  \"log_prefixes\": [", f);
	for (int i = 0; i < ir->nlog_messages; i++) {
		char pre[256];
		log_msg_prefix(ir->log_messages[i], pre, sizeof(pre));
		fputs(i ? ", " : "", f);
		json_put_str(f, pre);
	}
	fputs("],\n  \"map_data\": \"maps.bin\",\n  \"effects\": [],\n", f);
	fprintf(f, "  \"dnat\": %s,\n", ir->uses_dnat ? "true" : "false");
	if (m->budget) {
		/* fwlc's verifier cost estimate of the decision code. */
		fputs("  \"budget\": [", f);
		for (int i = 0; i < m->budget->nhooks; i++) {
			const struct budget_hook *h = &m->budget->hooks[i];
			fprintf(f, "%s\n    {\"hook\": \"%s\", \"insns\": %ld, "
				   "\"branches\": %ld, \"parts\": %d, "
				   "\"table_lookups\": %d, "
				   "\"processed_estimate\": %ld, "
				   "\"stages\": %d}",
				i ? "," : "", ir_hook_name(h->hook), h->insns,
				h->branches, h->parts, h->lookups,
				h->processed, h->stages);
		}
		fprintf(f, "\n  ],\n  \"table_entries\": %d,\n", ir->ncls);
	}
	write_rules(f, ir);
	fputs("\n}\n", f);
	return ferror(f) ? -EIO : 0;
}
