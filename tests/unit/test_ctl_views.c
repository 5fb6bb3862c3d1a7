/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sgtgwctl's views fed canned telemetry rows (shaped as docs/telemetry.md
 * says), comparing the whole text they print.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "ctl_views.h"

typedef int (*view_fn)(FILE *out, const json_t *rows, char *err, size_t errlen);

struct rendered {
	int rc;
	char *text;
	char err[CTL_ERR_MAX];
};

static json_t *
parse(const char *text)
{
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);

	if (doc == NULL)
		fail_msg("canned JSON does not parse: %s (line %d)", jerr.text, jerr.line);
	return doc;
}

static struct rendered
render(view_fn view, const char *json_text)
{
	struct rendered r = { .text = NULL };
	json_t *rows = parse(json_text);
	size_t len = 0;
	FILE *mem = open_memstream(&r.text, &len);

	assert_non_null(mem);
	r.rc = view(mem, rows, r.err, sizeof(r.err));
	assert_int_equal(fclose(mem), 0);
	json_decref(rows);
	return r;
}

static void
expect_text(view_fn view, const char *json_text, const char *want)
{
	struct rendered r = render(view, json_text);

	if (r.rc != 0)
		fail_msg("view failed: %s", r.err);
	assert_string_equal(r.text, want);
	free(r.text);
}

static void
expect_error(view_fn view, const char *json_text, const char *want_in_err)
{
	struct rendered r = render(view, json_text);

	assert_int_equal(r.rc, -1);
	if (strstr(r.err, want_in_err) == NULL)
		fail_msg("error '%s' does not mention '%s'", r.err, want_in_err);
	free(r.text);
}

/* ---- sgt-map ------------------------------------------------------------- */

static void
sgt_map_sections_and_summary(void **state)
{
	(void)state;
	expect_text(ctl_view_sgt_map,
		"[{\"prefix\": \"10.1.1.10/32\", \"sgt\": 10, \"name\": \"Web_Servers\", \"source\": \"CLI\"},"
		" {\"prefix\": \"10.2.0.0/16\", \"sgt\": 4, \"name\": \"Employees\", \"source\": \"CLI\"},"
		" {\"prefix\": \"2001:db8::10/128\", \"sgt\": 10, \"name\": \"Web_Servers\", \"source\": \"CLI\"},"
		" {\"prefix\": \"2001:db8:1::/64\", \"sgt\": 7, \"name\": \"\", \"source\": \"SXP\"}]",
		"Active IPv4-SGT Bindings Information\n"
		"\n"
		"IP Address   SGT  Name         Source\n"
		"=====================================\n"
		"10.1.1.10    10   Web_Servers  CLI\n"
		"10.2.0.0/16  4    Employees    CLI\n"
		"\n"
		"Active IPv6-SGT Bindings Information\n"
		"\n"
		"IP Address       SGT  Name         Source\n"
		"=========================================\n"
		"2001:db8::10     10   Web_Servers  CLI\n"
		"2001:db8:1::/64  7    -            SXP\n"
		"\n"
		"IP-SGT Active Bindings Summary\n"
		"============================================\n"
		"Total number of CLI    bindings = 3\n"
		"Total number of SXP    bindings = 1\n"
		"Total number of active bindings = 4\n");
}

static void
sgt_map_empty(void **state)
{
	(void)state;
	expect_text(ctl_view_sgt_map, "[]",
		"IP-SGT Active Bindings Summary\n"
		"============================================\n"
		"Total number of active bindings = 0\n");
}

static void
sgt_map_rejects_bad_rows(void **state)
{
	(void)state;
	expect_error(ctl_view_sgt_map,
		"[{\"prefix\": \"10.1.1.10/32\", \"sgt\": 10, \"name\": \"\", \"source\": \"CLI\"},"
		" {\"prefix\": \"10.1.1.11/32\", \"sgt\": \"10\", \"name\": \"\", \"source\": \"CLI\"}]",
		"sgt_map: row 1: 'sgt' missing or not an integer");
	expect_error(ctl_view_sgt_map,
		"[{\"sgt\": 10, \"name\": \"\", \"source\": \"CLI\"}]",
		"row 0: 'prefix' missing or not a string");
	expect_error(ctl_view_sgt_map, "[3]", "row 0 is not an object");
	expect_error(ctl_view_sgt_map, "{\"prefix\": \"10.0.0.1/32\"}", "not an array");
}

