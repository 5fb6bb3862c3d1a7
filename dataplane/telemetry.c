/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "dp_bindings.h"
#include "dp_cache.h"
#include "log.h"
#include "managed.h"
#include "policy_rt.h"
#include "telemetry.h"

static const char *const egress_tag_names[] = {
	[CONFIG_TAG_KEEP] = "keep",
	[CONFIG_TAG_ADD] = "add",
	[CONFIG_TAG_STRIP] = "strip",
};
static const char *const catch_all_names[] = {
	[POLICY_CATCH_ALL_NONE] = "none",
	[POLICY_CATCH_ALL_PERMIT] = "permit",
	[POLICY_CATCH_ALL_DENY] = "deny",
};
static const char *const mode_names[] = {
	[POLICY_CELL_ENFORCE] = "enforce",
	[POLICY_CELL_MONITOR] = "monitor",
	[POLICY_CELL_DISABLED] = "disabled",
};

const char *
drop_reason_name(enum drop_reason r)
{
	static const char *const names[DROP_REASON_MAX] = {
		[DROP_NONE] = "none",
#define DROP_NAME(id, name) [DROP_##id] = #name,
		DROP_REASONS(DROP_NAME)
#undef DROP_NAME
	};
	return r < DROP_REASON_MAX ? names[r] : "unknown";
}

void
telemetry_sum_port(const struct dataplane *dp, uint32_t port,
		   struct port_counters *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (uint32_t w = 0; w < dp->n_workers; w++) {
		const struct port_counters *c = &dp->workers[w].ctr->port[port];

		sum->rx_packets += counter_read(&c->rx_packets);
		sum->rx_bytes += counter_read(&c->rx_bytes);
		sum->tx_packets += counter_read(&c->tx_packets);
		sum->tx_bytes += counter_read(&c->tx_bytes);
		for (int r = 0; r < DROP_REASON_MAX; r++)
			sum->drops[r] += counter_read(&c->drops[r]);
	}
}

/*
 * Every command runs with tel_dp->view_lock held (see LOCKED below), so the
 * policy runtime and the applied bindings it reads stay as they are for
 * the whole reply: the control lcore swaps and frees them only under it.
 */
static struct dataplane *tel_dp;

static const struct policy_rt *
tel_rt(void)
{
	return tel_dp->policy_rt;
}

/* The policy as written: the file's standalone, the controlplane's (or
 * the cache's, or the no-cache rule) managed. */
static const struct policy *
tel_model(void)
{
	return tel_rt()->model;
}

/* The first row of a paged command: its parameter, 0 when absent. */
static int
page_start(const char *params, uint32_t *start)
{
	char *end;
	unsigned long v;

	*start = 0;
	if (params == NULL || *params == '\0')
		return 0;
	v = strtoul(params, &end, 10);
	if (*end != '\0' || v > UINT32_MAX)
		return -EINVAL;
	*start = (uint32_t)v;
	return 0;
}

/* ---- the size of a reply ------------------------------------------------ */

/*
 * An upper bound of the JSON that DPDK 22.11 writes for a dict
 * (lib/telemetry/telemetry_json.h): "{}", then per entry ,"key": and the
 * value. A string value is quoted, DPDK keeps its first
 * RTE_TEL_MAX_STRING_LEN - 1 characters and escapes '"', '\\', \n, \r and
 * \t to two (other control characters it drops); a number takes at most 20
 * characters (UINT64_MAX, INT64_MIN); a nested dict is its own JSON.
 */
#define JSON_DICT_COST 2
#define JSON_NUM_COST 20
/* A row must fit in a page on its own, with its key (up to 10 digits). */
#define ROW_MAX_BYTES (SGTGW_TEL_PAGE_BYTES - JSON_DICT_COST - (10 + 4))

static size_t
json_str_cost(const char *s)
{
	size_t cost = 2;

	for (size_t i = 0; s[i] != '\0' && i < RTE_TEL_MAX_STRING_LEN - 1; i++)
		cost += (s[i] == '"' || s[i] == '\\' || (unsigned char)s[i] < 0x20) ? 2 : 1;
	return cost;
}

/* ,"key":value */
static size_t
json_entry_cost(const char *key, size_t value_cost)
{
	return strlen(key) + 4 + value_cost;
}

/* A dict being built (a row, or a page of rows) with the bound of its
 * JSON and its entry count: DPDK takes at most RTE_TEL_MAX_DICT_ENTRIES. */
