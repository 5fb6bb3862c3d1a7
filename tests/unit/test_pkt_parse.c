/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pkt_parse on frames built byte by byte: every drop reason, 802.1Q and
 * QinQ, the Cisco Meta Data tag's fields, IPv4 options and fragments,
 * the IPv6 extension-header walk (hop-by-hop, routing, destination options,
 * fragment first and later, AH), tiny first fragments; and
 * inline_tag_apply (add, rewrite, strip, keep, no headroom) on real mbufs.
 * Every frame goes through the fast path and the reference parser both,
 * which must agree.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "unit_eal.h"
#include "config.h"
#include "inline_tag.h"
#include "pkt_parse.h"

/* ---- both parsers ------------------------------------------------------ */

/* Every parse in these tests goes through pkt_parse_seg (the fast path,
 * else the reference parser) and the reference parser alone: the two must
 * agree, and where the fast path takes a frame it must find exactly what
 * the reference parser does. fast_taken counts the frames it took. */
static unsigned fast_taken;

static enum drop_reason
parse_seg_checked(const uint8_t *data, uint32_t seen, uint32_t frame_len,
		  struct pkt_meta *m)
{
	struct pkt_meta full, fast;
	enum drop_reason r = pkt_parse_full(data, seen, frame_len, &full);

	if (pkt_parse_plain(data, seen, frame_len, &fast)) {
		fast_taken++;
		assert_int_equal(r, DROP_NONE);
		assert_true(pkt_meta_equal(&fast, &full));
	}
	assert_int_equal(pkt_parse_seg(data, seen, frame_len, m), r);
	if (r == DROP_NONE)
		assert_true(pkt_meta_equal(m, &full));
	return r;
}

static enum drop_reason
parse_checked(const uint8_t *data, uint32_t len, struct pkt_meta *m)
{
	return parse_seg_checked(data, len, len, m);
}

/* ---- frame builder ---------------------------------------------------- */

struct frame {
	uint8_t b[1024];
	uint32_t n;
};

static void
put(struct frame *f, const void *p, size_t n)
{
	assert_true(f->n + n <= sizeof(f->b));
	memcpy(f->b + f->n, p, n);
	f->n += (uint32_t)n;
}

static void
u8(struct frame *f, uint8_t v)
{
	put(f, &v, 1);
}

static void
u16(struct frame *f, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(f, b, 2);
}

static void
zeros(struct frame *f, size_t n)
{
	assert_true(f->n + n <= sizeof(f->b));
	memset(f->b + f->n, 0, n);
	f->n += (uint32_t)n;
}

static void
set16(struct frame *f, uint32_t off, uint16_t v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

/* Destination and source MAC, then the ethertype. */
static void
eth(struct frame *f, uint16_t type)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 0xb, 2, 0, 0, 0, 0, 0xa };

	f->n = 0;
	put(f, macs, sizeof(macs));
	u16(f, type);
}

static void
vlan(struct frame *f, uint16_t vid, uint16_t next_type)
{
	u16(f, vid);
	u16(f, next_type);
}

/* The 8 bytes after the 0x8909 ethertype already written: version, length,
 * option, SGT, then the inner ethertype. */
static void
cmd(struct frame *f, uint8_t version, uint8_t length, uint16_t option,
    uint16_t sgt, uint16_t inner)
{
	u8(f, version);
	u8(f, length);
	u16(f, option);
	u16(f, sgt);
	u16(f, inner);
}

#define SRC4 0x0a010001u /* 10.1.0.1 */
#define DST4 0x0a020002u /* 10.2.0.2 */

/* An IPv4 header (IHL from opt_words); total length patched by ip4_end. */
static uint32_t
ip4(struct frame *f, uint8_t proto, uint16_t frag_field, unsigned opt_words)
{
	uint32_t start = f->n;
	uint8_t src[4] = { 10, 1, 0, 1 }, dst[4] = { 10, 2, 0, 2 };

	u8(f, (uint8_t)(0x40 | (5 + opt_words)));
	u8(f, 0);
	u16(f, 0);              /* total length, later */
	u16(f, 0x1234);
	u16(f, frag_field);
	u8(f, 64);
	u8(f, proto);
	u16(f, 0);
	put(f, src, 4);
	put(f, dst, 4);
	for (unsigned i = 0; i < opt_words; i++) {
		u8(f, 1); u8(f, 1); u8(f, 1); u8(f, 0);  /* NOP NOP NOP EOL */
	}
	return start;
}