/* ---- permissions --------------------------------------------------------- */

static void
permissions_cells_and_markers(void **state)
{
	(void)state;
	expect_text(ctl_view_permissions,
		"[{\"src\": -1, \"dst\": -1, \"src_name\": \"*\", \"dst_name\": \"*\", \"sgacl_count\": 0,"
		"  \"catch_all\": \"permit\", \"mode\": \"enforce\"},"
		" {\"src\": 4, \"dst\": 10, \"src_name\": \"Employees\", \"dst_name\": \"Web_Servers\","
		"  \"sgacl_count\": 2, \"catch_all\": \"deny\", \"mode\": \"enforce\","
		"  \"sgacl_0\": \"Allow_Web\", \"sgacl_1\": \"Allow_SSH\"},"
		" {\"src\": 6, \"dst\": 10, \"src_name\": \"\", \"dst_name\": \"Web_Servers\","
		"  \"sgacl_count\": 1, \"catch_all\": \"none\", \"mode\": \"monitor\", \"sgacl_0\": \"Deny_All\"},"
		" {\"src\": 7, \"dst\": 4, \"src_name\": \"Guests\", \"dst_name\": \"Employees\","
		"  \"sgacl_count\": 0, \"catch_all\": \"deny\", \"mode\": \"disabled\"}]",
		"IPv4 Role-based permissions default:\n"
		"        Permit IP-00\n"
		"IPv4 Role-based permissions from group 4:Employees to group 10:Web_Servers:\n"
		"        Allow_Web\n"
		"        Allow_SSH\n"
		"        Deny IP-00\n"
		"IPv4 Role-based permissions from group 6 to group 10:Web_Servers (monitored):\n"
		"        Deny_All\n"
		"IPv4 Role-based permissions from group 7:Guests to group 4:Employees (disabled):\n"
		"        Deny IP-00\n");
}

/* Twelve names of 63 characters: far beyond one 127-character string. */
static void
permissions_many_long_names(void **state)
{
	char json[4096], want[4096], name[64];
	size_t jl, wl;

	(void)state;
	jl = (size_t)snprintf(json, sizeof(json), "[{\"src\": 4, \"dst\": 10, \"src_name\": \"\","
			      " \"dst_name\": \"\", \"sgacl_count\": 12, \"catch_all\": \"none\","
			      " \"mode\": \"enforce\"");
	wl = (size_t)snprintf(want, sizeof(want),
			      "IPv4 Role-based permissions from group 4 to group 10:\n");
	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "S%02d_%059d", i, i);
		jl += (size_t)snprintf(json + jl, sizeof(json) - jl, ", \"sgacl_%d\": \"%s\"",
				       i, name);
		wl += (size_t)snprintf(want + wl, sizeof(want) - wl, "        %s\n", name);
	}
	snprintf(json + jl, sizeof(json) - jl, "}]");
	assert_int_equal(strlen(name), 63);
	expect_text(ctl_view_permissions, json, want);
}

static void
permissions_monitored_default(void **state)
{
	(void)state;
	expect_text(ctl_view_permissions,
		"[{\"src\": -1, \"dst\": -1, \"src_name\": \"*\", \"dst_name\": \"*\","
		"  \"sgacl_count\": 1, \"catch_all\": \"deny\", \"mode\": \"monitor\","
		"  \"sgacl_0\": \"Log_All\"}]",
		"IPv4 Role-based permissions default (monitored):\n"
		"        Log_All\n"
		"        Deny IP-00\n");
}

static void
permissions_rejects_unknown_words(void **state)
{
	(void)state;
	expect_error(ctl_view_permissions,
		"[{\"src\": 4, \"dst\": 10, \"src_name\": \"\", \"dst_name\": \"\", \"sgacl_count\": 0,"
		"  \"catch_all\": \"permit\", \"mode\": \"observe\"}]",
		"'mode' missing or not enforce/monitor/disabled");
	expect_error(ctl_view_permissions,
		"[{\"src\": 4, \"dst\": 10, \"src_name\": \"\", \"dst_name\": \"\", \"sgacl_count\": 0,"
		"  \"catch_all\": \"maybe\", \"mode\": \"enforce\"}]",
		"'catch_all' missing or not none/permit/deny");
}

