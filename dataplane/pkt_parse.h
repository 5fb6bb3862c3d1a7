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

#include "drop_reason.h"
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
 * Parse a frame of frame_len bytes whose first seen bytes are at data (the
 * first mbuf segment). Headers must lie in those seen bytes; the length
 * fields are checked against the whole frame, so a jumbo frame spread over
 * several segments is judged like any other. Returns DROP_NONE or the
 * reason to drop.
 */
enum drop_reason pkt_parse_seg(const uint8_t *data, uint32_t seen,
			       uint32_t frame_len, struct pkt_meta *meta);

/* A frame held in one buffer. */
static inline enum drop_reason
pkt_parse(const uint8_t *data, uint32_t len, struct pkt_meta *meta)
{
	return pkt_parse_seg(data, len, len, meta);
}

#endif