static void
ip4_end(struct frame *f, uint32_t start)
{
	set16(f, start + 2, (uint16_t)(f->n - start));
}

static const uint8_t src6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };
static const uint8_t dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 2 };

static uint32_t
ip6(struct frame *f, uint8_t nh)
{
	uint32_t start = f->n;

	u8(f, 0x60);
	zeros(f, 3);
	u16(f, 0);              /* payload length, later */
	u8(f, nh);
	u8(f, 64);
	put(f, src6, 16);
	put(f, dst6, 16);
	return start;
}

static void
ip6_end(struct frame *f, uint32_t start)
{
	set16(f, start + 4, (uint16_t)(f->n - start - 40));
}

/* A generic extension header of 8 * (1 + len8) bytes. */
static void
ext(struct frame *f, uint8_t nh, uint8_t len8)
{
	u8(f, nh);
	u8(f, len8);
	zeros(f, 6 + 8u * len8);
}

static void
frag6(struct frame *f, uint8_t nh, uint16_t offset8, bool more)
{
	u8(f, nh);
	u8(f, 0);
	u16(f, (uint16_t)(offset8 << 3 | (more ? 1 : 0)));
	u16(f, 0xbeef);
	u16(f, 0x0001);
}

static void
tcp(struct frame *f, uint16_t sport, uint16_t dport, uint8_t doff)
{
	u16(f, sport);
	u16(f, dport);
	zeros(f, 8);
	u8(f, (uint8_t)(doff << 4));
	u8(f, 0x02);
	zeros(f, 6);
}

static void
udp(struct frame *f, uint16_t sport, uint16_t dport)
{
	u16(f, sport);
	u16(f, dport);
	u16(f, 8);
	u16(f, 0);
}

static enum drop_reason
parse(const struct frame *f, struct pkt_meta *m)
{
	return parse_checked(f->b, f->n, m);
}

/* IPv4 10.1.0.1 -> 10.2.0.2, TCP 1111 -> 80, after what f holds. */
static void
frame_v4_tcp(struct frame *f)
{
	uint32_t s;

	s = ip4(f, 6, 0, 0);
	tcp(f, 1111, 80, 5);
	ip4_end(f, s);
}

/* ---- Ethernet, VLAN ---------------------------------------------------- */

static void
test_runt(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	eth(&f, 0x0800);
	for (uint32_t len = 0; len < 14; len++)
		assert_int_equal(parse_checked(f.b, len, &m), DROP_RUNT);
	eth(&f, 0x88b5);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_int_equal(m.family, PKT_NON_IP);
	assert_false(m.has_tag);
}

static void
test_non_ip(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	eth(&f, 0x0806);
	zeros(&f, 28);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_int_equal(m.family, PKT_NON_IP);
	assert_int_equal(m.l2_type_off, 12);
	assert_int_equal(m.l3_off, 14);
}

static void
test_vlan(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	/* 802.1Q */
	eth(&f, 0x8100);
	vlan(&f, 100, 0x0800);
	frame_v4_tcp(&f);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_int_equal(m.family, PKT_IPV4);
	assert_int_equal(m.l2_type_off, 16);
	assert_int_equal(m.l3_off, 18);
	assert_true(m.l4.has_ports);
	assert_int_equal(m.l4.sport, 1111);
	assert_int_equal(m.l4.dport, 80);

	/* QinQ: 802.1ad then 802.1Q */
	eth(&f, 0x88a8);
	vlan(&f, 100, 0x8100);
	vlan(&f, 200, 0x0800);
	frame_v4_tcp(&f);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_int_equal(m.l2_type_off, 20);
	assert_int_equal(m.l3_off, 22);
	assert_int_equal(m.l4.dport, 80);

	/* Old-style QinQ 0x9100 */
	eth(&f, 0x9100);
	vlan(&f, 100, 0x8100);
	vlan(&f, 200, 0x86dd);
	uint32_t s = ip6(&f, 17);
	udp(&f, 53, 5353);
	ip6_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_int_equal(m.family, PKT_IPV6);
	assert_int_equal(m.l3_off, 22);
	assert_int_equal(m.l4.dport, 5353);

	/* A third tag is not parsed: the frame is not IP */
	eth(&f, 0x8100);
	vlan(&f, 1, 0x8100);
	vlan(&f, 2, 0x8100);
	vlan(&f, 3, 0x0800);
	frame_v4_tcp(&f);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_int_equal(m.family, PKT_NON_IP);
}