/* A name the count promises but the row lacks (a row cut short) is an
 * error, not a shorter list; so is the old joined "sgacls" string. */
static void
permissions_rejects_missing_names(void **state)
{
	(void)state;
	expect_error(ctl_view_permissions,
		"[{\"src\": 4, \"dst\": 10, \"src_name\": \"\", \"dst_name\": \"\", \"sgacl_count\": 3,"
		"  \"catch_all\": \"permit\", \"mode\": \"enforce\", \"sgacl_0\": \"A\", \"sgacl_2\": \"C\"}]",
		"permissions: row 0: 'sgacl_1' missing or not a string");
	expect_error(ctl_view_permissions,
		"[{\"src\": 4, \"dst\": 10, \"src_name\": \"\", \"dst_name\": \"\", \"sgacl_count\": 4000000000,"
		"  \"catch_all\": \"permit\", \"mode\": \"enforce\", \"sgacl_0\": \"A\"}]",
		"'sgacl_1' missing or not a string");
	expect_error(ctl_view_permissions,
		"[{\"src\": 4, \"dst\": 10, \"src_name\": \"\", \"dst_name\": \"\", \"sgacl_count\": -1,"
		"  \"catch_all\": \"permit\", \"mode\": \"enforce\"}]",
		"'sgacl_count' missing or not a count");
	expect_error(ctl_view_permissions,
		"[{\"src\": 4, \"dst\": 10, \"src_name\": \"\", \"dst_name\": \"\", \"sgacls\": \"A;B\","
		"  \"catch_all\": \"permit\", \"mode\": \"enforce\"}]",
		"'sgacl_count' missing or not an integer");
}

static char *
json_text(const json_t *doc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	assert_non_null(mem);
	assert_int_equal(ctl_print_json(mem, doc), 0);
	assert_int_equal(fclose(mem), 0);
	return text;
}

/* --json: the names become one list where sgacl_count stood; the other
 * members keep their order. */
static void
permissions_json_lists_names(void **state)
{
	char err[CTL_ERR_MAX] = "";
	json_t *rows = parse(
		"[{\"src\": -1, \"dst\": -1, \"src_name\": \"*\", \"dst_name\": \"*\", \"sgacl_count\": 0,"
		"  \"catch_all\": \"permit\", \"mode\": \"enforce\"},"
		" {\"src\": 4, \"dst\": 10, \"src_name\": \"Employees\", \"dst_name\": \"Web\","
		"  \"sgacl_count\": 2, \"catch_all\": \"deny\", \"mode\": \"monitor\","
		"  \"sgacl_0\": \"Allow_Web\", \"sgacl_1\": \"Allow_SSH\"}]");
	json_t *doc;
	char *text;

	(void)state;
	doc = ctl_json_permissions(rows, err, sizeof(err));
	if (doc == NULL)
		fail_msg("ctl_json_permissions: %s", err);
	text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(text,
		"[{\"src\":-1,\"dst\":-1,\"src_name\":\"*\",\"dst_name\":\"*\",\"sgacls\":[],"
		"\"catch_all\":\"permit\",\"mode\":\"enforce\"},"
		"{\"src\":4,\"dst\":10,\"src_name\":\"Employees\",\"dst_name\":\"Web\","
		"\"sgacls\":[\"Allow_Web\",\"Allow_SSH\"],\"catch_all\":\"deny\",\"mode\":\"monitor\"}]");
	free(text);
	text = json_text(doc);
	assert_non_null(strstr(text, "    \"sgacls\": [\n      \"Allow_Web\",\n      \"Allow_SSH\"\n    ],\n"));
	free(text);
	json_decref(doc);
	json_decref(rows);
}

static void
permissions_json_rejects_missing_names(void **state)
{
	char err[CTL_ERR_MAX] = "";
	json_t *rows = parse(
		"[{\"src\": -1, \"dst\": -1, \"src_name\": \"*\", \"dst_name\": \"*\", \"sgacl_count\": 0,"
		"  \"catch_all\": \"permit\", \"mode\": \"enforce\"},"
		" {\"src\": 4, \"dst\": 10, \"src_name\": \"\", \"dst_name\": \"\", \"sgacl_count\": 2,"
		"  \"catch_all\": \"deny\", \"mode\": \"enforce\", \"sgacl_0\": \"A\"}]");

	(void)state;
	assert_null(ctl_json_permissions(rows, err, sizeof(err)));
	assert_string_equal(err, "permissions: row 1: 'sgacl_1' missing or not a string");
	json_decref(rows);
}

