/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include "log.h"
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

void
telemetry_sum_cell(const struct dataplane *dp, uint32_t idx,
		   struct cell_counters *sum)
{
	memset(sum, 0, sizeof(*sum));
	for (uint32_t w = 0; w < dp->n_workers; w++) {
		const struct cell_counters *c = &dp->workers[w].ctr->cell[idx];

		sum->permitted += counter_read(&c->permitted);
		sum->denied += counter_read(&c->denied);
		sum->monitored += counter_read(&c->monitored);
		sum->permitted_bytes += counter_read(&c->permitted_bytes);
		sum->denied_bytes += counter_read(&c->denied_bytes);
		sum->monitored_bytes += counter_read(&c->monitored_bytes);
	}
}

static struct dataplane *tel_dp;

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
	const char *n = policy_sgt_name(&tel_dp->cfg->policy, sgt);

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

static int
tel_info(const char *cmd __rte_unused, const char *params __rte_unused,
	 struct rte_tel_data *d)
{
	const struct config *cfg = tel_dp->cfg;
	uint64_t up = (rte_rdtsc() - tel_dp->start_tsc) / rte_get_tsc_hz();
	uint64_t suppressed, ring_full;

	log_counters(&suppressed, &ring_full);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", SGTGW_VERSION);
	rte_tel_data_add_dict_int(d, "workers", (int)tel_dp->n_workers);
	rte_tel_data_add_dict_int(d, "ports", (int)tel_dp->n_ports);
	rte_tel_data_add_dict_u64(d, "policy_generation", tel_dp->policy_generation);
	rte_tel_data_add_dict_u64(d, "bindings_generation",
				  tel_dp->bindings_generation);
	rte_tel_data_add_dict_u64(d, "bindings", cfg->n_bindings);
	rte_tel_data_add_dict_u64(d, "sgts", cfg->policy.n_names);
	rte_tel_data_add_dict_u64(d, "sgacls", cfg->policy.n_sgacls);
	rte_tel_data_add_dict_u64(d, "cells", tel_dp->policy->n_cells);
	rte_tel_data_add_dict_int(d, "monitor_mode", cfg->policy.monitor_all);
	rte_tel_data_add_dict_string(d, "non_ip", cfg->non_ip == CONFIG_NON_IP_DROP ?
				     "drop" : "forward");
	rte_tel_data_add_dict_u64(d, "uptime_s", up);
	rte_tel_data_add_dict_u64(d, "acl_log_suppressed", suppressed);
	rte_tel_data_add_dict_u64(d, "acl_log_ring_full", ring_full);
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
binding_row(struct tel_dict *row, uint32_t i)
{
	const struct config_binding *b = &tel_dp->cfg->bindings[i];
	char addr[INET6_ADDRSTRLEN], prefix[INET6_ADDRSTRLEN + 4];

	inet_ntop(b->family, b->addr, addr, sizeof(addr));
	snprintf(prefix, sizeof(prefix), "%s/%u", addr, b->prefix_len);
	put_str(row, "prefix", prefix);
	put_int(row, "sgt", b->sgt);
	put_str(row, "name", sgt_name(b->sgt));
	put_str(row, "source", "CLI");
}

static int
tel_sgt_map(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	return table_page(params, d, tel_dp->cfg->n_bindings, binding_row);
}

static void
sgt_row(struct tel_dict *row, uint32_t i)
{
	const struct policy_sgt_name *n = &tel_dp->cfg->policy.names[i];

	put_int(row, "sgt", n->value);
	put_str(row, "name", n->name);
}

static int
tel_sgts(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	return table_page(params, d, tel_dp->cfg->policy.n_names, sgt_row);
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
	const struct policy *p = &tel_dp->cfg->policy;
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
	return table_page(params, d, ace_rows(&tel_dp->cfg->policy), ace_row);
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
	const struct policy *p = &tel_dp->cfg->policy;
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
	return table_page(params, d, tel_dp->cfg->policy.n_cells + 1, cell_row);
}

static void
counter_row(struct tel_dict *row, uint32_t r)
{
	const struct policy_compiled_cell *c = &tel_dp->policy->cells[r / 2];
	struct cell_counters sum;

	telemetry_sum_cell(tel_dp, r, &sum);
	put_int(row, "src", c->is_default ? -1 : c->src);
	put_int(row, "dst", c->is_default ? -1 : c->dst);
	put_str(row, "af", r % 2 ? "ipv6" : "ipv4");
	put_u64(row, "sw_denied", sum.denied);
	put_u64(row, "sw_permitted", sum.permitted);
	put_u64(row, "sw_monitor", sum.monitored);
	put_u64(row, "denied_bytes", sum.denied_bytes);
	put_u64(row, "permitted_bytes", sum.permitted_bytes);
	put_u64(row, "monitor_bytes", sum.monitored_bytes);
}

static int
tel_counters(const char *cmd __rte_unused, const char *params,
	     struct rte_tel_data *d)
{
	return table_page(params, d, tel_dp->policy->n_cells * 2, counter_row);
}

static const struct {
	const char *cmd;
	telemetry_cb fn;
	const char *help;
} tel_cmds[] = {
	{ "/sgtgw/info", tel_info, "sgtgw version, sizes, generations, ACL log losses" },
	{ "/sgtgw/ports", tel_ports,
	  "per-port packets, bytes and drops by reason. Parameters: first row" },
	{ "/sgtgw/sgt_map", tel_sgt_map, "IP-SGT bindings. Parameters: first row" },
	{ "/sgtgw/sgts", tel_sgts, "SGT names. Parameters: first row" },
	{ "/sgtgw/sgacls", tel_sgacls, "SGACL entries. Parameters: first row" },
	{ "/sgtgw/permissions", tel_permissions,
	  "egress policy cells, default first. Parameters: first row" },
	{ "/sgtgw/counters", tel_counters,
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