static void
test_bad_vlan(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	eth(&f, 0x8100);
	vlan(&f, 100, 0x0800);
	for (uint32_t len = 14; len < 18; len++)
		assert_int_equal(parse_checked(f.b, len, &m), DROP_BAD_VLAN);
	/* the inner type is there, the IPv4 header is not */
	assert_int_equal(parse_checked(f.b, 18, &m), DROP_BAD_IPV4);

	eth(&f, 0x88a8);
	vlan(&f, 100, 0x8100);
	vlan(&f, 200, 0x0800);
	for (uint32_t len = 18; len < 22; len++)
		assert_int_equal(parse_checked(f.b, len, &m), DROP_BAD_VLAN);
}

/* ---- Cisco Meta Data ----------------------------------------------------- */

static void
test_cmd_fields(void **state)
{
	struct frame f;
	struct pkt_meta m;

	(void)state;
	eth(&f, 0x8909);
	cmd(&f, 1, 1, 0x0001, 10, 0x0800);
	frame_v4_tcp(&f);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_true(m.has_tag);
	assert_int_equal(m.tag_sgt, 10);
	assert_int_equal(m.tag_off, 12);
	assert_int_equal(m.l2_type_off, 12);
	assert_int_equal(m.l3_off, 22);
	assert_int_equal(m.family, PKT_IPV4);
	assert_int_equal(m.l4.dport, 80);

	/* after 802.1Q, with IPv6 inside and the highest valid SGT */
	eth(&f, 0x8100);
	vlan(&f, 7, 0x8909);
	cmd(&f, 1, 1, 0x0001, 0xfffe, 0x86dd);
	uint32_t s = ip6(&f, 6);
	tcp(&f, 2222, 443, 5);
	ip6_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_true(m.has_tag);
	assert_int_equal(m.tag_sgt, 0xfffe);
	assert_int_equal(m.tag_off, 16);
	assert_int_equal(m.l2_type_off, 16);
	assert_int_equal(m.l3_off, 26);
	assert_int_equal(m.family, PKT_IPV6);
	assert_int_equal(m.l4.dport, 443);

	/* SGT 0 is a valid tag */
	eth(&f, 0x8909);
	cmd(&f, 1, 1, 0x0001, 0, 0x0806);
	zeros(&f, 28);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_true(m.has_tag);
	assert_int_equal(m.tag_sgt, 0);
	assert_int_equal(m.family, PKT_NON_IP);
}

static void
test_bad_cmd(void **state)
{
	static const struct {
		uint8_t version, length;
		uint16_t option, sgt;
	} bad[] = {
		{ 0, 1, 0x0001, 10 }, { 2, 1, 0x0001, 10 }, { 1, 0, 0x0001, 10 },
		{ 1, 2, 0x0001, 10 }, { 1, 1, 0x0002, 10 }, { 1, 1, 0x2001, 10 },
		{ 1, 1, 0x0000, 10 }, { 1, 1, 0x0001, 0xffff },
	};
	struct frame f;
	struct pkt_meta m;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		eth(&f, 0x8909);
		cmd(&f, bad[i].version, bad[i].length, bad[i].option, bad[i].sgt, 0x0800);
		frame_v4_tcp(&f);
		assert_int_equal(parse(&f, &m), DROP_BAD_CMD);
	}
	/* cut short: 12 MAC + 8 tag + 2 inner type are needed */
	eth(&f, 0x8909);
	cmd(&f, 1, 1, 0x0001, 10, 0x0800);
	for (uint32_t len = 14; len < 22; len++)
		assert_int_equal(parse_checked(f.b, len, &m), DROP_BAD_CMD);
	assert_int_equal(parse_checked(f.b, 22, &m), DROP_BAD_IPV4);
}

/* ---- IPv4 ------------------------------------------------------------------- */