/* ---- rbacl --------------------------------------------------------------- */

static void
rbacl_groups_aces_by_name(void **state)
{
	(void)state;
	/* Allow_Web's last ACE comes after Deny_All's: still one block. */
	expect_text(ctl_view_rbacl,
		"[{\"sgacl\": \"Allow_Web\", \"seq\": 1, \"ace\": \"permit tcp dst eq 80\"},"
		" {\"sgacl\": \"Allow_Web\", \"seq\": 2, \"ace\": \"permit tcp dst eq 443\"},"
		" {\"sgacl\": \"Deny_All\", \"seq\": 1, \"ace\": \"deny ip log\"},"
		" {\"sgacl\": \"Allow_Web\", \"seq\": 3, \"ace\": \"deny ip\"}]",
		"CTS RBACL Policy\n"
		"================\n"
		"  name   = Allow_Web\n"
		"  RBACL ACEs:\n"
		"    permit tcp dst eq 80\n"
		"    permit tcp dst eq 443\n"
		"    deny ip\n"
		"\n"
		"  name   = Deny_All\n"
		"  RBACL ACEs:\n"
		"    deny ip log\n");
}

static void
rbacl_rejects_missing_ace(void **state)
{
	(void)state;
	expect_error(ctl_view_rbacl,
		"[{\"sgacl\": \"Allow_Web\", \"seq\": 1}]",
		"sgacls: row 0: 'ace' missing or not a string");
}

/* ---- counters ------------------------------------------------------------ */

static void
counters_split_by_family(void **state)
{
	(void)state;
	expect_text(ctl_view_counters,
		"[{\"src\": -1, \"dst\": -1, \"af\": \"ipv4\", \"sw_denied\": 0, \"sw_permitted\": 223613,"
		"  \"sw_monitor\": 0, \"denied_bytes\": 0, \"permitted_bytes\": 987654, \"monitor_bytes\": 0},"
		" {\"src\": -1, \"dst\": -1, \"af\": \"ipv6\", \"sw_denied\": 0, \"sw_permitted\": 12,"
		"  \"sw_monitor\": 0, \"denied_bytes\": 0, \"permitted_bytes\": 1200, \"monitor_bytes\": 0},"
		" {\"src\": 4, \"dst\": 10, \"af\": \"ipv4\", \"sw_denied\": 5, \"sw_permitted\": 4973,"
		"  \"sw_monitor\": 0, \"denied_bytes\": 320, \"permitted_bytes\": 5000, \"monitor_bytes\": 0},"
		" {\"src\": 6, \"dst\": 10, \"af\": \"ipv6\", \"sw_denied\": 0, \"sw_permitted\": 0,"
		"  \"sw_monitor\": 17, \"denied_bytes\": 0, \"permitted_bytes\": 0, \"monitor_bytes\": 1700}]",
		"Role-based IP traffic policy counters\n"
		"From  To  SW-Denied  HW-Denied  SW-Permitted  HW-Permitted  SW-Monitor  HW-Monitor\n"
		"*     *   0          0          223613        0             0           0\n"
		"4     10  5          0          4973          0             0           0\n"
		"\n"
		"Role-based IPv6 traffic policy counters\n"
		"From  To  SW-Denied  HW-Denied  SW-Permitted  HW-Permitted  SW-Monitor  HW-Monitor\n"
		"*     *   0          0          12            0             0           0\n"
		"6     10  0          0          0             0             17          0\n");
}

static void
counters_reject_unknown_family(void **state)
{
	(void)state;
	expect_error(ctl_view_counters,
		"[{\"src\": 4, \"dst\": 10, \"af\": \"ipx\", \"sw_denied\": 0, \"sw_permitted\": 0,"
		"  \"sw_monitor\": 0}]",
		"'af' missing or not ipv4/ipv6");
}

/* ---- ports --------------------------------------------------------------- */

