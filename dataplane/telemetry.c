/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
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

static struct rte_tel_data *
row_new(void)
{
	struct rte_tel_data *row = rte_tel_data_alloc();

	if (row != NULL)
		rte_tel_data_start_dict(row);
	return row;
}

/*
 * Tables are a dict of rows keyed by the row's number ("0", "1", ... or
 * "50", "51", ... on the second page), in order: DPDK 22.11 cannot put a
 * dict inside an array (rte_tel_data_add_array_container takes arrays of
 * numbers or strings only), but it can put dicts inside a dict.
 */
static void
table_start(struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
}

static int
row_add(struct rte_tel_data *d, struct rte_tel_data *row, uint32_t n)
{
	char key[16];
	int rc;

	if (row == NULL)
		return -ENOMEM;
	snprintf(key, sizeof(key), "%u", n);
	rc = rte_tel_data_add_dict_container(d, key, row, 0);
	if (rc != 0)
		rte_tel_data_free(row);
	return rc;
}

static const char *
sgt_name(sgt_t sgt)
{
	const char *n = policy_sgt_name(&tel_dp->cfg->policy, sgt);

	return n ? n : "";
}

static int
tel_info(const char *cmd __rte_unused, const char *params __rte_unused,
	 struct rte_tel_data *d)
{
	const struct config *cfg = tel_dp->cfg;
	uint64_t up = (rte_rdtsc() - tel_dp->start_tsc) / rte_get_tsc_hz();

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
	return 0;
}

static void
port_row(struct rte_tel_data *row, uint32_t i)
{
	const struct dp_port *p = &tel_dp->ports[i];
	struct rte_eth_link link = { 0 };
	struct port_counters sum;
	uint64_t drops = 0;

	telemetry_sum_port(tel_dp, i, &sum);
	rte_eth_link_get_nowait(p->port_id, &link);
	rte_tel_data_add_dict_string(row, "port", p->cfg->name);
	rte_tel_data_add_dict_string(row, "device", p->cfg->device);
	rte_tel_data_add_dict_string(row, "peer", p->peer >= 0 ?
				     tel_dp->ports[p->peer].cfg->name : "");
	rte_tel_data_add_dict_string(row, "trust", p->cfg->trusted ?
				     "trusted" : "untrusted");
	rte_tel_data_add_dict_string(row, "egress_tag",
				     egress_tag_names[p->cfg->egress_tag]);
	rte_tel_data_add_dict_int(row, "default_sgt", p->cfg->default_sgt);
	rte_tel_data_add_dict_string(row, "link", link.link_status ? "up" : "down");
	rte_tel_data_add_dict_u64(row, "rx_packets", sum.rx_packets);
	rte_tel_data_add_dict_u64(row, "rx_bytes", sum.rx_bytes);
	rte_tel_data_add_dict_u64(row, "tx_packets", sum.tx_packets);
	rte_tel_data_add_dict_u64(row, "tx_bytes", sum.tx_bytes);
	for (int r = DROP_NONE + 1; r < DROP_REASON_MAX; r++)
		drops += sum.drops[r];
	rte_tel_data_add_dict_u64(row, "drop_total", drops);
	for (int r = DROP_NONE + 1; r < DROP_REASON_MAX; r++) {
		char key[32];

		snprintf(key, sizeof(key), "drop_%s", drop_reason_name(r));
		rte_tel_data_add_dict_u64(row, key, sum.drops[r]);
	}
}

static int
tel_ports(const char *cmd __rte_unused, const char *params __rte_unused,
	  struct rte_tel_data *d)
{
	table_start(d);
	for (uint32_t i = 0; i < tel_dp->n_ports; i++) {
		struct rte_tel_data *row = row_new();

		if (row != NULL)
			port_row(row, i);
		if (row_add(d, row, i) != 0)
			return -ENOMEM;
	}
	return 0;
}

static int
tel_sgt_map(const char *cmd __rte_unused, const char *params,
	    struct rte_tel_data *d)
{
	const struct config *cfg = tel_dp->cfg;
	uint32_t start;

	if (page_start(params, &start) != 0)
		return -EINVAL;
	table_start(d);
	for (uint32_t i = start; i < cfg->n_bindings && i < start + SGTGW_TEL_PAGE; i++) {
		const struct config_binding *b = &cfg->bindings[i];
		char addr[INET6_ADDRSTRLEN], prefix[INET6_ADDRSTRLEN + 4];
		struct rte_tel_data *row = row_new();

		if (row == NULL)
			return -ENOMEM;
		inet_ntop(b->family, b->addr, addr, sizeof(addr));
		snprintf(prefix, sizeof(prefix), "%s/%u", addr, b->prefix_len);
		rte_tel_data_add_dict_string(row, "prefix", prefix);
		rte_tel_data_add_dict_int(row, "sgt", b->sgt);
		rte_tel_data_add_dict_string(row, "name", sgt_name(b->sgt));
		rte_tel_data_add_dict_string(row, "source", "CLI");
		if (row_add(d, row, i) != 0)
			return -ENOMEM;
	}
	return 0;
}

static int
tel_sgts(const char *cmd __rte_unused, const char *params __rte_unused,
	 struct rte_tel_data *d)
{
	const struct policy *p = &tel_dp->cfg->policy;

