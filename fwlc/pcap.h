/* SPDX-License-Identifier: MIT */
/*
 * pcap.h - reading and writing capture files (libpcap).
 *
 *	pcap_reader *r = pcapr_open("x.pcap", err, sizeof err);
 *	const uint8_t *b; size_t n; uint64_t ts_ms;
 *	int rc;
 *	while ((rc = pcapr_next(r, &b, &n, &ts_ms)) == 1)
 *		...;
 *	if (rc < 0)	// truncated or corrupt: pcapr_error(r) names the
 *		...;	// byte offset of the damaged record
 *	pcapr_close(r);
 *
 * Only Ethernet captures (DLT_EN10MB) are read; the writer produces them.
 */
#ifndef FWLC_PCAP_H
#define FWLC_PCAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct pcap_reader pcap_reader;
typedef struct pcap_writer pcap_writer;

pcap_reader *pcapr_open(const char *path, char *err, size_t errsz);
/* 1 = a packet, 0 = end of file, -1 = error (pcapr_error) */
int pcapr_next(pcap_reader *r, const uint8_t **data, size_t *len,
	       uint64_t *ts_ms);
const char *pcapr_error(pcap_reader *r);
void pcapr_close(pcap_reader *r);

pcap_writer *pcapw_open(const char *path);
void pcapw_write(pcap_writer *w, const uint8_t *data, size_t len,
		 uint64_t ts_ms);
void pcapw_close(pcap_writer *w);

#endif