static void
test_ipv4(void **state)
{
	struct frame f;
	struct pkt_meta m;
	uint32_t s, src_be, dst_be;

	(void)state;
	eth(&f, 0x0800);
	s = ip4(&f, 17, 0, 0);
	udp(&f, 5000, 53);
	ip4_end(&f, s);
	zeros(&f, 10);          /* Ethernet padding after the packet */
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_int_equal(m.family, PKT_IPV4);
	assert_int_equal(m.l3_off, 14);
	src_be = rte_cpu_to_be_32(SRC4);
	dst_be = rte_cpu_to_be_32(DST4);
	assert_memory_equal(&m.src4, &src_be, 4);
	assert_memory_equal(&m.dst4, &dst_be, 4);
	assert_int_equal(m.l4.proto, 17);
	assert_false(m.l4.ipv6);
	assert_true(m.l4.has_ports);
	assert_false(m.l4.later_frag);
	assert_int_equal(m.l4.sport, 5000);
	assert_int_equal(m.l4.dport, 53);

	/* options: the transport header starts after IHL * 4 bytes */
	eth(&f, 0x0800);
	s = ip4(&f, 6, 0, 2);
	tcp(&f, 3333, 8080, 5);
	ip4_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_int_equal(m.l4.sport, 3333);
	assert_int_equal(m.l4.dport, 8080);

	/* a protocol without ports, no payload at all */
	eth(&f, 0x0800);
	s = ip4(&f, 47, 0, 0);
	ip4_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_int_equal(m.l4.proto, 47);
	assert_false(m.l4.has_ports);

	/* ICMP: 8 bytes needed, no ports */
	eth(&f, 0x0800);
	s = ip4(&f, 1, 0, 0);
	zeros(&f, 8);
	ip4_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_false(m.l4.has_ports);
}

static void
test_bad_ipv4(void **state)
{
	struct frame f;
	struct pkt_meta m;
	uint32_t s;

	(void)state;
	/* header cut */
	eth(&f, 0x0800);
	s = ip4(&f, 6, 0, 0);
	tcp(&f, 1, 2, 5);
	ip4_end(&f, s);
	for (uint32_t len = 14; len < 34; len++)
		assert_int_equal(parse_checked(f.b, len, &m), DROP_BAD_IPV4);
	/* total length one beyond the frame */
	assert_int_equal(parse_checked(f.b, f.n - 1, &m), DROP_BAD_IPV4);
	/* version 6 behind 0x0800 */
	f.b[14] = 0x65;
	assert_int_equal(parse(&f, &m), DROP_BAD_IPV4);
	/* IHL below 5 */
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		f.b[14] = (uint8_t)(0x40 | ihl);
		assert_int_equal(parse(&f, &m), DROP_BAD_IPV4);
	}
	/* IHL beyond the total length */
	f.b[14] = 0x4f;
	assert_int_equal(parse(&f, &m), DROP_BAD_IPV4);
	/* total length below the header */
	f.b[14] = 0x45;
	set16(&f, 16, 19);
	assert_int_equal(parse(&f, &m), DROP_BAD_IPV4);
	set16(&f, 16, 0);
	assert_int_equal(parse(&f, &m), DROP_BAD_IPV4);
}

static void
test_ipv4_fragments(void **state)
{
	struct frame f;
	struct pkt_meta m;
	uint32_t s;

	(void)state;
	/* first fragment (MF, offset 0): judged on its ports */
	eth(&f, 0x0800);
	s = ip4(&f, 6, 0x2000, 0);
	tcp(&f, 1234, 22, 5);
	ip4_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_false(m.l4.later_frag);
	assert_true(m.l4.has_ports);
	assert_int_equal(m.l4.dport, 22);

	/* later fragment: no ports, even a 1-byte one is fine */
	eth(&f, 0x0800);
	s = ip4(&f, 6, 0x2000 | 185, 0);
	u8(&f, 0xaa);
	ip4_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_true(m.l4.later_frag);
	assert_false(m.l4.has_ports);
	assert_int_equal(m.l4.sport, 0);
	assert_int_equal(m.l4.dport, 0);
	assert_int_equal(m.l4.proto, 6);

	/* the last fragment (no MF, offset > 0) too; DF does not matter */
	eth(&f, 0x0800);
	s = ip4(&f, 17, 0x4000 | 1, 0);
	ip4_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_true(m.l4.later_frag);

	/* tiny first fragment: TCP header cut at 19 bytes */
	eth(&f, 0x0800);
	s = ip4(&f, 6, 0x2000, 0);
	tcp(&f, 1234, 22, 5);
	f.n -= 1;
	ip4_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_BAD_L4);
	/* ... 8 bytes of TCP (ports, but no more) */
	f.n = s + 20 + 8;
	ip4_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_BAD_L4);
}

