/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "pkt_parse.h"
#include "select.h"

#define ETH_HDR_LEN      14
#define VLAN_TAG_LEN     4
#define CMD_TAG_LEN      8     /* 0x8909 type, version, length, option, SGT */
#define MAX_VLAN_TAGS    2     /* 802.1Q, or QinQ */
#define IPV4_MIN_HDR     20
#define IPV6_HDR_LEN     40
#define MAX_IPV6_EXT     8     /* a chain longer than this is refused */

#define ETHERTYPE_IPV4   0x0800
#define ETHERTYPE_IPV6   0x86DD
#define ETHERTYPE_VLAN   0x8100
#define ETHERTYPE_QINQ   0x88A8
#define ETHERTYPE_QINQ1  0x9100

/* Loads that tolerate any alignment: headers after a 14- or 18-byte L2
 * header are rarely 4-byte aligned. */
static inline uint16_t
rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_16(v);
}

static inline uint32_t
rd32_raw(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline bool
is_vlan_type(uint16_t t)
{
	return t == ETHERTYPE_VLAN || t == ETHERTYPE_QINQ || t == ETHERTYPE_QINQ1;
}

/* Cisco Meta Data: version 1, length 1 (8 octets), one SGT option with its
 * 3-bit length 0 and type 1; SGT 0xFFFF is reserved. */
static enum drop_reason
parse_cmd(const uint8_t *p, struct pkt_meta *m)
{
	uint16_t opt = rd16(p + 4);
	uint16_t sgt = rd16(p + 6);

	if (p[2] != 1 || p[3] != 1 || opt != 0x0001 || sgt == SGT_INVALID)
		return DROP_BAD_CMD;
	m->has_tag = true;
	m->tag_sgt = sgt;
	return DROP_NONE;
}

/* Minimum transport header a first fragment must carry (RFC 1858 tiny
 * fragments are refused rather than judged without their ports). */
const uint8_t pkt_l4_min_len[256] = {
	[1] = 8,        /* ICMP */
	[6] = 20,       /* TCP */
	[17] = 8,       /* UDP */
	[58] = 4,       /* ICMPv6 */
};

/* What the port reads below see for a protocol without ports: none, and
 * a TCP data offset of 5 words. */
const uint8_t pkt_no_ports[20] = { [12] = 5 << 4 };

/* A later fragment has no transport header; any other frame's is read
 * as the fast path reads it (pkt_parse_plain_l4). */
static __rte_always_inline enum drop_reason
parse_l4(const uint8_t *l4, uint32_t avail, struct pkt_meta *m)
{
	if (m->l4.later_frag)
		return DROP_NONE;
	return pkt_parse_plain_l4(l4, avail, m) ? DROP_NONE : DROP_BAD_L4;
}

/* seen: bytes from ip that can be read (first segment); len: bytes from ip
 * to the end of the frame (all segments). */
static enum drop_reason
parse_ipv4(const uint8_t *ip, uint32_t seen, uint32_t len, struct pkt_meta *m)
{
	if (seen < IPV4_MIN_HDR || (ip[0] >> 4) != 4)
		return DROP_BAD_IPV4;

	uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	uint32_t total = rd16(ip + 2);

	if (ihl < IPV4_MIN_HDR || ihl > seen || total < ihl || total > len)
		return DROP_BAD_IPV4;

	m->family = PKT_IPV4;
	m->src4 = rd32_raw(ip + 12);
	m->dst4 = rd32_raw(ip + 16);
	m->l4.proto = ip[9];
	m->l4.later_frag = (rd16(ip + 6) & 0x1fff) != 0;
	return parse_l4(ip + ihl, RTE_MIN(total, seen) - ihl, m);
}

static bool
is_ipv6_ext(uint8_t nh)
{
	switch (nh) {
	case 0: case 43: case 44: case 51: case 60: case 135: case 139: case 140:
		return true;
	default:
		return false;
	}
}

static enum drop_reason
parse_ipv6(const uint8_t *ip, uint32_t seen, uint32_t len, struct pkt_meta *m)
{
	if (seen < IPV6_HDR_LEN || (ip[0] >> 4) != 6)
		return DROP_BAD_IPV6;

	uint32_t end = IPV6_HDR_LEN + rd16(ip + 4);
	uint32_t off = IPV6_HDR_LEN;
	uint8_t nh = ip[6];

	/* A jumbogram (payload length 0, size in a hop-by-hop option) fails
	 * the extension-header bounds below: it cannot come from Ethernet. */
	if (end > len)
		return DROP_BAD_IPV6;
	/* Headers are read from the first segment only. */
	end = RTE_MIN(end, seen);

	m->family = PKT_IPV6;
	m->src6 = ip + 8;
	m->dst6 = ip + 24;

	for (int n = 0; is_ipv6_ext(nh); n++) {
		const uint8_t *h = ip + off;
		uint32_t hlen;

		if (n == MAX_IPV6_EXT || off + 8 > end)
			return DROP_BAD_IPV6;
		if (nh == 44) {
			hlen = 8;
			m->l4.later_frag = (rd16(h + 2) & 0xfff8) != 0;
		} else if (nh == 51) {
			hlen = ((uint32_t)h[1] + 2) * 4;
		} else {
			hlen = ((uint32_t)h[1] + 1) * 8;
		}
		if (off + hlen > end)
			return DROP_BAD_IPV6;
		nh = h[0];
		off += hlen;
		if (m->l4.later_frag)
			break;
	}
	m->l4.proto = nh;
	m->l4.ipv6 = true;
	return parse_l4(ip + off, end - off, m);
}

enum drop_reason
pkt_parse_full(const uint8_t *data, uint32_t seen, uint32_t frame_len,
	       struct pkt_meta *m)
{
	uint32_t len = RTE_MIN(seen, frame_len);
	uint32_t off = 12;
	uint16_t type;

	memset(m, 0, sizeof(*m));
	if (len < ETH_HDR_LEN)
		return DROP_RUNT;
	type = rd16(data + off);

	for (int n = 0; n < MAX_VLAN_TAGS && is_vlan_type(type); n++) {
		off += VLAN_TAG_LEN;
		if (off + 2 > len)
			return DROP_BAD_VLAN;
		type = rd16(data + off);
	}
	m->l2_type_off = (uint16_t)off;

	if (type == ETHERTYPE_CMD) {
		if (off + CMD_TAG_LEN + 2 > len)
			return DROP_BAD_CMD;
		enum drop_reason r = parse_cmd(data + off, m);
		if (r != DROP_NONE)
			return r;
		m->tag_off = (uint16_t)off;
		off += CMD_TAG_LEN;
		type = rd16(data + off);
	}

	m->l3_off = (uint16_t)(off + 2);
	switch (type) {
	case ETHERTYPE_IPV4:
		return parse_ipv4(data + m->l3_off, len - m->l3_off,
				  frame_len - m->l3_off, m);
	case ETHERTYPE_IPV6:
		return parse_ipv6(data + m->l3_off, len - m->l3_off,
				  frame_len - m->l3_off, m);
	default:
		m->family = PKT_NON_IP;
		return DROP_NONE;
	}
}

bool
pkt_meta_equal(const struct pkt_meta *a, const struct pkt_meta *b)
{
	return a->family == b->family && a->has_tag == b->has_tag &&
	       a->tag_sgt == b->tag_sgt && a->tag_off == b->tag_off &&
	       a->l2_type_off == b->l2_type_off && a->l3_off == b->l3_off &&
	       a->src4 == b->src4 && a->dst4 == b->dst4 &&
	       a->src6 == b->src6 && a->dst6 == b->dst6 &&
	       a->l4.proto == b->l4.proto && a->l4.ipv6 == b->l4.ipv6 &&
	       a->l4.has_ports == b->l4.has_ports &&
	       a->l4.later_frag == b->l4.later_frag &&
	       a->l4.sport == b->l4.sport && a->l4.dport == b->l4.dport;
}
