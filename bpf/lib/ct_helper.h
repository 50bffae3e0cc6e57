/* SPDX-License-Identifier: MIT */
/*
 * bpf/lib/ct_helper.h - connection helpers: the FTP helper.
 *
 * API (generated code, XDP ingress, after the policies allowed a packet):
 *
 *	fwl_ct_helper(ctx, &pkt, &ct);
 *
 * A TCP packet of a flow whose helper is FWL_CT_HELPER_FTP (set by
 * Conntrack.setHelper) is read for a command that announces a data
 * connection, in the first FWL_FTP_SCAN bytes of its payload:
 *
 *	client (ORIG):  PORT h1,h2,h3,h4,p1,p2        EPRT |1|a.b.c.d|port|
 *	server (REPLY): 227 ... (h1,h2,h3,h4,p1,p2)   229 ... (|||port|)
 *
 * The announced address must be the sender's own (as Linux's helper
 * without "loose"); EPRT for IPv6 (|2|...) is not read.  A command found
 * adds an expectation (maps/ct.h fwl_ct_expect): PORT/EPRT from the
 * server to the announced address and port, 227/229 from the client to
 * the server's address and the announced port.  Parsing is one bounded
 * loop over a copy of the payload; a command split over segments is not
 * seen.
 */
#ifndef FWL_BPF_CT_HELPER_H
#define FWL_BPF_CT_HELPER_H

#include "ct.h"

#define FWL_FTP_SCAN 128	/* payload bytes read (a power of two) */

struct fwl_ftp_buf {
	__u8 b[FWL_FTP_SCAN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fwl_ftp_buf);
} fwl_ftp_scratch SEC(".maps");

enum { FWL_FTP_PORT = 1, FWL_FTP_EPRT, FWL_FTP_227, FWL_FTP_229 };

static __always_inline int fwl_ftp_cmd(const __u8 *b, __u8 dir)
{
	if (dir == FWL_CT_DIR_ORIG) {
		if (b[0] == 'P' && b[1] == 'O' && b[2] == 'R' && b[3] == 'T' &&
		    b[4] == ' ')
			return FWL_FTP_PORT;
		if (b[0] == 'E' && b[1] == 'P' && b[2] == 'R' && b[3] == 'T' &&
		    b[4] == ' ')
			return FWL_FTP_EPRT;
		return 0;
	}
	if (b[0] == '2' && b[1] == '2' && (b[2] == '7' || b[2] == '9') &&
	    b[3] == ' ')
		return b[2] == '7' ? FWL_FTP_227 : FWL_FTP_229;
	return 0;
}

/*
 * The numbers after the command: from the first digit, numbers of at most
 * 5 digits separated by one of , . | until any other byte or the sixth
 * number.  One bpf_loop() step per byte, so the verifier checks the step
 * once whatever the payload.
 */
struct fwl_ftp_scan {
	__u32 v[6];		/* the numbers */
	__u32 n;		/* how many */
	__u32 cur, digits, started, len, bad;
};

static long fwl_ftp_step(__u64 idx, void *data)
{
	struct fwl_ftp_scan *st = data;
	struct fwl_ftp_buf *buf;
	__u32 i = (__u32)idx + 4, z = 0, n;
	__u8 c;

	if (i >= st->len || i >= FWL_FTP_SCAN)
		return 1;
	buf = bpf_map_lookup_elem(&fwl_ftp_scratch, &z);
	if (!buf)
		return 1;
	asm volatile("" : "+r"(i));	/* keep the mask for the verifier */
	c = buf->b[i & (FWL_FTP_SCAN - 1)];
	if (c >= '0' && c <= '9') {
		if (++st->digits > 5) {
			st->bad = 1;
			return 1;
		}
		st->cur = st->cur * 10 + (c - '0');
		st->started = 1;
		return 0;
	}
	if (!st->started)
		return 0;
	if (st->digits) {
		n = st->n;
		if (n < 6)
			st->v[n] = st->cur;
		st->n = n + 1;
		st->cur = 0;
		st->digits = 0;
		if (n + 1 >= 6)
			return 1;
	}
	if (c != ',' && c != '.' && c != '|')
		return 1;
	return 0;
}