static void
test_bad_l4(void **state)
{
	struct frame f;
	struct pkt_meta m;
	uint32_t s;

	(void)state;
	/* TCP data offset below 5 */
	eth(&f, 0x0800);
	s = ip4(&f, 6, 0, 0);
	tcp(&f, 1, 2, 4);
	ip4_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_BAD_L4);
	/* UDP 7 bytes */
	eth(&f, 0x0800);
	s = ip4(&f, 17, 0, 0);
	zeros(&f, 7);
	ip4_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_BAD_L4);
	/* ICMP 7 bytes */
	eth(&f, 0x0800);
	s = ip4(&f, 1, 0, 0);
	zeros(&f, 7);
	ip4_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_BAD_L4);
	/* the bytes after the IPv4 total length do not count as L4 */
	eth(&f, 0x0800);
	s = ip4(&f, 17, 0, 0);
	zeros(&f, 4);
	ip4_end(&f, s);
	zeros(&f, 20);
	assert_int_equal(parse(&f, &m), DROP_BAD_L4);
}

/* ---- IPv6 ------------------------------------------------------------------ */

static void
test_ipv6(void **state)
{
	struct frame f;
	struct pkt_meta m;
	uint32_t s;

	(void)state;
	eth(&f, 0x86dd);
	s = ip6(&f, 6);
	tcp(&f, 4444, 443, 5);
	ip6_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_int_equal(m.family, PKT_IPV6);
	assert_ptr_equal(m.src6, f.b + 14 + 8);
	assert_ptr_equal(m.dst6, f.b + 14 + 24);
	assert_memory_equal(m.src6, src6, 16);
	assert_memory_equal(m.dst6, dst6, 16);
	assert_true(m.l4.ipv6);
	assert_int_equal(m.l4.proto, 6);
	assert_int_equal(m.l4.sport, 4444);
	assert_int_equal(m.l4.dport, 443);

	/* ICMPv6: 4 bytes are enough, 3 are not */
	eth(&f, 0x86dd);
	s = ip6(&f, 58);
	zeros(&f, 4);
	ip6_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_int_equal(m.l4.proto, 58);
	f.n -= 1;
	ip6_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_BAD_L4);

	/* ESP is the upper layer (not walked), No Next Header too */
	eth(&f, 0x86dd);
	s = ip6(&f, 50);
	zeros(&f, 16);
	ip6_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_int_equal(m.l4.proto, 50);
	eth(&f, 0x86dd);
	s = ip6(&f, 59);
	ip6_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_int_equal(m.l4.proto, 59);
}

static void
test_ipv6_ext_walk(void **state)
{
	struct frame f;
	struct pkt_meta m;
	uint32_t s;

	(void)state;
	/* hop-by-hop (8) -> routing (24) -> destination options (16) -> TCP */
	eth(&f, 0x86dd);
	s = ip6(&f, 0);
	ext(&f, 43, 0);
	ext(&f, 60, 2);
	ext(&f, 6, 1);
	tcp(&f, 5555, 22, 5);
	ip6_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_int_equal(m.l4.proto, 6);
	assert_int_equal(m.l4.sport, 5555);
	assert_int_equal(m.l4.dport, 22);
	assert_false(m.l4.later_frag);

	/* AH: length in 4-byte units minus 2 (len 4 = 24 bytes) -> UDP */
	eth(&f, 0x86dd);
	s = ip6(&f, 51);
	u8(&f, 17);
	u8(&f, 4);
	zeros(&f, 22);
	udp(&f, 500, 4500);
	ip6_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_int_equal(m.l4.proto, 17);
	assert_int_equal(m.l4.dport, 4500);

	/* first fragment (offset 0, M): walked to TCP, judged on ports */
	eth(&f, 0x86dd);
	s = ip6(&f, 0);
	ext(&f, 44, 0);
	frag6(&f, 6, 0, true);
	tcp(&f, 6666, 5432, 5);
	ip6_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_false(m.l4.later_frag);
	assert_true(m.l4.has_ports);
	assert_int_equal(m.l4.dport, 5432);

	/* later fragment: the fragment header names the upper layer */
	eth(&f, 0x86dd);
	s = ip6(&f, 44);
	frag6(&f, 6, 100, false);
	zeros(&f, 3);
	ip6_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_true(m.l4.later_frag);
	assert_false(m.l4.has_ports);
	assert_int_equal(m.l4.proto, 6);

	/* tiny first fragment */
	eth(&f, 0x86dd);
	s = ip6(&f, 44);
	frag6(&f, 6, 0, true);
	zeros(&f, 10);
	ip6_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_BAD_L4);

	/* eight extension headers are walked, a ninth is refused */
	eth(&f, 0x86dd);
	s = ip6(&f, 60);
	for (int i = 0; i < 7; i++)
		ext(&f, 60, 0);
	ext(&f, 17, 0);
	udp(&f, 1, 2);
	ip6_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_NONE);
	assert_int_equal(m.l4.dport, 2);
	eth(&f, 0x86dd);
	s = ip6(&f, 60);
	for (int i = 0; i < 8; i++)
		ext(&f, 60, 0);
	ext(&f, 17, 0);
	udp(&f, 1, 2);
	ip6_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_BAD_IPV6);
}