static void
ports_show_only_nonzero_drop_reasons(void **state)
{
	(void)state;
	expect_text(ctl_view_ports,
		"[{\"port\": \"inside\", \"device\": \"net_pcap0\", \"peer\": \"outside\","
		"  \"trust\": \"trusted\", \"egress_tag\": \"keep\", \"default_sgt\": 0, \"link\": \"up\","
		"  \"rx_packets\": 1000, \"rx_bytes\": 64000, \"tx_packets\": 990, \"tx_bytes\": 63360,"
		"  \"drop_total\": 10, \"drop_runt\": 0, \"drop_bad_ipv4\": 2, \"drop_policy\": 8,"
		"  \"drop_tx_full\": 0},"
		" {\"port\": \"outside\", \"device\": \"net_pcap1\", \"peer\": \"\","
		"  \"trust\": \"untrusted\", \"egress_tag\": \"strip\", \"default_sgt\": 2, \"link\": \"down\","
		"  \"rx_packets\": 0, \"rx_bytes\": 0, \"tx_packets\": 0, \"tx_bytes\": 0,"
		"  \"drop_total\": 0, \"drop_runt\": 0, \"drop_bad_ipv4\": 0, \"drop_policy\": 0,"
		"  \"drop_tx_full\": 0}]",
		"Port     Device     Link  Peer     RX-Packets  RX-Bytes  TX-Packets  TX-Bytes  Drops\n"
		"inside   net_pcap0  up    outside  1000        64000     990         63360     10\n"
		"outside  net_pcap1  down  -        0           0         0           0         0\n"
		"\n"
		"Drops by reason\n"
		"Port    Reason    Packets\n"
		"inside  bad_ipv4  2\n"
		"inside  policy    8\n");
}

static void
ports_without_drops(void **state)
{
	(void)state;
	expect_text(ctl_view_ports,
		"[{\"port\": \"p0\", \"device\": \"net_null0\", \"peer\": \"p0\", \"link\": \"up\","
		"  \"rx_packets\": 1, \"rx_bytes\": 60, \"tx_packets\": 1, \"tx_bytes\": 60,"
		"  \"drop_total\": 0, \"drop_policy\": 0}]",
		"Port  Device     Link  Peer  RX-Packets  RX-Bytes  TX-Packets  TX-Bytes  Drops\n"
		"p0    net_null0  up    p0    1           60        1           60        0\n"
		"\n"
		"Drops by reason: none\n");
}

static void
ports_reject_non_integer_reason(void **state)
{
	(void)state;
	expect_error(ctl_view_ports,
		"[{\"port\": \"p0\", \"device\": \"net_null0\", \"peer\": \"\", \"link\": \"up\","
		"  \"rx_packets\": 1, \"rx_bytes\": 60, \"tx_packets\": 1, \"tx_bytes\": 60,"
		"  \"drop_total\": 0, \"drop_policy\": \"many\"}]",
		"ports: row 0: 'drop_policy' missing or not an integer");
}

/* ---- info ---------------------------------------------------------------- */

static const char info_json[] =
	"{\"version\": \"0.1.0\", \"workers\": 2, \"ports\": 2, \"policy_generation\": 5,"
	" \"bindings_generation\": 12, \"bindings\": 100, \"sgts\": 4, \"sgacls\": 3,"
	" \"cells\": 5, \"monitor_mode\": 1, \"non_ip\": \"forward\", \"uptime_s\": 93784,"
	" \"acl_log_suppressed\": 295, \"acl_log_ring_full\": 3}";

static const char info_body[] =
	"  Uptime              : 1d 02:03:04\n"
	"  Workers             : 2\n"
	"  Ports               : 2\n"
	"  Policy generation   : 5\n"
	"  Bindings generation : 12\n"
	"  IP-SGT bindings     : 100\n"
	"  SGTs                : 4\n"
	"  SGACLs              : 3\n"
	"  Policy cells        : 5 (default included)\n"
	"  Monitor mode        : on\n"
	"  Non-IP frames       : forward\n"
	"  ACL log suppressed  : 295\n"
	"  ACL log ring full   : 3\n";

