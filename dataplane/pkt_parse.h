/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Header parsing for the fast path: Ethernet, up to two 802.1Q/802.1ad tags,
 * an optional Cisco Meta Data inline tag (ethertype 0x8909), IPv4 (options,
 * fragments), IPv6 (extension headers walked to the transport header), and
 * the TCP/UDP/ICMP/ICMPv6 header of a first fragment. Every read is bounded
 * by the first segment's data; anything cut short or inconsistent is a drop
 * reason, never a read past the frame.
 */
#ifndef SGTGW_PKT_PARSE_H
#define SGTGW_PKT_PARSE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "drop_reason.h"
#include "select.h"
#include "sgacl.h"
#include "sgt.h"

#define ETHERTYPE_CMD 0x8909

enum pkt_family {
	PKT_NON_IP = 0,
	PKT_IPV4,
	PKT_IPV6,
};

struct pkt_meta {
	uint8_t family;         /* enum pkt_family */
	bool has_tag;           /* a Cisco Meta Data tag was present */
	sgt_t tag_sgt;
	uint16_t tag_off;       /* offset of the 0x8909 ethertype (has_tag) */
	uint16_t l2_type_off;   /* offset of the ethertype a tag would precede */
	uint16_t l3_off;
	uint32_t src4, dst4;    /* network byte order */
	const uint8_t *src6, *dst6;
	struct sgacl_pkt l4;
};

/*
 * The reference parser: every frame the fast path below does not take.
 * Parse a frame of frame_len bytes whose first seen bytes are at data (the
 * first mbuf segment). Headers must lie in those seen bytes; the length
 * fields are checked against the whole frame, so a jumbo frame spread over
 * several segments is judged like any other. Returns DROP_NONE or the
 * reason to drop.
 */
enum drop_reason pkt_parse_full(const uint8_t *data, uint32_t seen,
				uint32_t frame_len, struct pkt_meta *meta);

/* For pkt_parse_plain_l4: the shortest transport header a first fragment
 * of each protocol must carry, and what a frame without ports reads
 * instead of its own header (zeros, a TCP data offset of 5). */
extern const uint8_t pkt_l4_min_len[256];
extern const uint8_t pkt_no_ports[20];

/* The fast path's pieces (pkt_parse_plain below): each returns false for
 * a frame it does not take, which pkt_parse_full then parses. The
 * transport header of a first fragment is read by pkt_parse_plain_l4 in
 * both parsers (false there is DROP_BAD_L4). */
static inline bool
pkt_parse_plain_l4(const uint8_t *l4, uint32_t avail, struct pkt_meta *m)
{
	uint8_t proto = m->l4.proto;
	bool tcp = proto == 6;
	bool ports = tcp | (proto == 17);
	/* Without a branch on the protocol: a frame without ports reads
	 * zeros, and one that is not TCP a data offset of 5. */
	const uint8_t *h = select_ptr(ports, l4, pkt_no_ports);
	const uint8_t *doff = select_ptr(tcp, &h[12], &pkt_no_ports[12]);

	if (avail < pkt_l4_min_len[proto] || (*doff >> 4) < 5)
		return false;
	m->l4.sport = (uint16_t)(h[0] << 8 | h[1]);
	m->l4.dport = (uint16_t)(h[2] << 8 | h[3]);
	m->l4.has_ports = ports;
	return true;
}

static inline bool
pkt_parse_plain_ipv4(const uint8_t *ip, uint32_t seen, uint32_t len,
		     struct pkt_meta *m)
{
	uint32_t total = (uint32_t)ip[2] << 8 | ip[3];
	uint32_t src, dst;

	/* Version 4, IHL 5; no fragment offset (a first fragment is
	 * judged like a whole datagram). */
	if (seen < 20 || ip[0] != 0x45 || ((ip[6] & 0x1f) | ip[7]) != 0 ||
	    total < 20 || total > len)
		return false;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	*m = (struct pkt_meta){
		.family = PKT_IPV4, .l2_type_off = 12, .l3_off = 14,
		.src4 = src, .dst4 = dst, .l4 = { .proto = ip[9] },
	};
	return pkt_parse_plain_l4(ip + 20, (total < seen ? total : seen) - 20,
				  m);
}

static inline bool
pkt_parse_plain_ipv6(const uint8_t *ip, uint32_t seen, uint32_t len,
		     struct pkt_meta *m)
{
	uint32_t end = 40 + ((uint32_t)ip[4] << 8 | ip[5]);
	uint8_t nh = ip[6];

	if (seen < 40 || (ip[0] >> 4) != 6 ||
	    !((nh == 6) | (nh == 17) | (nh == 58)) || end > len)
		return false;
	*m = (struct pkt_meta){
		.family = PKT_IPV6, .l2_type_off = 12, .l3_off = 14,
		.src6 = ip + 8, .dst6 = ip + 24,
		.l4 = { .proto = nh, .ipv6 = true },
	};
	return pkt_parse_plain_l4(ip + 40, (end < seen ? end : seen) - 40, m);
}

/*
 * The fast path: the frames that make up nearly all traffic, untagged
 * Ethernet with IPv4 without options and not a later fragment, or IPv6
 * straight to TCP, UDP or ICMPv6, each whole and consistent, in a few
 * dozen instructions and no call. It fills meta exactly as pkt_parse_full
 * would (the fuzz harness and the unit tests hold it to that) and returns
 * true; for any other frame, good or bad, it returns false and leaves the
 * verdict to pkt_parse_full.
 */
static inline bool
pkt_parse_plain(const uint8_t *data, uint32_t seen, uint32_t frame_len,
		struct pkt_meta *m)
{
	uint32_t len = seen < frame_len ? seen : frame_len;

	if (len < 14 + 20)
		return false;
	/* Ethertype 0x0800 or 0x86DD, read as the bytes they are. */
	if (data[12] == 0x08 && data[13] == 0x00)
		return pkt_parse_plain_ipv4(data + 14, len - 14,
					    frame_len - 14, m);
	if (data[12] == 0x86 && data[13] == 0xDD)
		return pkt_parse_plain_ipv6(data + 14, len - 14,
					    frame_len - 14, m);
	return false;
}

/* Whether two parses of a frame found the same (every field but padding):
 * how the tests hold the fast path to the reference parser. */
bool pkt_meta_equal(const struct pkt_meta *a, const struct pkt_meta *b);

/* The fast path, else the reference parser. */
static inline enum drop_reason
pkt_parse_seg(const uint8_t *data, uint32_t seen, uint32_t frame_len,
	      struct pkt_meta *meta)
{
	if (__builtin_expect(pkt_parse_plain(data, seen, frame_len, meta), 1))
		return DROP_NONE;
	return pkt_parse_full(data, seen, frame_len, meta);
}

/* A frame held in one buffer. */
static inline enum drop_reason
pkt_parse(const uint8_t *data, uint32_t len, struct pkt_meta *meta)
{
	return pkt_parse_seg(data, len, len, meta);
}

#endif
