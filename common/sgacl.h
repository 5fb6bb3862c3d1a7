/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SGACL access-control entries: the grammar operators already use on IOS and
 * ISE, parsed into a compact form the fast path can evaluate.
 *
 *   {permit|deny} <protocol> [{src|dst} {eq|lt|gt|neq} <port>
 *                             | {src|dst} range <lo> <hi>]... [log]
 *
 * <protocol> is a name (ip, icmp, tcp, udp, ...) or a number 0-255. Port
 * conditions are only valid with tcp or udp; at most one src and one dst
 * condition per ACE. "ip" matches every IP packet. "icmp" matches ICMP in
 * IPv4 and ICMPv6 in IPv6, as an IP-version-agnostic SGACL does; the numbers
 * 1 and 58 match only that exact protocol.
 */
#ifndef SGTGW_SGACL_H
#define SGTGW_SGACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sgacl_action {
	SGACL_PERMIT = 0,
	SGACL_DENY = 1,
};

/* Pseudo protocol values beyond 0-255 used only inside a compiled ACE. */
#define SGACL_PROTO_ANY   0x100 /* "ip" */
#define SGACL_PROTO_ICMPX 0x101 /* "icmp": ICMP (v4) or ICMPv6 (v6) */

/* A port condition is the closed range [lo, hi], negated when invert is set.
 * No condition is [0, 65535] without invert. */
struct sgacl_port_cond {
	uint16_t lo;
	uint16_t hi;
	bool invert;  /* "neq" */
	bool present; /* a condition was written (needs L4 ports) */
};

struct sgacl_ace {
	uint8_t action;   /* enum sgacl_action */
	bool log;
	uint16_t proto;   /* 0-255, SGACL_PROTO_ANY or SGACL_PROTO_ICMPX */
	struct sgacl_port_cond src;
	struct sgacl_port_cond dst;
};

/* Where and why a line was refused. pos is the 0-based byte offset of the
 * offending token in the ACE text. */
struct sgacl_error {
	size_t pos;
	char msg[128];
};

/* Parse one ACE line. Returns 0 on success, -1 with err filled in. */
int sgacl_ace_parse(const char *text, struct sgacl_ace *ace,
		    struct sgacl_error *err);

/* Canonical text of an ACE, as "show cts rbacl" prints it. Returns the
 * length snprintf would have written, or -1 (buf emptied) for an ACE that
 * the grammar cannot express, so that every formatted ACE parses back. */
int sgacl_ace_format(const struct sgacl_ace *ace, char *buf, size_t len);

/* Protocol name <-> number for the names the grammar accepts. */
int sgacl_proto_from_name(const char *name); /* -1 if unknown */
const char *sgacl_proto_name(uint16_t proto); /* NULL if it has none */

/* What the fast path knows about a packet's transport. */
struct sgacl_pkt {
	uint8_t proto;     /* IP protocol / IPv6 upper-layer header */
	bool ipv6;
	bool has_ports;    /* TCP/UDP with ports parsed (not a later fragment) */
	bool later_frag;   /* non-first fragment: no L4 header */
	uint16_t sport;    /* host byte order */
	uint16_t dport;
};

/*
 * Does the ACE match the packet? Non-first fragments follow IOS ACL
 * semantics: an ACE with port conditions matches a later fragment of its
 * protocol when it permits (the first fragment was already judged on its
 * ports) and never when it denies.
 *
 * Computed with bitwise operators rather than short-circuits: a burst of
 * mixed traffic would mispredict the branches those take (protocol, ports,
 * fragment), at about the cost of the whole evaluation each.
 */
static inline bool
sgacl_port_ok(const struct sgacl_port_cond *c, uint16_t port)
{
	bool in = (port >= c->lo) & (port <= c->hi);
	return in != c->invert;
}

static inline bool
sgacl_ace_match(const struct sgacl_ace *ace, const struct sgacl_pkt *p)
{
	unsigned icmp = p->ipv6 ? 58 : 1;
	/* SGACL_PROTO_ANY and _ICMPX never equal an IP protocol number. */
	unsigned proto_ok = (ace->proto == SGACL_PROTO_ANY) |
			    (ace->proto == p->proto) |
			    ((ace->proto == SGACL_PROTO_ICMPX) & (p->proto == icmp));
	unsigned no_ports = !(ace->src.present | ace->dst.present);
	unsigned ports_ok = (unsigned)p->has_ports &
			    (unsigned)sgacl_port_ok(&ace->src, p->sport) &
			    (unsigned)sgacl_port_ok(&ace->dst, p->dport);
	unsigned frag_ok = ace->action == SGACL_PERMIT;
	unsigned first = !p->later_frag;
	unsigned l4_ok = no_ports | (p->later_frag & frag_ok) |
			 (first & ports_ok);

	return proto_ok & l4_ok;
}

#endif