static void
test_bad_ipv6(void **state)
{
	struct frame f;
	struct pkt_meta m;
	uint32_t s;

	(void)state;
	eth(&f, 0x86dd);
	s = ip6(&f, 6);
	tcp(&f, 1, 2, 5);
	ip6_end(&f, s);
	/* header cut */
	for (uint32_t len = 14; len < 54; len++)
		assert_int_equal(parse_checked(f.b, len, &m), DROP_BAD_IPV6);
	/* payload length beyond the frame */
	assert_int_equal(parse_checked(f.b, f.n - 1, &m), DROP_BAD_IPV6);
	/* version 4 behind 0x86dd */
	f.b[14] = 0x40;
	assert_int_equal(parse(&f, &m), DROP_BAD_IPV6);

	/* extension header cut: fewer than 8 bytes of it */
	eth(&f, 0x86dd);
	s = ip6(&f, 0);
	u8(&f, 6);
	zeros(&f, 5);
	ip6_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_BAD_IPV6);

	/* extension header longer than the payload */
	eth(&f, 0x86dd);
	s = ip6(&f, 60);
	u8(&f, 6);
	u8(&f, 3);              /* 32 bytes claimed */
	zeros(&f, 14);
	ip6_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_BAD_IPV6);

	/* an extension header past the payload length, inside the frame */
	eth(&f, 0x86dd);
	s = ip6(&f, 0);
	ip6_end(&f, s);         /* payload length 0 */
	ext(&f, 6, 0);
	tcp(&f, 1, 2, 5);
	assert_int_equal(parse(&f, &m), DROP_BAD_IPV6);

	/* AH claiming more than there is */
	eth(&f, 0x86dd);
	s = ip6(&f, 51);
	u8(&f, 6);
	u8(&f, 10);
	zeros(&f, 10);
	ip6_end(&f, s);
	assert_int_equal(parse(&f, &m), DROP_BAD_IPV6);
}

/* ---- the fast path ----------------------------------------------------- */

/* Does the fast path take f (parse_seg_checked has checked it against the
 * reference parser either way)? */
static bool
taken(const struct frame *f, uint32_t frame_len)
{
	struct pkt_meta m;
	unsigned before = fast_taken;

	parse_seg_checked(f->b, f->n, frame_len, &m);
	return fast_taken == before + 1;
}

/* The frames it exists for, and the ones it must leave to the reference
 * parser: anything tagged, with options, a later fragment, an IPv6
 * extension header, or cut short. */
static void
test_fast_path(void **state)
{
	struct frame f;
	uint32_t s;

	(void)state;
	eth(&f, 0x0800);
	frame_v4_tcp(&f);
	assert_true(taken(&f, f.n));
	assert_true(taken(&f, f.n + 1000));     /* first segment of a longer frame */
	assert_false(taken(&f, f.n - 1));       /* total length past the end */
	f.n--;
	assert_false(taken(&f, f.n + 1));       /* TCP header cut off in the segment */

	eth(&f, 0x0800);
	s = ip4(&f, 17, 0x2000, 0);             /* MF: a first fragment */
	udp(&f, 5000, 53);
	ip4_end(&f, s);
	zeros(&f, 10);
	assert_true(taken(&f, f.n));
	set16(&f, 14 + 6, 0x0001);              /* a later fragment */
	assert_false(taken(&f, f.n));

	eth(&f, 0x0800);
	s = ip4(&f, 1, 0, 0);                   /* ICMP */
	zeros(&f, 8);
	ip4_end(&f, s);
	assert_true(taken(&f, f.n));

	eth(&f, 0x0800);
	s = ip4(&f, 6, 0, 1);                   /* options */
	tcp(&f, 1, 2, 5);
	ip4_end(&f, s);
	assert_false(taken(&f, f.n));

	eth(&f, 0x8100);
	vlan(&f, 10, 0x0800);
	frame_v4_tcp(&f);
	assert_false(taken(&f, f.n));

	eth(&f, ETHERTYPE_CMD);
	cmd(&f, 1, 1, 0x0001, 42, 0x0800);
	frame_v4_tcp(&f);
	assert_false(taken(&f, f.n));

	eth(&f, 0x86dd);
	s = ip6(&f, 17);
	udp(&f, 1, 2);
	ip6_end(&f, s);
	assert_true(taken(&f, f.n));
	assert_false(taken(&f, f.n - 1));

	eth(&f, 0x86dd);
	s = ip6(&f, 58);
	zeros(&f, 4);
	ip6_end(&f, s);
	assert_true(taken(&f, f.n));

	eth(&f, 0x86dd);
	s = ip6(&f, 0);                         /* hop-by-hop first */
	ext(&f, 6, 0);
	tcp(&f, 1, 2, 5);
	ip6_end(&f, s);
	assert_false(taken(&f, f.n));
}

