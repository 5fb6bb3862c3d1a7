/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The benchmark's bindings, policy and traffic (see bench_model.h). Only
 * libc and the policy model: the configuration writer runs without DPDK.
 */
#include "bench_model.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4096u             /* groups a binding can name */
#define SCOPE_HOSTS 200u        /* hosts of a dense DHCP scope, .20-.219 */
#define SCOPE_FIRST 20u
#define SCOPE_MAX 65536u        /* /24s in 10.0.0.0/8 */
#define MAX_CELLS 60000u
#define CELLS_PER_SGT 16u

/* ---- deterministic randomness (splitmix64) ---- */

static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static uint32_t
rnd_below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(((rnd(s) >> 32) * n) >> 32);
}

/* Index into a weight table. */
static uint32_t
rnd_pick(uint64_t *s, const uint8_t *w, uint32_t n)
{
	uint32_t total = 0, r;

	for (uint32_t i = 0; i < n; i++)
		total += w[i];
	r = rnd_below(s, total);
	for (uint32_t i = 0; i < n; i++) {
		if (r < w[i])
			return i;
		r -= w[i];
	}
	return n - 1;
}

/* ---- a set of 64-bit keys, to keep prefixes distinct ---- */

struct set64 {
	uint64_t *k;
	uint64_t mask;
};

static int
set_init(struct set64 *s, uint32_t n)
{
	uint64_t size = 16;

	while (size < (uint64_t)n * 2)
		size <<= 1;
	s->k = calloc(size, sizeof(*s->k));
	s->mask = size - 1;
	return s->k == NULL ? -1 : 0;
}

/* Keys are never 0 (a length is always part of them). Returns whether the
 * key was new. */
static bool
set_add(struct set64 *s, uint64_t key)
{
	uint64_t h = key * UINT64_C(0x9E3779B97F4A7C15);

	for (uint64_t i = h >> 20;; i++) {
		uint64_t *slot = &s->k[i & s->mask];

		if (*slot == key)
			return false;
		if (*slot == 0) {
			*slot = key;
			return true;
		}
	}
}

/* ---- bindings ---- */

static uint32_t
v4(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	return htonl(a << 24 | b << 16 | c << 8 | d);
}

static void
gen_hosts(struct bench_model *m, uint64_t *rs)
{
	uint32_t n = m->sz.v4_hosts;
	uint32_t scoped = (uint32_t)((uint64_t)n * 9 / 10);
	uint32_t i = 0;

	/* Dense scopes, spread over 10.0.0.0/8 (odd multiplier: a bijection
	 * on the 65536 /24s); most hosts of a scope share its group. */
	for (uint32_t s = 0; i < scoped; s++) {
		uint32_t idx = (s * 40503u) & (SCOPE_MAX - 1);
		uint16_t dominant = (uint16_t)rnd_below(rs, SLOTS);

		for (uint32_t k = 0; k < SCOPE_HOSTS && i < scoped; k++, i++) {
			struct bench_v4 *b = &m->v4[m->n_v4++];

			b->addr_be = v4(10, idx >> 8, idx & 0xff, SCOPE_FIRST + k);
			b->len = 32;
			b->slot = rnd_below(rs, 10) < 6 ? dominant :
				  (uint16_t)rnd_below(rs, SLOTS);
		}
	}
	/* The tail: single hosts anywhere in 100.64.0.0/10. */
	for (uint32_t k = 0; i < n; k++, i++) {
		uint32_t off = (k * 2654435761u + 12345u) & ((1u << 22) - 1);
		struct bench_v4 *b = &m->v4[m->n_v4++];

		b->addr_be = htonl((100u << 24 | 64u << 16) + off);
		b->len = 32;
		b->slot = (uint16_t)rnd_below(rs, SLOTS);
	}
}