static char *
render_info(const char *info_text, const char *greeting_text, int *rc, char *err)
{
	json_t *info = parse(info_text);
	json_t *greeting = greeting_text ? parse(greeting_text) : NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	assert_non_null(mem);
	*rc = ctl_view_info(mem, info, greeting, err, CTL_ERR_MAX);
	assert_int_equal(fclose(mem), 0);
	json_decref(info);
	json_decref(greeting);
	return text;
}

static void
info_with_and_without_greeting(void **state)
{
	char err[CTL_ERR_MAX] = "", want[1024];
	char *text;
	int rc;

	(void)state;
	text = render_info(info_json,
		"{\"version\": \"DPDK 22.11.11\", \"pid\": 4242, \"max_output_len\": 16384}", &rc, err);
	assert_int_equal(rc, 0);
	snprintf(want, sizeof(want), "sgtgw-dataplane 0.1.0 (DPDK 22.11.11, pid 4242)\n%s", info_body);
	assert_string_equal(text, want);
	free(text);

	text = render_info(info_json, NULL, &rc, err);
	assert_int_equal(rc, 0);
	snprintf(want, sizeof(want), "sgtgw-dataplane 0.1.0\n%s", info_body);
	assert_string_equal(text, want);
	free(text);
}

/* A managed dataplane adds how it is run and its session. */
static void
info_managed_mode(void **state)
{
	char err[CTL_ERR_MAX] = "", want[2048];
	char json[1024];
	char *text;
	int rc;

	(void)state;
	snprintf(json, sizeof(json), "%.*s, \"mode\": \"managed\", \"controlplane\": "
		 "\"connected\", \"session_id\": \"0x00000000000000ab\", \"cache_state\": "
		 "\"loaded\", \"updates_applied\": 1200, \"updates_refused\": 2, "
		 "\"resync_count\": 3}", (int)strlen(info_json) - 1, info_json);
	text = render_info(json, NULL, &rc, err);
	assert_int_equal(rc, 0);
	snprintf(want, sizeof(want), "sgtgw-dataplane 0.1.0\n%s"
		 "  Mode                : managed\n"
		 "  Controlplane        : connected (session 0x00000000000000ab)\n"
		 "  Cache at start      : loaded\n"
		 "  Updates applied     : 1200\n"
		 "  Updates refused     : 2\n"
		 "  Full resyncs        : 3\n", info_body);
	assert_string_equal(text, want);
	free(text);

	/* Standalone: the mode only. */
	snprintf(json, sizeof(json), "%.*s, \"mode\": \"standalone\", \"controlplane\": "
		 "\"none\", \"session_id\": \"\", \"cache_state\": \"none\", "
		 "\"updates_applied\": 0, \"updates_refused\": 0, \"resync_count\": 0}",
		 (int)strlen(info_json) - 1, info_json);
	text = render_info(json, NULL, &rc, err);
	assert_int_equal(rc, 0);
	snprintf(want, sizeof(want), "sgtgw-dataplane 0.1.0\n%s"
		 "  Mode                : standalone\n", info_body);
	assert_string_equal(text, want);
	free(text);

	/* The mode without the rest: refused, not half shown. */
	snprintf(json, sizeof(json), "%.*s, \"mode\": \"managed\"}",
		 (int)strlen(info_json) - 1, info_json);
	text = render_info(json, NULL, &rc, err);
	assert_int_equal(rc, -1);
	assert_string_equal(err, "info: 'controlplane' missing or not a string");
	free(text);
}