struct tel_dict {
	struct rte_tel_data *d;
	size_t bytes;
	unsigned int entries;
};

static bool
dict_fits(const struct tel_dict *t, size_t cost, size_t limit)
{
	return t->entries < RTE_TEL_MAX_DICT_ENTRIES && t->bytes + cost <= limit;
}

static void
put_str(struct tel_dict *t, const char *key, const char *val)
{
	rte_tel_data_add_dict_string(t->d, key, val);
	t->bytes += json_entry_cost(key, json_str_cost(val));
	t->entries++;
}

static void
put_int(struct tel_dict *t, const char *key, int val)
{
	rte_tel_data_add_dict_int(t->d, key, val);
	t->bytes += json_entry_cost(key, JSON_NUM_COST);
	t->entries++;
}

static void
put_u64(struct tel_dict *t, const char *key, uint64_t val)
{
	rte_tel_data_add_dict_u64(t->d, key, val);
	t->bytes += json_entry_cost(key, JSON_NUM_COST);
	t->entries++;
}

/* DPDK would cut a longer string to RTE_TEL_MAX_STRING_LEN - 1 characters
 * without a sign; end it in "..." instead, so that the cut shows. */
static void
put_str_cut(struct tel_dict *t, const char *key, const char *val)
{
	char buf[RTE_TEL_MAX_STRING_LEN];

	if (strlen(val) < sizeof(buf)) {
		put_str(t, key, val);
		return;
	}
	snprintf(buf, sizeof(buf), "%.*s...", (int)(sizeof(buf) - 4), val);
	put_str(t, key, buf);
}

/* ---- paged tables ------------------------------------------------------- */

/*
 * A table is a dict of rows keyed by the row's number ("0", "1", ... or
 * "57", "58", ... on a later page): DPDK 22.11 cannot put a dict inside an
 * array (rte_tel_data_add_array_container takes arrays of numbers or
 * strings only), but it can put dicts inside a dict. A page starts at the
 * row its parameter names and takes rows while its bound stays within
 * SGTGW_TEL_PAGE_BYTES; past the last row it is empty, which ends a
 * client's paging (docs/telemetry.md).
 */
typedef void (*row_fill)(struct tel_dict *row, uint32_t n);