/* Prefixes in 32.0.0.0/3, each from a /24 of its own (before widening). */
static int
gen_v4_prefixes(struct bench_model *m, uint64_t *rs)
{
	static const uint8_t len_w[] = { 15, 65, 20 }; /* /16-22, /24, /25-29 */
	struct set64 seen;
	uint32_t want = m->sz.v4_prefixes, made = 0;

	if (want == 0)
		return 0;
	if (set_init(&seen, want) != 0)
		return -1;
	for (uint32_t i = 0; made < want && i < (1u << 21); i++) {
		uint32_t idx = (i * 2654435761u + 777u) & ((1u << 21) - 1);
		uint32_t base = (32u << 24) + (idx << 8);
		uint32_t len;

		switch (rnd_pick(rs, len_w, 3)) {
		case 0: len = 16 + rnd_below(rs, 7); break;
		case 1: len = 24; break;
		default: len = 25 + rnd_below(rs, 5); break;
		}
		base &= len == 0 ? 0 : ~0u << (32 - len);
		if (!set_add(&seen, (uint64_t)base << 8 | len))
			continue;
		struct bench_v4 *b = &m->v4[m->n_v4++];
		b->addr_be = htonl(base);
		b->len = (uint8_t)len;
		b->slot = (uint16_t)rnd_below(rs, SLOTS);
		made++;
	}
	free(seen.k);
	return 0;
}

/* /64s (and some /56, /48) in 2001:db8::/32. */
static int
gen_v6_prefixes(struct bench_model *m, uint64_t *rs)
{
	static const uint8_t len_w[] = { 70, 15, 15 };
	static const uint8_t lens[] = { 64, 56, 48 };
	struct set64 seen;
	uint32_t want = m->sz.v6_prefixes;

	if (want == 0)
		return 0;
	if (set_init(&seen, want) != 0)
		return -1;
	for (uint32_t i = 0; m->n_v6 < want && i < UINT32_MAX; i++) {
		uint32_t low = i * 2654435761u + 99u;  /* bits 32-63 */
		uint8_t len = lens[rnd_pick(rs, len_w, 3)];
		uint64_t top = UINT64_C(0x20010db8) << 32 | low;

		top &= ~UINT64_C(0) << (64 - len);
		if (!set_add(&seen, top ^ len))
			continue;
		struct bench_v6 *b = &m->v6[m->n_v6++];
		memset(b->addr, 0, sizeof(b->addr));
		for (int k = 0; k < 8; k++)
			b->addr[k] = (uint8_t)(top >> (56 - 8 * k));
		b->len = len;
		b->slot = (uint16_t)rnd_below(rs, SLOTS);
	}
	free(seen.k);
	return 0;
}

/* ---- policy ---- */

struct sgacl_def {
	const char *name;
	const char *aces[9];
};

enum {
	ACL_PERMIT_IP, ACL_DENY_IP, ACL_DENY_IP_LOG, ACL_WEB, ACL_MAIL,
	ACL_SQL, ACL_INFRA, ACL_AD, ACL_BLOCK_RISKY, ACL_MGMT, ACL_MAX
};

static const struct sgacl_def sgacl_defs[ACL_MAX] = {
	[ACL_PERMIT_IP] = { "Permit_IP", { "permit ip" } },
	[ACL_DENY_IP] = { "Deny_IP", { "deny ip" } },
	[ACL_DENY_IP_LOG] = { "Deny_IP_Log", { "deny ip log" } },
	[ACL_WEB] = { "Web", { "permit tcp dst eq 80", "permit tcp dst eq 443",
			       "permit icmp", "deny ip" } },
	[ACL_MAIL] = { "Mail", { "permit tcp dst eq 25", "permit tcp dst eq 587",
				 "permit tcp dst eq 993", "permit tcp dst eq 143" } },
	[ACL_SQL] = { "SQL", { "permit tcp dst range 1433 1434",
			       "permit tcp dst eq 5432", "permit tcp dst eq 3306" } },
	[ACL_INFRA] = { "Infra", { "permit udp dst eq 53", "permit udp dst eq 123",
				   "permit udp dst range 67 68", "permit icmp" } },
	[ACL_AD] = { "AD", { "permit tcp dst eq 88", "permit udp dst eq 88",
			     "permit tcp dst eq 389", "permit udp dst eq 389",
			     "permit tcp dst eq 445", "permit tcp dst eq 135",
			     "permit tcp dst range 49152 65535",
			     "permit udp dst eq 53" } },
	[ACL_BLOCK_RISKY] = { "Block_Risky", { "deny tcp dst eq 23",
					       "deny tcp dst eq 445",
					       "deny udp dst eq 69",
					       "deny tcp dst range 135 139",
					       "permit ip" } },
	[ACL_MGMT] = { "Mgmt", { "permit tcp dst eq 22", "permit tcp dst eq 443",
				 "permit udp dst eq 161", "permit icmp",
				 "deny ip log" } },
};