/* ---- inline_tag_apply on mbufs ------------------------------------------ */

static struct rte_mempool *pool;


static int
eal_setup(void **state)
{
	(void)state;
	if (unit_eal_init("test_pkt_parse", "128") < 0)
		return -1;
	pool = rte_pktmbuf_pool_create("test_parse", 256, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	return pool == NULL ? -1 : 0;
}

static int
eal_teardown(void **state)
{
	(void)state;
	rte_mempool_free(pool);
	return unit_eal_cleanup();
}

static struct rte_mbuf *
mbuf_of(const struct frame *f)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)f->n);
	assert_non_null(p);
	memcpy(p, f->b, f->n);
	return m;
}

static void
assert_mbuf_is(struct rte_mbuf *m, const struct frame *want)
{
	assert_int_equal(rte_pktmbuf_pkt_len(m), want->n);
	assert_int_equal(rte_pktmbuf_data_len(m), want->n);
	assert_memory_equal(rte_pktmbuf_mtod(m, uint8_t *), want->b, want->n);
}

/* The same IPv4/TCP frame, with VLAN 100 or not, with a tag or not. */
static void
tagged_frame(struct frame *f, bool with_vlan, bool with_tag, uint16_t sgt)
{
	uint16_t l3type = with_tag ? 0x8909 : 0x0800;

	if (with_vlan) {
		eth(f, 0x8100);
		vlan(f, 100, l3type);
	} else {
		eth(f, l3type);
	}
	if (with_tag)
		cmd(f, 1, 1, 0x0001, sgt, 0x0800);
	frame_v4_tcp(f);
}

static void
apply_case(bool with_vlan, bool with_tag, uint16_t in_sgt, uint8_t op, sgt_t sgt,
	   bool want_tag, uint16_t want_sgt)
{
	struct frame in, want;
	struct pkt_meta meta;
	struct rte_mbuf *m;

	tagged_frame(&in, with_vlan, with_tag, in_sgt);
	tagged_frame(&want, with_vlan, want_tag, want_sgt);
	m = mbuf_of(&in);
	assert_int_equal(parse_checked(rte_pktmbuf_mtod(m, uint8_t *),
				   rte_pktmbuf_data_len(m), &meta), DROP_NONE);
	assert_int_equal(inline_tag_apply(m, &meta, op, sgt), DROP_NONE);
	assert_mbuf_is(m, &want);
	/* what went out parses as what we meant */
	assert_int_equal(parse_checked(rte_pktmbuf_mtod(m, uint8_t *),
				   rte_pktmbuf_data_len(m), &meta), DROP_NONE);
	assert_int_equal(meta.has_tag, want_tag);
	if (want_tag)
		assert_int_equal(meta.tag_sgt, want_sgt);
	assert_int_equal(meta.l4.dport, 80);
	rte_pktmbuf_free(m);
}

static void
test_tag_add(void **state)
{
	(void)state;
	apply_case(false, false, 0, CONFIG_TAG_ADD, 42, true, 42);   /* insert */
	apply_case(true, false, 0, CONFIG_TAG_ADD, 42, true, 42);    /* after 802.1Q */
	apply_case(false, true, 7, CONFIG_TAG_ADD, 42, true, 42);    /* rewrite */
	apply_case(true, true, 7, CONFIG_TAG_ADD, 0, true, 0);       /* rewrite to 0 */
}

