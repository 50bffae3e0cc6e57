// SPDX-License-Identifier: MIT
/*
 * pcap.c - capture files through libpcap, with byte offsets for errors.
 *
 * libpcap reports a truncated record but not where it is; we keep the
 * offset ourselves (24-byte file header, then a 16-byte record header and
 * caplen bytes per packet), so an error can name the damaged record.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fwlc/arena.h"
#include "fwlc/pcap.h"

struct pcap_reader {
	pcap_t *p;
	uint64_t off;		/* offset of the next record */
	uint64_t size;		/* file size */
	uint64_t n;		/* records read */
	char err[PCAP_ERRBUF_SIZE + 128];
};

struct pcap_writer {
	pcap_t *p;
	pcap_dumper_t *d;
};

pcap_reader *pcapr_open(const char *path, char *err, size_t errsz)
{
	char e[PCAP_ERRBUF_SIZE];
	struct stat st;

	pcap_t *p = pcap_open_offline(path, e);
	if (!p) {
		snprintf(err, errsz, "%s", e);
		return NULL;
	}
	if (pcap_datalink(p) != DLT_EN10MB) {
		snprintf(err, errsz, "link type %d is not Ethernet "
			 "(DLT_EN10MB)", pcap_datalink(p));
		pcap_close(p);
		return NULL;
	}
	pcap_reader *r = xmalloc(sizeof *r);
	memset(r, 0, sizeof *r);
	r->p = p;
	r->off = 24;
	r->size = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
	return r;
}

int pcapr_next(pcap_reader *r, const uint8_t **data, size_t *len,
	       uint64_t *ts_ms)
{
	struct pcap_pkthdr *h;
	const u_char *b;

	int rc = pcap_next_ex(r->p, &h, &b);
	if (rc == 1) {
		*data = b;
		*len = h->caplen;
		*ts_ms = (uint64_t)h->ts.tv_sec * 1000 +
			 (uint64_t)h->ts.tv_usec / 1000;
		r->off += 16 + h->caplen;
		r->n++;
		return 1;
	}
	if (rc == PCAP_ERROR_BREAK || rc == -2) {
		if (r->off < r->size) {
			snprintf(r->err, sizeof r->err,
				 "truncated record at byte offset %llu (record "
				 "%llu): %llu of at least 16 bytes left",
				 (unsigned long long)r->off,
				 (unsigned long long)r->n + 1,
				 (unsigned long long)(r->size - r->off));
			return -1;
		}
		return 0;
	}
	const char *e = pcap_geterr(r->p);
	snprintf(r->err, sizeof r->err, "%s record at byte offset %llu "
		 "(record %llu): %s", strstr(e, "truncated") ? "truncated"
							     : "corrupt",
		 (unsigned long long)r->off,
		 (unsigned long long)r->n + 1, e);
	return -1;
}

const char *pcapr_error(pcap_reader *r)
{
	return r->err;
}

void pcapr_close(pcap_reader *r)
{
	if (!r)
		return;
	pcap_close(r->p);
	free(r);
}

pcap_writer *pcapw_open(const char *path)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
	if (!p)
		return NULL;
	pcap_dumper_t *d = pcap_dump_open(p, path);
	if (!d) {
		pcap_close(p);
		return NULL;
	}
	pcap_writer *w = xmalloc(sizeof *w);
	w->p = p;
	w->d = d;
	return w;
}

void pcapw_write(pcap_writer *w, const uint8_t *data, size_t len,
		 uint64_t ts_ms)
{
	struct pcap_pkthdr h;
	memset(&h, 0, sizeof h);
	h.ts.tv_sec = (time_t)(ts_ms / 1000);
	h.ts.tv_usec = (suseconds_t)(ts_ms % 1000) * 1000;
	h.caplen = h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)w->d, &h, data);
}

void pcapw_close(pcap_writer *w)
{
	if (!w)
		return;
	pcap_dump_close(w->d);
	pcap_close(w->p);
	free(w);
}