struct cell_kind {
	uint8_t weight;         /* percent of the cells */
	uint8_t n;
	uint8_t acl[2];
	uint8_t catch_all;
	uint8_t mode;
};

static const struct cell_kind cell_kinds[] = {
	{ 45, 1, { ACL_PERMIT_IP }, POLICY_CATCH_ALL_NONE, POLICY_CELL_ENFORCE },
	{ 25, 1, { ACL_DENY_IP }, POLICY_CATCH_ALL_NONE, POLICY_CELL_ENFORCE },
	{ 2, 1, { ACL_DENY_IP_LOG }, POLICY_CATCH_ALL_NONE, POLICY_CELL_ENFORCE },
	{ 8, 1, { ACL_WEB }, POLICY_CATCH_ALL_NONE, POLICY_CELL_ENFORCE },
	{ 5, 2, { ACL_MAIL, ACL_INFRA }, POLICY_CATCH_ALL_DENY, POLICY_CELL_ENFORCE },
	{ 4, 1, { ACL_SQL }, POLICY_CATCH_ALL_DENY, POLICY_CELL_ENFORCE },
	{ 4, 2, { ACL_AD, ACL_INFRA }, POLICY_CATCH_ALL_DENY, POLICY_CELL_ENFORCE },
	{ 4, 1, { ACL_BLOCK_RISKY }, POLICY_CATCH_ALL_NONE, POLICY_CELL_ENFORCE },
	{ 2, 1, { ACL_MGMT }, POLICY_CATCH_ALL_NONE, POLICY_CELL_ENFORCE },
	{ 1, 1, { ACL_WEB }, POLICY_CATCH_ALL_NONE, POLICY_CELL_MONITOR },
};
#define N_KINDS (sizeof(cell_kinds) / sizeof(cell_kinds[0]))

static int
build_sgacls(struct policy *p)
{
	p->sgacls = calloc(ACL_MAX, sizeof(*p->sgacls));
	if (p->sgacls == NULL)
		return -1;
	p->n_sgacls = ACL_MAX;
	for (uint32_t i = 0; i < ACL_MAX; i++) {
		const struct sgacl_def *d = &sgacl_defs[i];
		struct policy_sgacl *s = &p->sgacls[i];
		uint32_t n = 0;

		while (n < 9 && d->aces[n] != NULL)
			n++;
		snprintf(s->name, sizeof(s->name), "%s", d->name);
		s->aces = calloc(n, sizeof(*s->aces));
		s->ace_text = calloc(n, sizeof(*s->ace_text));
		if (s->aces == NULL || s->ace_text == NULL)
			return -1;
		s->n_aces = n;
		for (uint32_t k = 0; k < n; k++) {
			struct sgacl_error err;

			s->ace_text[k] = strdup(d->aces[k]);
			if (s->ace_text[k] == NULL)
				return -1;
			if (sgacl_ace_parse(d->aces[k], &s->aces[k], &err) != 0) {
				fprintf(stderr, "bench: ACE '%s': %s\n",
					d->aces[k], err.msg);
				return -1;
			}
		}
	}
	return 0;
}

static int
set_cell(struct policy_cell *c, uint32_t src, uint32_t dst, uint64_t *rs)
{
	static uint8_t weights[N_KINDS];
	const struct cell_kind *k;

	for (uint32_t i = 0; i < N_KINDS; i++)
		weights[i] = cell_kinds[i].weight;
	k = &cell_kinds[rnd_pick(rs, weights, N_KINDS)];
	c->src = (sgt_t)(2 + src);
	c->dst = (sgt_t)(2 + dst);
	c->sgacls = calloc(k->n, sizeof(*c->sgacls));
	if (c->sgacls == NULL)
		return -1;
	c->n_sgacls = k->n;
	for (uint32_t i = 0; i < k->n; i++)
		c->sgacls[i] = k->acl[i];
	c->catch_all = k->catch_all;
	c->mode = k->mode;
	return 0;
}