static void
test_tag_strip_keep(void **state)
{
	(void)state;
	apply_case(false, true, 7, CONFIG_TAG_STRIP, 42, false, 0);
	apply_case(true, true, 7, CONFIG_TAG_STRIP, 42, false, 0);
	apply_case(false, false, 0, CONFIG_TAG_STRIP, 42, false, 0);
	apply_case(false, true, 7, CONFIG_TAG_KEEP, 42, true, 7);
	apply_case(true, true, 7, CONFIG_TAG_KEEP, 42, true, 7);
	apply_case(false, false, 0, CONFIG_TAG_KEEP, 42, false, 0);
}

static void
test_tag_no_headroom(void **state)
{
	struct frame in;
	struct pkt_meta meta;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	(void)state;
	assert_non_null(m);
	tagged_frame(&in, true, false, 0);
	/* leave 4 bytes of headroom: a tag needs 8 */
	m->data_off = 4;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)in.n);
	assert_non_null(p);
	memcpy(p, in.b, in.n);
	assert_int_equal(parse_checked(p, in.n, &meta), DROP_NONE);
	assert_int_equal(inline_tag_apply(m, &meta, CONFIG_TAG_ADD, 9), DROP_TAG_ROOM);
	assert_mbuf_is(m, &in);
	/* rewriting an existing tag needs no room */
	rte_pktmbuf_reset(m);
	m->data_off = 0;
	tagged_frame(&in, false, true, 3);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)in.n);
	memcpy(p, in.b, in.n);
	assert_int_equal(parse_checked(p, in.n, &meta), DROP_NONE);
	assert_int_equal(inline_tag_apply(m, &meta, CONFIG_TAG_ADD, 9), DROP_NONE);
	assert_int_equal(rte_pktmbuf_mtod(m, uint8_t *)[19], 9);
	rte_pktmbuf_free(m);
}

/* A frame spread over several mbuf segments: headers in the first, length
 * fields checked against the whole frame (jumbo frames are not malformed). */
static void
test_segments(void **state)
{
	struct frame f;
	struct pkt_meta m;
	uint32_t s;

	(void)state;
	eth(&f, 0x0800);
	s = ip4(&f, 6, 0, 0);
	tcp(&f, 1111, 443, 5);
	set16(&f, s + 2, 9000);         /* the rest is in later segments */
	assert_int_equal(parse_seg_checked(f.b, f.n, 14 + 9000, &m), DROP_NONE);
	assert_true(m.l4.has_ports);
	assert_int_equal(m.l4.dport, 443);
	/* the IP length still may not exceed the frame */
	assert_int_equal(parse_seg_checked(f.b, f.n, 14 + 8999, &m), DROP_BAD_IPV4);
	/* nor may the headers leave the first segment */
	assert_int_equal(parse_seg_checked(f.b, 14 + 30, 14 + 9000, &m), DROP_BAD_L4);
	assert_int_equal(parse_seg_checked(f.b, 14 + 10, 14 + 9000, &m), DROP_BAD_IPV4);

	eth(&f, 0x86DD);
	s = ip6(&f, 0);
	ext(&f, 6, 0);                  /* hop-by-hop, then TCP */
	tcp(&f, 2222, 22, 5);
	set16(&f, s + 4, 9000);
	assert_int_equal(parse_seg_checked(f.b, f.n, 14 + 40 + 9000, &m), DROP_NONE);
	assert_int_equal(m.l4.dport, 22);
	assert_int_equal(parse_seg_checked(f.b, f.n, 14 + 40 + 8999, &m), DROP_BAD_IPV6);
	assert_int_equal(parse_seg_checked(f.b, 14 + 44, 14 + 40 + 9000, &m), DROP_BAD_IPV6);
}

int
main(void)
{
	const struct CMUnitTest parse_tests[] = {
		cmocka_unit_test(test_runt),
		cmocka_unit_test(test_non_ip),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_bad_vlan),
		cmocka_unit_test(test_cmd_fields),
		cmocka_unit_test(test_bad_cmd),
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_bad_ipv4),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_bad_l4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_ipv6_ext_walk),
		cmocka_unit_test(test_bad_ipv6),
		cmocka_unit_test(test_segments),
		cmocka_unit_test(test_fast_path),
	};
	const struct CMUnitTest tag_tests[] = {
		cmocka_unit_test(test_tag_add),
		cmocka_unit_test(test_tag_strip_keep),
		cmocka_unit_test(test_tag_no_headroom),
	};
	int failed = cmocka_run_group_tests_name("pkt_parse", parse_tests, NULL, NULL);

	failed += cmocka_run_group_tests_name("inline_tag", tag_tests, eal_setup,
					      eal_teardown);
	return failed;
}