static __always_inline int fwl_ftp_numbers(struct fwl_ftp_scan *st,
					   __u32 len)
{
	__builtin_memset(st, 0, sizeof(*st));
	st->len = len;
	bpf_loop(FWL_FTP_SCAN - 4, fwl_ftp_step, st, 0);
	if (st->bad)
		return 0;
	if (st->digits && st->n < 6) {
		__u32 n = st->n;

		if (n < 6)
			st->v[n] = st->cur;
		st->n = n + 1;
	}
	return st->n;
}

static __always_inline int fwl_ftp_addr(const __u32 *v, __be32 *out)
{
	if (v[0] > 255 || v[1] > 255 || v[2] > 255 || v[3] > 255)
		return -1;
	*out = bpf_htonl(v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3]);
	return 0;
}

/* Read the payload of an FTP control packet; add the expectation. */
__attribute__((noinline)) int fwl_ct_helper_xdp(struct xdp_md *ctx,
						struct fwl_pkt *pkt,
						struct fwl_ct *ct)
{
	struct fwl_ct_expect_key k;
	struct fwl_ct_expect x;
	struct fwl_ftp_buf *buf;
	struct fwl_ftp_scan st;
	__u32 *v = st.v, len, z = 0;
	__be32 addr = 0;
	__u16 port = 0;
	int cmd, n;

	if (!pkt || !ct || ct->helper != FWL_CT_HELPER_FTP ||
	    pkt->l4 != IPPROTO_TCP || ct->state == FWL_CT_INVALID ||
	    (pkt->frag & FWL_FRAG_LATER))
		return 0;
	len = pkt->payload_len;
	if (len < 6)
		return 0;
	if (len > FWL_FTP_SCAN)
		len = FWL_FTP_SCAN;
	buf = bpf_map_lookup_elem(&fwl_ftp_scratch, &z);
	if (!buf)
		return 0;
	if (bpf_xdp_load_bytes(ctx, pkt->payload_off, buf->b, len) < 0)
		return 0;
	cmd = fwl_ftp_cmd(buf->b, ct->dir);
	if (!cmd)
		return 0;
	n = fwl_ftp_numbers(&st, len);
	switch (cmd) {
	case FWL_FTP_PORT:
	case FWL_FTP_227:
		if (n != 6 || v[4] > 255 || v[5] > 255 || pkt->l3 != ETH_P_IP ||
		    fwl_ftp_addr(v, &addr))
			return 0;
		port = v[4] << 8 | v[5];
		break;
	case FWL_FTP_EPRT:
		if (n != 6 || v[0] != 1 || v[5] > 65535 ||
		    pkt->l3 != ETH_P_IP || fwl_ftp_addr(v + 1, &addr))
			return 0;
		port = v[5];
		break;
	case FWL_FTP_229:
		if (n < 1 || v[0] > 65535)
			return 0;
		port = v[0];
		break;
	}
	/* The announced address is the sender's own (229 has none). */
	if (cmd != FWL_FTP_229 && addr != pkt->saddr[0])
		return 0;
	if (!port)
		return 0;
	__builtin_memset(&k, 0, sizeof(k));
	__builtin_memcpy(k.saddr, pkt->daddr, 16);	/* the peer connects */
	__builtin_memcpy(k.daddr, pkt->saddr, 16);	/* to the sender */
	k.dport = port;
	k.proto = IPPROTO_TCP;
	k.family = pkt->l3 == ETH_P_IPV6 ? 6 : 4;
	k.zone = ct->key.zone;
	__builtin_memset(&x, 0, sizeof(x));
	x.expires = fwl_now() + FWL_CT_EXPECT_TIMEOUT_S * 1000000000ull;
	x.master = ct->key;
	x.helper = FWL_CT_HELPER_FTP;
	bpf_map_update_elem(&fwl_ct_expect, &k, &x, BPF_ANY);
	return cmd;
}

#define fwl_ct_helper(ctx, pkt, ct) fwl_ct_helper_xdp(ctx, pkt, ct)

#endif