static int
build_cells(struct policy *p, uint32_t s, uint64_t *rs)
{
	uint64_t full = (uint64_t)s * s;
	uint64_t n64 = (uint64_t)CELLS_PER_SGT * s;
	uint32_t n;
	uint8_t *used;

	if (full < n64)
		n64 = full;
	n = (uint32_t)(n64 < MAX_CELLS ? n64 : MAX_CELLS);

	p->cells = calloc(n, sizeof(*p->cells));
	used = calloc((size_t)(full + 7) / 8, 1);
	if (p->cells == NULL || used == NULL) {
		free(used);
		return -1;
	}
	if (n == full) {
		for (uint32_t i = 0; i < s; i++)
			for (uint32_t j = 0; j < s; j++)
				if (set_cell(&p->cells[p->n_cells++], i, j, rs))
					goto fail;
		free(used);
		return 0;
	}
	/* Every group is the source of n / s cells (one more for the first
	 * n % s), to random destinations. */
	for (uint32_t i = 0; i < s; i++) {
		uint32_t want = n / s + (i < n % s);

		for (uint32_t k = 0; k < want;) {
			uint32_t j = rnd_below(rs, s);
			uint64_t bit = (uint64_t)i * s + j;

			if (used[bit / 8] & (1u << (bit % 8)))
				continue;
			used[bit / 8] |= (uint8_t)(1u << (bit % 8));
			if (set_cell(&p->cells[p->n_cells++], i, j, rs))
				goto fail;
			k++;
		}
	}
	free(used);
	return 0;
fail:
	free(used);
	return -1;
}

/* ---- traffic ---- */

struct service {
	uint8_t weight;
	uint8_t proto;          /* 1: ICMP (58 in IPv6) */
	uint16_t port;          /* 0: a random high port */
};

static const struct service services[] = {
	{ 20, 6, 443 }, { 10, 6, 80 }, { 8, 17, 53 }, { 4, 6, 22 },
	{ 5, 6, 445 }, { 3, 6, 3306 }, { 3, 6, 1433 }, { 2, 6, 5432 },
	{ 2, 6, 88 }, { 3, 6, 389 }, { 2, 6, 25 }, { 2, 17, 161 },
	{ 3, 17, 123 }, { 8, 1, 0 }, { 5, 6, 8080 }, { 4, 6, 3389 },
	{ 8, 6, 0 }, { 8, 17, 0 },
};
#define N_SERVICES (sizeof(services) / sizeof(services[0]))

static void
pick_l4(struct bench_pkt *p, uint64_t *rs)
{
	static uint8_t w[N_SERVICES];
	const struct service *s;

	for (uint32_t i = 0; i < N_SERVICES; i++)
		w[i] = services[i].weight;
	s = &services[rnd_pick(rs, w, N_SERVICES)];
	if (s->proto == 1) {
		p->proto = p->ipv6 ? 58 : 1;
		return;
	}
	p->proto = s->proto;
	p->sport = (uint16_t)(1024 + rnd_below(rs, 64512));
	p->dport = s->port != 0 ? s->port : (uint16_t)(1024 + rnd_below(rs, 64512));
}

/* Hosts grouped by SGT index (slot % sgts), for cell flows. */
struct by_group {
	uint32_t *first;        /* sgts + 1 offsets into host */
	uint32_t *host;         /* indices into model.v4 */
};

static int
group_hosts(const struct bench_model *m, struct by_group *g)
{
	uint32_t s = m->sz.sgts, n = m->sz.v4_hosts;

	g->first = calloc((size_t)s + 2, sizeof(*g->first));
	g->host = calloc(n ? n : 1, sizeof(*g->host));
	if (g->first == NULL || g->host == NULL)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		g->first[m->v4[i].slot % s + 2]++;
	for (uint32_t k = 2; k < s + 2; k++)
		g->first[k] += g->first[k - 1];
	for (uint32_t i = 0; i < n; i++)
		g->host[g->first[m->v4[i].slot % s + 1]++] = i;
	return 0;
}

static uint32_t
random_host(const struct bench_model *m, uint64_t *rs)
{
	return m->v4[rnd_below(rs, m->sz.v4_hosts)].addr_be;
}

/* An address inside a prefix: the prefix's first address plus a random
 * host part. */
static uint32_t
in_prefix4(const struct bench_v4 *b, uint64_t *rs)
{
	uint32_t host_bits = 32 - b->len;
	uint32_t off = host_bits >= 32 ? (uint32_t)rnd(rs) :
		       rnd_below(rs, 1u << host_bits);

	return htonl(ntohl(b->addr_be) + off);
}