static int
row_begin(struct tel_dict *row)
{
	*row = (struct tel_dict){ .d = rte_tel_data_alloc(), .bytes = JSON_DICT_COST };
	if (row->d == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(row->d);
	return 0;
}

/* Row N onto the page; 1 (row freed) when the page is full, else 0 or
 * a negative errno. The first row always goes in: ROW_MAX_BYTES keeps it
 * within the page. */
static int
page_add(struct tel_dict *page, struct tel_dict *row, uint32_t n)
{
	char key[16];
	size_t cost;
	int rc;

	snprintf(key, sizeof(key), "%u", n);
	cost = json_entry_cost(key, row->bytes);
	if (page->entries > 0 && !dict_fits(page, cost, SGTGW_TEL_PAGE_BYTES)) {
		rte_tel_data_free(row->d);
		return 1;
	}
	/* Refused (< 0), the row is still ours to free; our keys are too
	 * short for DPDK's other answer, E2BIG, which keeps the row. */
	rc = rte_tel_data_add_dict_container(page->d, key, row->d, 0);
	if (rc < 0) {
		rte_tel_data_free(row->d);
		return rc;
	}
	page->bytes += cost;
	page->entries++;
	return 0;
}

static int
table_page(const char *params, struct rte_tel_data *d, uint32_t n_rows, row_fill fill)
{
	struct tel_dict page = { .d = d, .bytes = JSON_DICT_COST };
	uint32_t start;

	if (page_start(params, &start) != 0)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	for (uint32_t r = start; r < n_rows; r++) {
		struct tel_dict row;
		int rc;

		if (row_begin(&row) != 0)
			return -ENOMEM;
		fill(&row, r);
		rc = page_add(&page, &row, r);
		if (rc != 0)
			return rc > 0 ? 0 : rc;
	}
	return 0;
}

/* ---- commands ------------------------------------------------------------ */

static const char *
sgt_name(sgt_t sgt)
{
	const char *n = policy_sgt_name(tel_model(), sgt);

	return n ? n : "";
}

static void
log_counters(uint64_t *suppressed, uint64_t *ring_full)
{
	*suppressed = *ring_full = 0;
	for (uint32_t w = 0; w < tel_dp->n_workers; w++) {
		const struct worker_counters *c = tel_dp->workers[w].ctr;

		*suppressed += counter_read(&c->log_suppressed);
		*ring_full += counter_read(&c->log_ring_full);
	}
}

static void
info_managed(struct rte_tel_data *d)
{
	struct managed_status st;
	char session[24] = "";

	if (tel_dp->managed == NULL) {
		rte_tel_data_add_dict_string(d, "mode", "standalone");
		rte_tel_data_add_dict_string(d, "controlplane", "none");
		rte_tel_data_add_dict_string(d, "session_id", "");
		rte_tel_data_add_dict_string(d, "cache_state", "none");
		rte_tel_data_add_dict_u64(d, "updates_applied", 0);
		rte_tel_data_add_dict_u64(d, "updates_refused", 0);
		rte_tel_data_add_dict_u64(d, "resync_count", 0);
		return;
	}
	managed_status(tel_dp, &st);
	/* Hex, as the logs write it; and a random 64-bit number is no JSON
	 * integer every client can read (jansson stops at 2^63 - 1). */
	if (st.attached)
		snprintf(session, sizeof(session), "0x%016llx",
			 (unsigned long long)st.session_id);
	rte_tel_data_add_dict_string(d, "mode", "managed");
	rte_tel_data_add_dict_string(d, "controlplane",
				     st.attached ? "connected" : "disconnected");
	rte_tel_data_add_dict_string(d, "session_id", session);
	rte_tel_data_add_dict_string(d, "cache_state",
				     dp_cache_state_name(st.cache));
	rte_tel_data_add_dict_u64(d, "updates_applied", st.updates.applied);
	rte_tel_data_add_dict_u64(d, "updates_refused", st.updates.refused);
	rte_tel_data_add_dict_u64(d, "resync_count", st.updates.resyncs);
}

/* Per table: "ipv4_hosts" (bindings held) and "ipv4_hosts_limit"; what
 * the IPv4 table allocates by need, "ipv4_groups" (/24s with hosts or
 * longer prefixes) and "ipv4_group_bytes"; and the IPv6 prefix table's
 * slots in use, "ipv6_prefix_slots", and size, "ipv6_prefix_bytes". */
static void
info_tables(struct rte_tel_data *d)
{
	struct sgt_table_stats st;
	uint32_t held[CONFIG_LIMITS];
	char key[40];

	sgt_table_stats(tel_dp->table, &st);
	held[CONFIG_LIMIT_V4_HOSTS] = st.v4_hosts;
	held[CONFIG_LIMIT_V4_PREFIXES] = st.v4_prefixes;
	held[CONFIG_LIMIT_V6_HOSTS] = st.v6_hosts;
	held[CONFIG_LIMIT_V6_PREFIXES] = st.v6_prefixes;
	for (int l = 0; l < CONFIG_LIMITS; l++) {
		rte_tel_data_add_dict_u64(d, config_limit_key(l), held[l]);
		snprintf(key, sizeof(key), "%s_limit", config_limit_key(l));
		rte_tel_data_add_dict_u64(d, key, tel_dp->table_limits[l]);
	}
	rte_tel_data_add_dict_u64(d, "ipv4_groups", st.v4_groups);
	rte_tel_data_add_dict_u64(d, "ipv4_group_bytes", st.v4_group_bytes);
	rte_tel_data_add_dict_u64(d, "ipv6_prefix_slots", st.v6_slots);
	rte_tel_data_add_dict_u64(d, "ipv6_prefix_bytes", st.v6_table_bytes);
}

static uint64_t
n_bindings(void)
{
	return tel_dp->bindings ? dp_bindings_count(tel_dp->bindings) :
				  tel_dp->cfg->n_bindings;
}

static int
tel_info(const char *cmd __rte_unused, const char *params __rte_unused,
	 struct rte_tel_data *d)
{
	const struct config *cfg = tel_dp->cfg;
	const struct policy *model = tel_model();
	uint64_t up = (rte_rdtsc() - tel_dp->start_tsc) / rte_get_tsc_hz();
	uint64_t suppressed, ring_full;

	log_counters(&suppressed, &ring_full);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", SGTGW_VERSION);
	rte_tel_data_add_dict_int(d, "workers", (int)tel_dp->n_workers);
	rte_tel_data_add_dict_int(d, "ports", (int)tel_dp->n_ports);
	rte_tel_data_add_dict_u64(d, "policy_generation",
				  __atomic_load_n(&tel_dp->policy_generation,
						  __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "bindings_generation",
				  __atomic_load_n(&tel_dp->bindings_generation,
						  __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "bindings", n_bindings());
	info_tables(d);
	rte_tel_data_add_dict_u64(d, "sgts", model->n_names);
	rte_tel_data_add_dict_u64(d, "sgacls", model->n_sgacls);
	rte_tel_data_add_dict_u64(d, "cells", tel_rt()->compiled->n_cells);
	rte_tel_data_add_dict_int(d, "monitor_mode", model->monitor_all);
	rte_tel_data_add_dict_string(d, "non_ip", cfg->non_ip == CONFIG_NON_IP_DROP ?
				     "drop" : "forward");
	rte_tel_data_add_dict_u64(d, "uptime_s", up);
	rte_tel_data_add_dict_u64(d, "acl_log_suppressed", suppressed);
	rte_tel_data_add_dict_u64(d, "acl_log_ring_full", ring_full);
	info_managed(d);
	return 0;
}

static void
port_row(struct tel_dict *row, uint32_t i)
{
	const struct dp_port *p = &tel_dp->ports[i];
	struct rte_eth_link link = { 0 };
	struct port_counters sum;
	uint64_t drops = 0;

	telemetry_sum_port(tel_dp, i, &sum);
	rte_eth_link_get_nowait(p->port_id, &link);
	put_str(row, "port", p->cfg->name);
	put_str_cut(row, "device", p->cfg->device);
	put_str(row, "peer", p->peer >= 0 ? tel_dp->ports[p->peer].cfg->name : "");
	put_str(row, "trust", p->cfg->trusted ? "trusted" : "untrusted");
	put_str(row, "egress_tag", egress_tag_names[p->cfg->egress_tag]);
	put_int(row, "default_sgt", p->cfg->default_sgt);
	put_str(row, "link", link.link_status ? "up" : "down");
	put_u64(row, "rx_packets", sum.rx_packets);
	put_u64(row, "rx_bytes", sum.rx_bytes);
	put_u64(row, "tx_packets", sum.tx_packets);
	put_u64(row, "tx_bytes", sum.tx_bytes);
	for (int r = DROP_NONE + 1; r < DROP_REASON_MAX; r++)
		drops += sum.drops[r];
	put_u64(row, "drop_total", drops);
	for (int r = DROP_NONE + 1; r < DROP_REASON_MAX; r++) {
		char key[32];

		snprintf(key, sizeof(key), "drop_%s", drop_reason_name(r));
		put_u64(row, key, sum.drops[r]);
	}
}

static int
tel_ports(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	return table_page(params, d, tel_dp->n_ports, port_row);
}

static void
binding_row_fill(struct tel_dict *row, uint8_t family, uint8_t prefix_len,
		 const uint8_t *addr, sgt_t sgt, const char *source)
{
	char prefix[64];

	binding_prefix_str(family, prefix_len, addr, prefix, sizeof(prefix));
	put_str(row, "prefix", prefix);
	put_int(row, "sgt", sgt);
	put_str(row, "name", sgt_name(sgt));
	put_str(row, "source", source);
}

/* Standalone: the file's bindings, in the file's order. */
static void
binding_row(struct tel_dict *row, uint32_t i)
{
	const struct config_binding *b = &tel_dp->cfg->bindings[i];

	binding_row_fill(row, b->family, b->prefix_len, b->addr, b->sgt, "CLI");
}

/* "CLI", "SXP", "LOCAL", "INTERNAL": as IOS shows them. */
static void
source_upper(unsigned src, char *buf, size_t len)
{
	const char *name = binding_source_name(src);
	size_t i;

	for (i = 0; name != NULL && name[i] != '\0' && i + 1 < len; i++)
		buf[i] = (char)toupper((unsigned char)name[i]);
	buf[i] = '\0';
}

/*
 * Managed: the applied bindings, in the shadow's order. Paging walks from
 * the first binding to the page's start, unless the page follows the one
 * served last and nothing changed since: then it goes on after that
 * page's last binding (the cursor), so reading a large table is linear.
 */
static struct {
	bool valid;
	uint32_t next_row;
	uint64_t generation;
	struct binding after;
} map_cursor;

struct map_page {
	struct tel_dict *page;
	uint32_t row;           /* number of the binding visited next */
	uint32_t start;
	int rc;
};

static int
map_visit(void *ctx, const struct binding *b)
{
	struct map_page *p = ctx;
	struct tel_dict row;
	char source[16];

	if (p->row < p->start) {
		p->row++;
		return 0;
	}
	if (row_begin(&row) != 0) {
		p->rc = -ENOMEM;
		return 1;
	}
	source_upper(b->source, source, sizeof(source));
	binding_row_fill(&row, b->family, b->prefix_len, b->addr, b->sgt, source);
	p->rc = page_add(p->page, &row, p->row);
	if (p->rc != 0)
		return 1;
	map_cursor.after = *b;
	p->row++;
	return 0;
}

static int
sgt_map_managed(const char *params, struct rte_tel_data *d)
{
	struct tel_dict page = { .d = d, .bytes = JSON_DICT_COST };
	uint64_t gen = __atomic_load_n(&tel_dp->bindings_generation,
				       __ATOMIC_RELAXED);
	struct map_page p = { .page = &page };
	bool resume;

	if (page_start(params, &p.start) != 0)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	resume = map_cursor.valid && map_cursor.next_row == p.start &&
		 map_cursor.generation == gen && p.start > 0;
	p.row = resume ? p.start : 0;
	dp_bindings_foreach(tel_dp->bindings, resume ? &map_cursor.after : NULL,
			    map_visit, &p);
	map_cursor.valid = p.row > p.start;
	map_cursor.next_row = p.row;
	map_cursor.generation = gen;
	return p.rc < 0 ? p.rc : 0;
}

static int
tel_sgt_map(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	if (tel_dp->bindings != NULL)
		return sgt_map_managed(params, d);
	return table_page(params, d, tel_dp->cfg->n_bindings, binding_row);
}

static void
sgt_row(struct tel_dict *row, uint32_t i)
{
	const struct policy_sgt_name *n = &tel_model()->names[i];

	put_int(row, "sgt", n->value);
	put_str(row, "name", n->name);
}

static int
tel_sgts(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	return table_page(params, d, tel_model()->n_names, sgt_row);
}

/* Rows of /sgtgw/sgacls number the ACEs of every SGACL in order. */
static uint32_t
ace_rows(const struct policy *p)
{
	uint32_t n = 0;

	for (uint32_t s = 0; s < p->n_sgacls; s++)
		n += p->sgacls[s].n_aces;
	return n;
}

static void
ace_row(struct tel_dict *row, uint32_t n)
{
	const struct policy *p = tel_model();
	char text[RTE_TEL_MAX_STRING_LEN];
	uint32_t s = 0;

	/* A walk from the first SGACL for each row: a page has at most 256
	 * rows, and no cursor has to stay right from one request to another. */
	while (n >= p->sgacls[s].n_aces)
		n -= p->sgacls[s++].n_aces;
	sgacl_ace_format(&p->sgacls[s].aces[n], text, sizeof(text));
	put_str(row, "sgacl", p->sgacls[s].name);
	put_int(row, "seq", (int)n + 1);
	put_str(row, "ace", text);
}

static int
tel_sgacls(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	return table_page(params, d, ace_rows(tel_model()), ace_row);
}

/*
 * One SGACL name per entry (sgacl_0, sgacl_1, ...): joined into one string
 * they would be cut at RTE_TEL_MAX_STRING_LEN - 1 characters. sgacl_count
 * comes first with the real number; the names that would push the row past
 * ROW_MAX_BYTES or DPDK's entry limit (about 150 names of 63 characters,
 * or 249 of any length, in one cell) are left out, and the client, missing them, says so.
 */
static void
cell_sgacls(struct tel_dict *row, const struct policy *p, const struct policy_cell *c)
{
	for (uint32_t i = 0; i < c->n_sgacls; i++) {
		const char *name = p->sgacls[c->sgacls[i]].name;
		char key[24];

		snprintf(key, sizeof(key), "sgacl_%u", i);
		if (!dict_fits(row, json_entry_cost(key, json_str_cost(name)), ROW_MAX_BYTES))
			return;
		put_str(row, key, name);
	}
}

static void
cell_row(struct tel_dict *row, uint32_t r)
{
	const struct policy *p = tel_model();
	bool is_default = r == 0;
	const struct policy_cell *c = is_default ? &p->default_cell : &p->cells[r - 1];

	put_int(row, "src", is_default ? -1 : c->src);
	put_int(row, "dst", is_default ? -1 : c->dst);
	put_str(row, "src_name", is_default ? "*" : sgt_name(c->src));
	put_str(row, "dst_name", is_default ? "*" : sgt_name(c->dst));
	put_u64(row, "sgacl_count", c->n_sgacls);
	put_str(row, "catch_all", catch_all_names[c->catch_all]);
	put_str(row, "mode", is_default && p->monitor_all ? "monitor" : mode_names[c->mode]);
	cell_sgacls(row, p, c);
}

static int
tel_permissions(const char *cmd __rte_unused, const char *params,
		struct rte_tel_data *d)
{
	/* Row 0 is the default cell, rows 1.. the configured cells. */
	return table_page(params, d, tel_model()->n_cells + 1, cell_row);
}

static void
counter_row(struct tel_dict *row, uint32_t r)
{
	const struct policy_compiled_cell *c = &tel_rt()->compiled->cells[r / 2];
	struct cell_counters sum;

	policy_rt_sum_cell(tel_rt(), r, &sum);
	put_int(row, "src", c->is_default ? -1 : c->src);
	put_int(row, "dst", c->is_default ? -1 : c->dst);
	put_str(row, "af", r % 2 ? "ipv6" : "ipv4");
	put_u64(row, "sw_denied", sum.by[POLICY_VERDICT_DENY].packets);
	put_u64(row, "sw_permitted", sum.by[POLICY_VERDICT_PERMIT].packets);
	put_u64(row, "sw_monitor", sum.by[POLICY_VERDICT_MONITOR].packets);
	put_u64(row, "denied_bytes", sum.by[POLICY_VERDICT_DENY].bytes);
	put_u64(row, "permitted_bytes", sum.by[POLICY_VERDICT_PERMIT].bytes);
	put_u64(row, "monitor_bytes", sum.by[POLICY_VERDICT_MONITOR].bytes);
}

static int
tel_counters(const char *cmd __rte_unused, const char *params,
	     struct rte_tel_data *d)
{
	return table_page(params, d, tel_rt()->compiled->n_cells * 2, counter_row);
}

/* DPDK passes no context: one wrapper per command takes the lock. */
#define LOCKED(fn)							\
	static int							\
	fn##_locked(const char *cmd, const char *params,		\
		    struct rte_tel_data *d)				\
	{								\
		int rc;							\
									\
		pthread_mutex_lock(&tel_dp->view_lock);			\
		rc = fn(cmd, params, d);				\
		pthread_mutex_unlock(&tel_dp->view_lock);		\
		return rc;						\
	}
LOCKED(tel_info)
LOCKED(tel_ports)
LOCKED(tel_sgt_map)
LOCKED(tel_sgts)
LOCKED(tel_sgacls)
LOCKED(tel_permissions)
LOCKED(tel_counters)
#undef LOCKED

static const struct {
	const char *cmd;
	telemetry_cb fn;
	const char *help;
} tel_cmds[] = {
	{ "/sgtgw/info", tel_info_locked,
	  "sgtgw version, mode, sizes, generations, controlplane session, ACL log losses" },
	{ "/sgtgw/ports", tel_ports_locked,
	  "per-port packets, bytes and drops by reason. Parameters: first row" },
	{ "/sgtgw/sgt_map", tel_sgt_map_locked,
	  "IP-SGT bindings. Parameters: first row" },
	{ "/sgtgw/sgts", tel_sgts_locked, "SGT names. Parameters: first row" },
	{ "/sgtgw/sgacls", tel_sgacls_locked, "SGACL entries. Parameters: first row" },
	{ "/sgtgw/permissions", tel_permissions_locked,
	  "egress policy cells, default first. Parameters: first row" },
	{ "/sgtgw/counters", tel_counters_locked,
	  "per-cell permit/deny/monitor counters. Parameters: first row" },
};

int
telemetry_init(struct dataplane *dp)
{
	tel_dp = dp;
	for (size_t i = 0; i < RTE_DIM(tel_cmds); i++) {
		int rc = rte_telemetry_register_cmd(tel_cmds[i].cmd, tel_cmds[i].fn,
						    tel_cmds[i].help);
		if (rc != 0) {
			sg_log(LOG_ERR, "telemetry: cannot register %s: %s",
			       tel_cmds[i].cmd, strerror(-rc));
			return -1;
		}
	}
	return 0;
}