	table_start(d);
	for (uint32_t i = 0; i < p->n_names && i < RTE_TEL_MAX_DICT_ENTRIES; i++) {
		struct rte_tel_data *row = row_new();

		if (row == NULL)
			return -ENOMEM;
		rte_tel_data_add_dict_int(row, "sgt", p->names[i].value);
		rte_tel_data_add_dict_string(row, "name", p->names[i].name);
		if (row_add(d, row, i) != 0)
			return -ENOMEM;
	}
	return 0;
}

static int
tel_sgacls(const char *cmd __rte_unused, const char *params,
	   struct rte_tel_data *d)
{
	const struct policy *p = &tel_dp->cfg->policy;
	uint32_t start, row_no = 0;

	if (page_start(params, &start) != 0)
		return -EINVAL;
	table_start(d);
	for (uint32_t s = 0; s < p->n_sgacls; s++) {
		for (uint32_t a = 0; a < p->sgacls[s].n_aces; a++, row_no++) {
			char text[RTE_TEL_MAX_STRING_LEN];
			struct rte_tel_data *row;

			if (row_no < start)
				continue;
			if (row_no >= start + SGTGW_TEL_PAGE)
				return 0;
			row = row_new();
			if (row == NULL)
				return -ENOMEM;
			sgacl_ace_format(&p->sgacls[s].aces[a], text, sizeof(text));
			rte_tel_data_add_dict_string(row, "sgacl", p->sgacls[s].name);
			rte_tel_data_add_dict_int(row, "seq", (int)a + 1);
			rte_tel_data_add_dict_string(row, "ace", text);
			if (row_add(d, row, row_no) != 0)
				return -ENOMEM;
		}
	}
	return 0;
}

static void
cell_row(struct rte_tel_data *row, const struct policy *p,
	 const struct policy_cell *c, bool is_default)
{
	char names[RTE_TEL_MAX_STRING_LEN] = "";
	size_t used = 0;

	for (uint32_t i = 0; i < c->n_sgacls && used < sizeof(names); i++)
		used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
					 i ? ";" : "", p->sgacls[c->sgacls[i]].name);
	rte_tel_data_add_dict_int(row, "src", is_default ? -1 : c->src);
	rte_tel_data_add_dict_int(row, "dst", is_default ? -1 : c->dst);
	rte_tel_data_add_dict_string(row, "src_name", is_default ? "*" : sgt_name(c->src));
	rte_tel_data_add_dict_string(row, "dst_name", is_default ? "*" : sgt_name(c->dst));
	rte_tel_data_add_dict_string(row, "sgacls", names);
	rte_tel_data_add_dict_string(row, "catch_all", catch_all_names[c->catch_all]);
	rte_tel_data_add_dict_string(row, "mode", is_default && p->monitor_all ?
				     "monitor" : mode_names[c->mode]);
}

static int
tel_permissions(const char *cmd __rte_unused, const char *params,
		struct rte_tel_data *d)
{
	const struct policy *p = &tel_dp->cfg->policy;
	uint32_t start;

	if (page_start(params, &start) != 0)
		return -EINVAL;
	table_start(d);
	/* Row 0 is the default cell, rows 1.. the configured cells. */
	for (uint32_t r = start; r <= p->n_cells && r < start + SGTGW_TEL_PAGE; r++) {
		struct rte_tel_data *row = row_new();

		if (row == NULL)
			return -ENOMEM;
		cell_row(row, p, r == 0 ? &p->default_cell : &p->cells[r - 1], r == 0);
		if (row_add(d, row, r) != 0)
			return -ENOMEM;
	}
	return 0;
}

static int
tel_counters(const char *cmd __rte_unused, const char *params,
	     struct rte_tel_data *d)
{
	const struct policy_compiled *pc = tel_dp->policy;
	uint32_t start;

	if (page_start(params, &start) != 0)
		return -EINVAL;
	table_start(d);
	for (uint32_t r = start; r < pc->n_cells * 2 && r < start + SGTGW_TEL_PAGE; r++) {
		const struct policy_compiled_cell *c = &pc->cells[r / 2];
		struct rte_tel_data *row = row_new();
		struct cell_counters sum;

		if (row == NULL)
			return -ENOMEM;
		telemetry_sum_cell(tel_dp, r, &sum);
		rte_tel_data_add_dict_int(row, "src", c->is_default ? -1 : c->src);
		rte_tel_data_add_dict_int(row, "dst", c->is_default ? -1 : c->dst);
		rte_tel_data_add_dict_string(row, "af", r % 2 ? "ipv6" : "ipv4");
		rte_tel_data_add_dict_u64(row, "sw_denied", sum.denied);
		rte_tel_data_add_dict_u64(row, "sw_permitted", sum.permitted);
		rte_tel_data_add_dict_u64(row, "sw_monitor", sum.monitored);
		rte_tel_data_add_dict_u64(row, "denied_bytes", sum.denied_bytes);
		rte_tel_data_add_dict_u64(row, "permitted_bytes", sum.permitted_bytes);
		rte_tel_data_add_dict_u64(row, "monitor_bytes", sum.monitored_bytes);
		if (row_add(d, row, r) != 0)
			return -ENOMEM;
	}
	return 0;
}

static const struct {
	const char *cmd;
	telemetry_cb fn;
	const char *help;
} tel_cmds[] = {
	{ "/sgtgw/info", tel_info, "sgtgw version, sizes and generations" },
	{ "/sgtgw/ports", tel_ports, "per-port packets, bytes and drops by reason" },
	{ "/sgtgw/sgt_map", tel_sgt_map, "IP-SGT bindings. Parameters: first row" },
	{ "/sgtgw/sgts", tel_sgts, "SGT names" },
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