static void
in_prefix6(const struct bench_v6 *b, uint8_t out[16], uint64_t *rs)
{
	uint64_t r = rnd(rs);

	memcpy(out, b->addr, 16);
	for (int k = 8; k < 16; k++)
		out[k] = (uint8_t)(r >> (8 * (k - 8)));
	if (b->len < 64)
		out[7] = (uint8_t)rnd(rs);
	if (b->len < 56)
		out[6] = (uint8_t)rnd(rs);
}

static bool
cell_flow(const struct bench_model *m, const struct by_group *g,
	  struct bench_pkt *p, uint64_t *rs)
{
	const struct policy *pol = &m->policy;

	for (int tries = 0; tries < 16; tries++) {
		const struct policy_cell *c = &pol->cells[rnd_below(rs, pol->n_cells)];
		uint32_t si = c->src - 2, di = c->dst - 2;
		uint32_t ns = g->first[si + 1] - g->first[si];
		uint32_t nd = g->first[di + 1] - g->first[di];

		if (ns == 0 || nd == 0)
			continue;
		p->src4 = m->v4[g->host[g->first[si] + rnd_below(rs, ns)]].addr_be;
		p->dst4 = m->v4[g->host[g->first[di] + rnd_below(rs, nd)]].addr_be;
		if (rnd_below(rs, 100) < m->sz.tagged_pct) {
			p->tagged = true;
			p->tag_sgt = c->src;
		}
		return true;
	}
	return false;
}

static int
gen_traffic(struct bench_model *m, uint64_t *rs)
{
	static const uint8_t flow_w[BENCH_FLOW_MAX] = {
		[BENCH_FLOW_CELL] = 70, [BENCH_FLOW_RANDOM] = 10,
		[BENCH_FLOW_PREFIX] = 5, [BENCH_FLOW_UNKNOWN] = 5,
		[BENCH_FLOW_V6] = 10,
	};
	uint32_t n_hosts = m->sz.v4_hosts;
	uint32_t n_pfx4 = m->n_v4 - n_hosts;
	struct by_group g = { 0 };
	int rc = 0;

	if (n_hosts > 0 && group_hosts(m, &g) != 0) {
		rc = -1;
		goto out;
	}
	for (uint32_t i = 0; i < m->sz.packets; i++) {
		struct bench_pkt *p = &m->pkts[m->n_pkts++];
		uint32_t flow = rnd_pick(rs, flow_w, BENCH_FLOW_MAX);

		memset(p, 0, sizeof(*p));
		if (flow == BENCH_FLOW_V6 && m->n_v6 == 0)
			flow = BENCH_FLOW_UNKNOWN;
		if (flow == BENCH_FLOW_PREFIX && n_pfx4 == 0)
			flow = BENCH_FLOW_UNKNOWN;
		if ((flow == BENCH_FLOW_CELL || flow == BENCH_FLOW_RANDOM ||
		     flow == BENCH_FLOW_PREFIX) && n_hosts == 0)
			flow = BENCH_FLOW_UNKNOWN;
		if (flow == BENCH_FLOW_CELL && !cell_flow(m, &g, p, rs))
			flow = BENCH_FLOW_RANDOM;
		p->flow = (uint8_t)flow;
		switch (flow) {
		case BENCH_FLOW_RANDOM:
			p->src4 = random_host(m, rs);
			p->dst4 = random_host(m, rs);
			break;
		case BENCH_FLOW_PREFIX:
			p->src4 = random_host(m, rs);
			p->dst4 = in_prefix4(&m->v4[n_hosts + rnd_below(rs, n_pfx4)], rs);
			break;
		case BENCH_FLOW_UNKNOWN:
			/* 198.18.0.0/15, bound to nothing. */
			p->src4 = htonl((198u << 24 | 18u << 16) + rnd_below(rs, 1u << 17));
			p->dst4 = htonl((198u << 24 | 18u << 16) + rnd_below(rs, 1u << 17));
			break;
		case BENCH_FLOW_V6:
			p->ipv6 = true;
			in_prefix6(&m->v6[rnd_below(rs, m->n_v6)], p->src6, rs);
			in_prefix6(&m->v6[rnd_below(rs, m->n_v6)], p->dst6, rs);
			break;
		default:
			break;
		}
		pick_l4(p, rs);
	}
out:
	free(g.first);
	free(g.host);
	return rc;
}

