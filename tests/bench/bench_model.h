/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The benchmark's world, generated deterministically from its sizes and a
 * seed, so that the pipeline benchmark, the end-to-end configuration and
 * the traffic it replays all describe the same network:
 *
 *   bindings  IPv4 hosts: 90% in dense DHCP scopes (/24s in 10.0.0.0/8,
 *             200 hosts each, .20-.219, most of a scope in one group),
 *             10% scattered over 100.64.0.0/10; IPv4 prefixes (/16-/22
 *             15%, /24 65%, /25-/29 20%) and IPv6 prefixes (/64 70%, /56
 *             15%, /48 15%, in 2001:db8::/32).
 *   policy    S groups (SGT values 2..S+1), min(S*S, 16*S, 60000) cells,
 *             every group in some cell; cells are mostly "permit ip" /
 *             "deny ip", some with several port ACEs, a few logging or in
 *             monitor mode; the default cell permits.
 *   traffic   packets of 60-90 bytes: IPv4 between hosts of a cell's groups
 *             (tagged_pct of them, 7 by default, carrying a Cisco Meta Data
 *             tag with the source SGT), IPv4 between random hosts, to IPv4
 *             prefixes, from
 *             unbound addresses, and IPv6 between IPv6 prefixes; TCP, UDP
 *             and ICMP with the ports the SGACLs talk about.
 *
 * A binding's group is a "slot" (0..4095); with S groups its SGT is
 * 2 + slot % S, so one set of addresses serves every policy size.
 */
#ifndef SGTGW_BENCH_MODEL_H
#define SGTGW_BENCH_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "policy.h"
#include "sgt.h"

struct bench_sizes {
	uint32_t v4_hosts;
	uint32_t v4_prefixes;
	uint32_t v6_prefixes;
	uint32_t sgts;          /* groups in the policy */
	uint32_t packets;       /* distinct frames in the traffic */
	uint32_t tagged_pct;    /* of the cell flows, with an inline tag */
	uint64_t seed;
};

struct bench_v4 {
	uint32_t addr_be;
	uint8_t len;
	uint16_t slot;
};

struct bench_v6 {
	uint8_t addr[16];
	uint8_t len;
	uint16_t slot;
};

enum bench_flow {
	BENCH_FLOW_CELL = 0,    /* hosts of a cell's two groups */
	BENCH_FLOW_RANDOM,      /* two random hosts */
	BENCH_FLOW_PREFIX,      /* host to an address in an IPv4 prefix */
	BENCH_FLOW_UNKNOWN,     /* unbound source and destination */
	BENCH_FLOW_V6,          /* IPv6 prefix to IPv6 prefix */
	BENCH_FLOW_MAX
};

/* One frame of the traffic, before it is written out. */
struct bench_pkt {
	uint8_t flow;           /* enum bench_flow */
	bool ipv6;
	bool tagged;            /* Cisco Meta Data tag carrying tag_sgt */
	sgt_t tag_sgt;
	uint8_t proto;          /* 6, 17, 1 or 58 */
	uint16_t sport, dport;
	uint32_t src4, dst4;    /* network byte order */
	uint8_t src6[16], dst6[16];
};

struct bench_model {
	struct bench_sizes sz;
	uint32_t n_v4;          /* hosts and prefixes, in one list */
	struct bench_v4 *v4;
	uint32_t n_v6;
	struct bench_v6 *v6;
	struct policy policy;   /* for sz.sgts groups */
	uint32_t n_pkts;
	struct bench_pkt *pkts;
};

/* Build the model; NULL when out of memory or the policy does not parse
 * (a message on stderr). */
struct bench_model *bench_model_new(const struct bench_sizes *sz);
void bench_model_free(struct bench_model *m);

/* The SGT of a binding slot under this model's policy size. */
static inline sgt_t
bench_sgt_of(const struct bench_model *m, uint16_t slot)
{
	return (sgt_t)(2 + slot % m->sz.sgts);
}

/* Serialize a frame (Ethernet, optional tag, IP, L4, padding to the
 * minimum size) into buf; returns its length. buf holds 128 bytes. */
#define BENCH_FRAME_MAX 128
uint32_t bench_frame(const struct bench_pkt *p, uint8_t *buf);

/* Write the traffic as a pcap file; 0 or -1 (errno). */
int bench_write_pcap(const struct bench_model *m, const char *path);

/* Write a whole sgtgw configuration for the model: the two devices as
 * given, paired, the first trusted; then the SGACLs, the policy and every
 * binding. 0 or -1. */
int bench_write_config(const struct bench_model *m, FILE *f,
		       const char *dev_in, const char *dev_out,
		       uint32_t workers, uint32_t mbufs);

#endif