/* A dataplane with table limits shows each table's fill. */
static void
info_table_limits(void **state)
{
	char err[CTL_ERR_MAX] = "", want[2048];
	char json[1024];
	const char *at;
	char *text;
	int rc;

	(void)state;
	snprintf(json, sizeof(json), "%.*s, \"ipv4_hosts\": 12, "
		 "\"ipv4_hosts_limit\": 1048576, \"ipv4_prefixes\": 3, "
		 "\"ipv4_prefixes_limit\": 16384, \"ipv6_hosts\": 0, "
		 "\"ipv6_hosts_limit\": 200000, \"ipv6_prefixes\": 1, "
		 "\"ipv6_prefixes_limit\": 4096, \"ipv4_groups\": 3907, "
		 "\"ipv4_group_bytes\": 3268608, \"ipv6_prefix_slots\": 12, "
		 "\"ipv6_prefix_bytes\": 524352}", (int)strlen(info_json) - 1,
		 info_json);
	text = render_info(json, NULL, &rc, err);
	assert_int_equal(rc, 0);
	at = strstr(info_body, "  SGTs");
	snprintf(want, sizeof(want), "sgtgw-dataplane 0.1.0\n%.*s"
		 "  IPv4 hosts          : 12 of 1048576\n"
		 "  IPv4 prefixes       : 3 of 16384\n"
		 "  IPv6 hosts          : 0 of 200000\n"
		 "  IPv6 prefixes       : 1 of 4096\n"
		 "  IPv4 /24 groups     : 3907 (3.1 MiB)\n"
		 "  IPv6 prefix slots   : 12 (0.5 MiB)\n%s",
		 (int)(at - info_body), info_body, at);
	assert_string_equal(text, want);
	free(text);

	/* A limit without the rest: refused, not half shown. */
	snprintf(json, sizeof(json), "%.*s, \"ipv4_hosts_limit\": 4}",
		 (int)strlen(info_json) - 1, info_json);
	text = render_info(json, NULL, &rc, err);
	assert_int_equal(rc, -1);
	assert_string_equal(err, "info: 'ipv4_hosts' missing or not an integer");
	free(text);
}

static void
info_rejects_missing_field(void **state)
{
	char err[CTL_ERR_MAX] = "";
	char *text;
	int rc;

	(void)state;
	text = render_info("{\"version\": \"0.1.0\", \"workers\": 2}", NULL, &rc, err);
	assert_int_equal(rc, -1);
	assert_string_equal(err, "info: 'ports' missing or not an integer");
	free(text);

	/* A dataplane from before the ACL log counters. */
	text = render_info("{\"version\": \"0.1.0\", \"workers\": 2, \"ports\": 2,"
			   " \"policy_generation\": 5, \"bindings_generation\": 12, \"bindings\": 100,"
			   " \"sgts\": 4, \"sgacls\": 3, \"cells\": 5, \"monitor_mode\": 1,"
			   " \"non_ip\": \"forward\", \"uptime_s\": 1, \"acl_log_suppressed\": 0}",
			   NULL, &rc, err);
	assert_int_equal(rc, -1);
	assert_string_equal(err, "info: 'acl_log_ring_full' missing or not an integer");
	free(text);
}

/* ---- --json -------------------------------------------------------------- */

static void
json_keeps_order_and_indents(void **state)
{
	json_t *doc = parse("{\"sgt\": 10, \"prefix\": \"10.1.1.10/32\", \"seq\": [1, 2]}");
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	(void)state;
	assert_non_null(mem);
	assert_int_equal(ctl_print_json(mem, doc), 0);
	assert_int_equal(fclose(mem), 0);
	assert_string_equal(text,
		"{\n"
		"  \"sgt\": 10,\n"
		"  \"prefix\": \"10.1.1.10/32\",\n"
		"  \"seq\": [\n"
		"    1,\n"
		"    2\n"
		"  ]\n"
		"}\n");
	free(text);
	json_decref(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sgt_map_sections_and_summary),
		cmocka_unit_test(sgt_map_empty),
		cmocka_unit_test(sgt_map_rejects_bad_rows),
		cmocka_unit_test(permissions_cells_and_markers),
		cmocka_unit_test(permissions_many_long_names),
		cmocka_unit_test(permissions_monitored_default),
		cmocka_unit_test(permissions_rejects_unknown_words),
		cmocka_unit_test(permissions_rejects_missing_names),
		cmocka_unit_test(permissions_json_lists_names),
		cmocka_unit_test(permissions_json_rejects_missing_names),
		cmocka_unit_test(rbacl_groups_aces_by_name),
		cmocka_unit_test(rbacl_rejects_missing_ace),
		cmocka_unit_test(counters_split_by_family),
		cmocka_unit_test(counters_reject_unknown_family),
		cmocka_unit_test(ports_show_only_nonzero_drop_reasons),
		cmocka_unit_test(ports_without_drops),
		cmocka_unit_test(ports_reject_non_integer_reason),
		cmocka_unit_test(info_with_and_without_greeting),
		cmocka_unit_test(info_managed_mode),
		cmocka_unit_test(info_table_limits),
		cmocka_unit_test(info_rejects_missing_field),
		cmocka_unit_test(json_keeps_order_and_indents),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