struct bench_model *
bench_model_new(const struct bench_sizes *sz)
{
	struct bench_model *m = calloc(1, sizeof(*m));
	uint64_t rs = sz->seed;

	if (m == NULL)
		return NULL;
	m->sz = *sz;
	if (m->sz.sgts == 0)
		m->sz.sgts = 1;
	m->v4 = calloc((size_t)sz->v4_hosts + sz->v4_prefixes + 1, sizeof(*m->v4));
	m->v6 = calloc((size_t)sz->v6_prefixes + 1, sizeof(*m->v6));
	m->pkts = calloc((size_t)sz->packets + 1, sizeof(*m->pkts));
	if (m->v4 == NULL || m->v6 == NULL || m->pkts == NULL)
		goto fail;
	if ((uint64_t)sz->v4_hosts * 9 / 10 > (uint64_t)SCOPE_MAX * SCOPE_HOSTS ||
	    sz->v4_hosts / 10 + 1 > (1u << 22) || sz->sgts > SLOTS) {
		fprintf(stderr, "bench: at most %u hosts and %u groups\n",
			SCOPE_MAX * SCOPE_HOSTS, SLOTS);
		goto fail;
	}
	gen_hosts(m, &rs);
	if (gen_v4_prefixes(m, &rs) != 0 || gen_v6_prefixes(m, &rs) != 0)
		goto fail;
	m->policy.default_cell.catch_all = POLICY_CATCH_ALL_PERMIT;
	if (build_sgacls(&m->policy) != 0 ||
	    build_cells(&m->policy, m->sz.sgts, &rs) != 0 ||
	    gen_traffic(m, &rs) != 0)
		goto fail;
	return m;
fail:
	bench_model_free(m);
	return NULL;
}

void
bench_model_free(struct bench_model *m)
{
	if (m == NULL)
		return;
	policy_model_free(&m->policy);
	free(m->v4);
	free(m->v6);
	free(m->pkts);
	free(m);
}

/* ---- frames ---- */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
ip_checksum(const uint8_t *h, uint32_t len)
{
	uint32_t sum = 0;

	for (uint32_t i = 0; i < len; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t
l4_len(uint8_t proto)
{
	return proto == 6 ? 20 : 8;
}

static void
put_l4(const struct bench_pkt *p, uint8_t *l4)
{
	uint32_t len = l4_len(p->proto);

	memset(l4, 0, len);
	if (p->proto == 6 || p->proto == 17) {
		put16(l4, p->sport);
		put16(l4 + 2, p->dport);
	}
	if (p->proto == 6) {
		l4[12] = 5 << 4;
		l4[13] = 0x10;  /* ACK */
		put16(l4 + 14, 65535);
	} else if (p->proto == 17) {
		put16(l4 + 4, (uint16_t)len);
	} else {
		l4[0] = p->proto == 1 ? 8 : 128;  /* echo request */
	}
}

uint32_t
bench_frame(const struct bench_pkt *p, uint8_t *buf)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	uint32_t off = 12, l4 = l4_len(p->proto);

	memset(buf, 0, BENCH_FRAME_MAX);
	memcpy(buf, macs, sizeof(macs));
	if (p->tagged) {
		put16(buf + off, 0x8909);
		buf[off + 2] = 1;
		buf[off + 3] = 1;
		put16(buf + off + 4, 0x0001);
		put16(buf + off + 6, p->tag_sgt);
		off += 8;
	}
	put16(buf + off, p->ipv6 ? 0x86DD : 0x0800);
	off += 2;
	if (p->ipv6) {
		uint8_t *ip = buf + off;

		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)l4);
		ip[6] = p->proto;
		ip[7] = 64;
		memcpy(ip + 8, p->src6, 16);
		memcpy(ip + 24, p->dst6, 16);
		off += 40;
	} else {
		uint8_t *ip = buf + off;

		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + l4));
		put16(ip + 6, 0x4000);  /* DF */
		ip[8] = 64;
		ip[9] = p->proto;
		memcpy(ip + 12, &p->src4, 4);
		memcpy(ip + 16, &p->dst4, 4);
		put16(ip + 10, ip_checksum(ip, 20));
		off += 20;
	}
	put_l4(p, buf + off);
	off += l4;
	return off < 60 ? 60 : off;
}

/* ---- files ---- */

static void
w32(FILE *f, uint32_t v)
{
	fwrite(&v, sizeof(v), 1, f);
}

static void
w16(FILE *f, uint16_t v)
{
	fwrite(&v, sizeof(v), 1, f);
}

int
bench_write_pcap(const struct bench_model *m, const char *path)
{
	FILE *f = fopen(path, "wb");
	uint8_t buf[BENCH_FRAME_MAX];

	if (f == NULL)
		return -1;
	/* libpcap's format, in this machine's byte order. */
	w32(f, 0xa1b2c3d4);
	w16(f, 2);
	w16(f, 4);
	w32(f, 0);
	w32(f, 0);
	w32(f, 65535);
	w32(f, 1);              /* Ethernet */
	for (uint32_t i = 0; i < m->n_pkts; i++) {
		uint32_t len = bench_frame(&m->pkts[i], buf);

		w32(f, i / 1000000);
		w32(f, i % 1000000);
		w32(f, len);
		w32(f, len);
		fwrite(buf, 1, len, f);
	}
	bool bad = ferror(f) != 0;

	return fclose(f) == 0 && !bad ? 0 : -1;
}

static const char *const catch_all_word[] = {
	[POLICY_CATCH_ALL_NONE] = "none",
	[POLICY_CATCH_ALL_PERMIT] = "permit",
	[POLICY_CATCH_ALL_DENY] = "deny",
};

static void
write_binding4(FILE *f, const struct bench_model *m, const struct bench_v4 *b)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &b->addr_be, a, sizeof(a));
	if (b->len == 32)
		fprintf(f, "  - { prefix: %s, sgt: %u }\n", a, bench_sgt_of(m, b->slot));
	else
		fprintf(f, "  - { prefix: %s/%u, sgt: %u }\n", a, b->len,
			bench_sgt_of(m, b->slot));
}

int
bench_write_config(const struct bench_model *m, FILE *f, const char *dev_in,
		   const char *dev_out, uint32_t workers, uint32_t mbufs)
{
	const struct policy *p = &m->policy;

	fprintf(f, "# sgtgw benchmark configuration (tests/bench): %u IPv4 hosts, "
		"%u IPv4 prefixes, %u IPv6 prefixes, %u SGTs, %u cells, seed %llu\n",
		m->sz.v4_hosts, m->n_v4 - m->sz.v4_hosts, m->n_v6, m->sz.sgts,
		p->n_cells, (unsigned long long)m->sz.seed);
	fprintf(f, "dataplane:\n  workers: %u\n  mbufs: %u\n  non_ip: forward\n"
		"  log_rate: 10\n", workers, mbufs);
	fprintf(f, "ports:\n  - { name: inside, device: \"%s\", trust: trusted }\n"
		"  - { name: outside, device: \"%s\" }\n", dev_in, dev_out);
	fprintf(f, "port_pairs:\n  - [inside, outside]\n");
	fprintf(f, "sgacls:\n");
	for (uint32_t i = 0; i < p->n_sgacls; i++) {
		fprintf(f, "  - name: %s\n    aces:\n", p->sgacls[i].name);
		for (uint32_t k = 0; k < p->sgacls[i].n_aces; k++)
			fprintf(f, "      - %s\n", p->sgacls[i].ace_text[k]);
	}
	fprintf(f, "policy:\n  default: { catch_all: %s }\n  cells:\n",
		catch_all_word[p->default_cell.catch_all]);
	for (uint32_t i = 0; i < p->n_cells; i++) {
		const struct policy_cell *c = &p->cells[i];

		fprintf(f, "    - { src: %u, dst: %u, sgacls: [", c->src, c->dst);
		for (uint32_t k = 0; k < c->n_sgacls; k++)
			fprintf(f, "%s%s", k ? ", " : "", p->sgacls[c->sgacls[k]].name);
		fprintf(f, "]");
		if (c->catch_all != POLICY_CATCH_ALL_NONE)
			fprintf(f, ", catch_all: %s", catch_all_word[c->catch_all]);
		if (c->mode == POLICY_CELL_MONITOR)
			fprintf(f, ", mode: monitor");
		fprintf(f, " }\n");
	}
	fprintf(f, "bindings:\n");
	for (uint32_t i = 0; i < m->n_v4; i++)
		write_binding4(f, m, &m->v4[i]);
	for (uint32_t i = 0; i < m->n_v6; i++) {
		char a[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, m->v6[i].addr, a, sizeof(a));
		fprintf(f, "  - { prefix: \"%s/%u\", sgt: %u }\n", a, m->v6[i].len,
			bench_sgt_of(m, m->v6[i].slot));
	}
	return ferror(f) ? -1 : 0;
}
