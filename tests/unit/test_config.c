/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration loader: the shipped example loads with every field where
 * it belongs; every file in config/bad/ is refused with the exact
 * "FILE:LINE: key '...': what" error its table row names; edge cases are
 * written to temporary files. Runs with the working directory tests/unit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"

#define EXAMPLE "../../config/sgtgw.example.yaml"
#define BAD_DIR "../../config/bad/"

/* ---- helpers ---------------------------------------------------------- */

struct tmp_file {
	char path[64];
};

static void
tmp_write(struct tmp_file *t, const char *text)
{
	int fd;

	snprintf(t->path, sizeof(t->path), "/tmp/sgtgw-test-config-XXXXXX");
	fd = mkstemp(t->path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Load YAML text from a temporary file; err gets the message. */
static struct config *
load_text(const char *text, char *err, size_t errlen, struct tmp_file *t)
{
	struct config *cfg;

	tmp_write(t, text);
	cfg = config_load(t->path, err, errlen);
	unlink(t->path);
	return cfg;
}

/* Refused, with "PATH:LINE: " then a message containing want. */
static void
assert_refused(const char *text, unsigned long line, const char *want)
{
	char err[CONFIG_ERR_MAX], prefix[128];
	struct tmp_file t;

	assert_null(load_text(text, err, sizeof(err), &t));
	snprintf(prefix, sizeof(prefix), "%s:%lu: ", t.path, line);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, want))
		fail_msg("got \"%s\", want prefix \"%s\" and \"%s\"", err,
			 prefix, want);
}

static const char *
ntop(const struct config_binding *b, char *buf)
{
	return inet_ntop(b->family, b->addr, buf, INET6_ADDRSTRLEN);
}

static int
sgacl_index(const struct config *cfg, const char *name)
{
	return policy_sgacl_by_name(&cfg->policy, name);
}

/* ---- the example -------------------------------------------------------- */

static void
test_example_dataplane_and_ports(void **state)
{
	char err[CONFIG_ERR_MAX];
	struct config *cfg = config_load(EXAMPLE, err, sizeof(err));

	(void)state;
	if (!cfg)
		fail_msg("%s", err);
	assert_string_equal(cfg->path, EXAMPLE);
	assert_int_equal(cfg->workers, 1);
	assert_int_equal(cfg->mbufs, 16384);
	assert_int_equal(cfg->log_rate, 10);
	assert_int_equal(cfg->non_ip, CONFIG_NON_IP_FORWARD);

	assert_int_equal(cfg->n_ports, 2);
	assert_string_equal(cfg->ports[0].name, "inside");
	assert_string_equal(cfg->ports[0].device,
			    "net_pcap0,rx_pcap=demo/inside-in.pcap,"
			    "tx_pcap=demo/inside-out.pcap");
	assert_true(cfg->ports[0].trusted);
	assert_int_equal(cfg->ports[0].egress_tag, CONFIG_TAG_STRIP);
	assert_int_equal(cfg->ports[0].default_sgt, SGT_UNKNOWN);
	assert_int_equal(cfg->ports[0].peer, 1);
	assert_string_equal(cfg->ports[1].name, "outside");
	assert_false(cfg->ports[1].trusted);
	assert_int_equal(cfg->ports[1].egress_tag, CONFIG_TAG_ADD);
	assert_int_equal(cfg->ports[1].peer, 0);
	assert_int_equal(config_port_by_name(cfg, "outside"), 1);
	assert_int_equal(config_port_by_name(cfg, "inside"), 0);
	assert_int_equal(config_port_by_name(cfg, "Inside"), -1);
	assert_int_equal(config_port_by_name(cfg, NULL), -1);
	config_free(cfg);
}

static void
test_example_sgts_and_sgacls(void **state)
{
	char err[CONFIG_ERR_MAX];
	struct config *cfg = config_load(EXAMPLE, err, sizeof(err));
	const struct policy_sgacl *sql, *web, *deny;

	(void)state;
	assert_non_null(cfg);
	assert_int_equal(cfg->policy.n_names, 8);
	assert_int_equal(policy_sgt_by_name(&cfg->policy, "Quarantine"), 255);
	assert_int_equal(policy_sgt_by_name(&cfg->policy, "Employees"), 4);
	assert_string_equal(policy_sgt_name(&cfg->policy, 0), "Unknown");

	assert_int_equal(cfg->policy.n_sgacls, 5);
	web = &cfg->policy.sgacls[sgacl_index(cfg, "Allow_Web")];
	assert_int_equal(web->n_aces, 3);
	assert_int_equal(web->aces[0].action, SGACL_PERMIT);
	assert_int_equal(web->aces[0].proto, 6);
	assert_true(web->aces[0].dst.present);
	assert_int_equal(web->aces[0].dst.lo, 80);
	assert_int_equal(web->aces[0].dst.hi, 80);
	assert_false(web->aces[0].src.present);
	assert_int_equal(web->aces[2].proto, SGACL_PROTO_ICMPX);
	assert_string_equal(web->ace_text[1], "permit tcp dst eq 443");

	sql = &cfg->policy.sgacls[sgacl_index(cfg, "Allow_SQL")];
	assert_int_equal(sql->n_aces, 2);
	assert_true(sql->aces[0].log);
	assert_int_equal(sql->aces[0].dst.lo, 5432);
	assert_false(sql->aces[1].log);
	assert_int_equal(sql->aces[1].dst.lo, 1433);
	assert_int_equal(sql->aces[1].dst.hi, 1434);

	deny = &cfg->policy.sgacls[sgacl_index(cfg, "Deny_Log")];
	assert_int_equal(deny->aces[0].action, SGACL_DENY);
	assert_int_equal(deny->aces[0].proto, SGACL_PROTO_ANY);
	assert_true(deny->aces[0].log);
	config_free(cfg);
}

static const struct policy_cell *
find_cell(const struct config *cfg, sgt_t src, sgt_t dst)
{
	for (uint32_t i = 0; i < cfg->policy.n_cells; i++) {
		if (cfg->policy.cells[i].src == src &&
		    cfg->policy.cells[i].dst == dst)
			return &cfg->policy.cells[i];
	}
	return NULL;
}

static void
test_example_policy(void **state)
{
	char err[CONFIG_ERR_MAX];
	struct config *cfg = config_load(EXAMPLE, err, sizeof(err));
	const struct policy_cell *c;

	(void)state;
	assert_non_null(cfg);
	assert_false(cfg->policy.monitor_all);
	assert_int_equal(cfg->policy.default_cell.catch_all,
			 POLICY_CATCH_ALL_PERMIT);
	assert_int_equal(cfg->policy.default_cell.n_sgacls, 0);
	assert_int_equal(cfg->policy.n_cells, 9);

	c = &cfg->policy.cells[0];
	assert_int_equal(c->src, 4);
	assert_int_equal(c->dst, 10);
	assert_int_equal(c->n_sgacls, 1);
	assert_int_equal(c->sgacls[0], sgacl_index(cfg, "Allow_Web"));
	assert_int_equal(c->catch_all, POLICY_CATCH_ALL_DENY);
	assert_int_equal(c->mode, POLICY_CELL_ENFORCE);

	c = find_cell(cfg, 5, 11);   /* Contractors -> Database */
	assert_non_null(c);
	assert_int_equal(c->catch_all, POLICY_CATCH_ALL_NONE);
	assert_int_equal(c->sgacls[0], sgacl_index(cfg, "Deny_Log"));
	c = find_cell(cfg, 6, 10);   /* Guests -> Web_Servers */
	assert_non_null(c);
	assert_int_equal(c->mode, POLICY_CELL_MONITOR);
	c = find_cell(cfg, 255, 12); /* Quarantine -> Printers */
	assert_non_null(c);
	assert_int_equal(c->catch_all, POLICY_CATCH_ALL_DENY);
	assert_null(find_cell(cfg, 4, 4));
	config_free(cfg);
}

static void
test_example_bindings(void **state)
{
	static const uint8_t v6_net[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x10 };
	static const uint8_t v6_host[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00,
					     [15] = 0x10 };
	char err[CONFIG_ERR_MAX], buf[INET6_ADDRSTRLEN];
	struct config *cfg = config_load(EXAMPLE, err, sizeof(err));
	const struct config_binding *b;

	(void)state;
	assert_non_null(cfg);
	assert_int_equal(cfg->n_bindings, 11);
	b = &cfg->bindings[0];
	assert_int_equal(b->family, AF_INET);
	assert_int_equal(b->prefix_len, 16);
	assert_string_equal(ntop(b, buf), "10.10.0.0");
	assert_int_equal(b->sgt, 4);
	b = &cfg->bindings[1];
	assert_int_equal(b->prefix_len, 32);
	assert_string_equal(ntop(b, buf), "10.10.66.6");
	assert_int_equal(b->sgt, 255);
	for (int i = 4; i < 16; i++)
		assert_int_equal(b->addr[i], 0);

	b = &cfg->bindings[8];
	assert_int_equal(b->family, AF_INET6);
	assert_int_equal(b->prefix_len, 48);
	assert_memory_equal(b->addr, v6_net, 16);
	assert_int_equal(b->sgt, 4);
	b = &cfg->bindings[10];
	assert_int_equal(b->prefix_len, 128);
	assert_memory_equal(b->addr, v6_host, 16);
	assert_int_equal(b->sgt, 10);
	config_free(cfg);
}

/* ---- small good files --------------------------------------------------- */

static void
test_minimal_defaults(void **state)
{
	char err[CONFIG_ERR_MAX];
	struct tmp_file t;
	struct config *cfg = load_text("ports:\n  - name: p0\n"
				       "    device: 0000:01:00.0\n",
				       err, sizeof(err), &t);

	(void)state;
	if (!cfg)
		fail_msg("%s", err);
	assert_int_equal(cfg->workers, 1);
	assert_int_equal(cfg->mbufs, 16384);
	assert_int_equal(cfg->log_rate, 10);
	assert_int_equal(cfg->non_ip, CONFIG_NON_IP_FORWARD);
	assert_int_equal(cfg->n_ports, 1);
	assert_string_equal(cfg->ports[0].device, "0000:01:00.0");
	assert_false(cfg->ports[0].trusted);
	assert_int_equal(cfg->ports[0].egress_tag, CONFIG_TAG_KEEP);
	assert_int_equal(cfg->ports[0].default_sgt, SGT_UNKNOWN);
	assert_int_equal(cfg->ports[0].peer, -1);
	assert_int_equal(cfg->n_bindings, 0);
	assert_int_equal(cfg->policy.n_names, 0);
	assert_int_equal(cfg->policy.n_sgacls, 0);
	assert_int_equal(cfg->policy.n_cells, 0);
	assert_int_equal(cfg->policy.default_cell.catch_all,
			 POLICY_CATCH_ALL_PERMIT);
	assert_false(cfg->policy.monitor_all);
	config_free(cfg);
}

static void
test_values_at_edges(void **state)
{
	char err[CONFIG_ERR_MAX];
	struct tmp_file t;
	struct config *cfg = load_text(
		"dataplane: { workers: 64, mbufs: 4194304, log_rate: 0,"
		" non_ip: drop }\n"
		"sgts: [ { value: 65519, name: Top }, { value: 1, name: One } ]\n"
		"ports:\n"
		"  - { name: a, device: x, default_sgt: 65534 }\n"
		"  - { name: b, device: y, default_sgt: Top, trust: trusted }\n"
		"  - { name: c, device: z }\n"
		"  - { name: d, device: w }\n"
		"port_pairs: [ [d, a], [b, c] ]\n"
		"policy:\n"
		"  monitor_mode: yes\n"
		"  default: { sgacls: [Any], catch_all: deny }\n"
		"  cells: [ { src: \"0\", dst: 65534, catch_all: permit,"
		" mode: disabled } ]\n"
		"sgacls: [ { name: Any, aces: [ 'permit ip' ] } ]\n"
		"bindings:\n"
		"  - { prefix: 0.0.0.0/0, sgt: One }\n"
		"  - { prefix: \"::/0\", sgt: 1 }\n"
		"  - { prefix: 10.0.0.0/8, sgt: 1 }\n",
		err, sizeof(err), &t);

	(void)state;
	if (!cfg)
		fail_msg("%s", err);
	assert_int_equal(cfg->workers, 64);
	assert_int_equal(cfg->mbufs, 4194304);
	assert_int_equal(cfg->log_rate, 0);
	assert_int_equal(cfg->non_ip, CONFIG_NON_IP_DROP);
	assert_int_equal(cfg->ports[0].default_sgt, 65534);
	assert_int_equal(cfg->ports[1].default_sgt, 65519);
	assert_int_equal(cfg->ports[0].peer, 3);
	assert_int_equal(cfg->ports[3].peer, 0);
	assert_int_equal(cfg->ports[1].peer, 2);
	assert_int_equal(cfg->ports[2].peer, 1);
	assert_true(cfg->policy.monitor_all);
	assert_int_equal(cfg->policy.default_cell.catch_all,
			 POLICY_CATCH_ALL_DENY);
	assert_int_equal(cfg->policy.default_cell.n_sgacls, 1);
	assert_int_equal(cfg->policy.cells[0].src, 0);
	assert_int_equal(cfg->policy.cells[0].dst, 65534);
	assert_int_equal(cfg->policy.cells[0].mode, POLICY_CELL_DISABLED);
	assert_int_equal(cfg->bindings[0].prefix_len, 0);
	assert_int_equal(cfg->bindings[1].family, AF_INET6);
	assert_int_equal(cfg->bindings[1].prefix_len, 0);
	config_free(cfg);
}

/* No controlplane section: standalone, no paths set. The hold time has
 * its default: a controlplane started on such a file still uses it. */
static void
test_controlplane_absent(void **state)
{
	char err[CONFIG_ERR_MAX];
	struct config *cfg = config_load(EXAMPLE, err, sizeof(err));

	(void)state;
	assert_non_null(cfg);
	assert_false(cfg->controlplane.enabled);
	assert_null(cfg->controlplane.socket);
	assert_null(cfg->controlplane.cache);
	assert_int_equal(cfg->controlplane.hold_time, 5);
	config_free(cfg);
}

/* An empty section turns managed mode on with every default. */
static void
test_controlplane_defaults(void **state)
{
	char err[CONFIG_ERR_MAX];
	struct tmp_file t;
	struct config *cfg = load_text("ports: [ { name: a, device: x } ]\n"
				       "controlplane: {}\n", err, sizeof(err), &t);

	(void)state;
	if (!cfg)
		fail_msg("%s", err);
	assert_true(cfg->controlplane.enabled);
	assert_string_equal(cfg->controlplane.socket, "/run/sgtgw/dataplane.sock");
	assert_string_equal(cfg->controlplane.admin_socket,
			    "/run/sgtgw/controlplane.sock");
	assert_string_equal(cfg->controlplane.cache,
			    "/var/lib/sgtgw/dataplane.cache");
	assert_int_equal(cfg->controlplane.no_cache, CONFIG_NO_CACHE_FAIL_CLOSED);
	assert_int_equal(cfg->controlplane.hold_time, 5);
	config_free(cfg);
}

/* Every key written, relative paths kept as written. */
static void
test_controlplane_written(void **state)
{
	char err[CONFIG_ERR_MAX];
	struct tmp_file t;
	struct config *cfg = load_text(
		"ports: [ { name: a, device: x } ]\n"
		"controlplane:\n"
		"  socket: run/dp.sock\n"
		"  admin_socket: /tmp/sgtgw/cp.sock\n"
		"  cache: ./state/dp.cache\n"
		"  no_cache: fail_open\n"
		"  hold_time: 90\n", err, sizeof(err), &t);

	(void)state;
	if (!cfg)
		fail_msg("%s", err);
	assert_true(cfg->controlplane.enabled);
	assert_string_equal(cfg->controlplane.socket, "run/dp.sock");
	assert_string_equal(cfg->controlplane.admin_socket, "/tmp/sgtgw/cp.sock");
	assert_string_equal(cfg->controlplane.cache, "./state/dp.cache");
	assert_int_equal(cfg->controlplane.no_cache, CONFIG_NO_CACHE_FAIL_OPEN);
	assert_int_equal(cfg->controlplane.hold_time, 90);
	config_free(cfg);
}

static void
test_controlplane_refused(void **state)
{
	static const char ports[] = "ports: [ { name: a, device: x } ]\n";
	char text[512], longpath[128];

	(void)state;
	memset(longpath, 'a', 108);
	longpath[0] = '/';
	longpath[108] = '\0';
	snprintf(text, sizeof(text), "%scontrolplane: { socket: %s }\n", ports,
		 longpath);
	assert_refused(text, 2, "key 'controlplane.socket': is 108 characters "
		       "long, 107 at most");
	snprintf(text, sizeof(text), "%scontrolplane: { admin_socket: \"a\\tb\" }\n",
		 ports);
	assert_refused(text, 2, "key 'controlplane.admin_socket': a path cannot "
		       "hold control characters");
	snprintf(text, sizeof(text), "%scontrolplane: { socket: x, admin_socket: "
		 "x }\n", ports);
	assert_refused(text, 2, "key 'controlplane.admin_socket': 'x' is also "
		       "the path of controlplane.socket: each needs its own");
	snprintf(text, sizeof(text), "%scontrolplane:\n", ports);
	assert_refused(text, 2, "key 'controlplane': expected a mapping (key: "
		       "value), got an empty value");
	snprintf(text, sizeof(text), "%scontrolplane: { sockets: x }\n", ports);
	assert_refused(text, 2, "key 'controlplane.sockets': unknown key "
		       "(expected one of: socket, admin_socket, cache, no_cache, "
		       "hold_time)");
	snprintf(text, sizeof(text), "%scontrolplane: { hold_time: 2 }\n", ports);
	assert_refused(text, 2, "key 'controlplane.hold_time': 2 out of range "
		       "3..3600");
	snprintf(text, sizeof(text), "%scontrolplane: { hold_time: 3601 }\n",
		 ports);
	assert_refused(text, 2, "key 'controlplane.hold_time': 3601 out of range "
		       "3..3600");
}

/* ---- limits ------------------------------------------------------------- */

static void
assert_limits(const struct config *cfg, uint32_t v4h, uint32_t v4p,
	      uint32_t v6h, uint32_t v6p)
{
	assert_int_equal(cfg->limits[CONFIG_LIMIT_V4_HOSTS], v4h);
	assert_int_equal(cfg->limits[CONFIG_LIMIT_V4_PREFIXES], v4p);
	assert_int_equal(cfg->limits[CONFIG_LIMIT_V6_HOSTS], v6h);
	assert_int_equal(cfg->limits[CONFIG_LIMIT_V6_PREFIXES], v6p);
}

/* Not written: 0 for each, the dataplane picks; each key alone; the
 * largest value of each. */
static void
test_limits_written(void **state)
{
	static const char *const texts[] = {
		"ports: [ { name: a, device: x } ]\n",
		"ports: [ { name: a, device: x } ]\nlimits: {}\n",
		"ports: [ { name: a, device: x } ]\n"
		"limits:\n  ipv6_hosts: 200000\n",
		"limits:\n  ipv4_hosts: 16777216\n  ipv4_prefixes: 16777216\n"
		"  ipv6_hosts: 16777216\n  ipv6_prefixes: 1048576\n"
		"ports: [ { name: a, device: x } ]\n",
	};
	const uint32_t want[][CONFIG_LIMITS] = {
		{ 0, 0, 0, 0 },
		{ 0, 0, 0, 0 },
		{ 0, 0, 200000, 0 },
		{ 16777216, 16777216, 16777216, 1048576 },
	};
	char err[CONFIG_ERR_MAX];
	struct tmp_file t;

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct config *cfg = load_text(texts[i], err, sizeof(err), &t);

		if (!cfg)
			fail_msg("text %zu: %s", i, err);
		assert_limits(cfg, want[i][0], want[i][1], want[i][2],
			      want[i][3]);
		config_free(cfg);
	}
}

/* Bindings up to the limit fit; managed, the file's bindings are not the
 * tables' (the controlplane's are), so a lower limit is no error. */
static void
test_limits_and_bindings(void **state)
{
	static const char bindings[] =
		"bindings:\n"
		"  - { prefix: 10.0.0.1, sgt: 5 }\n"
		"  - { prefix: 10.0.0.2/32, sgt: 5 }\n"
		"  - { prefix: 10.0.0.0/24, sgt: 5 }\n"
		"  - { prefix: \"2001:db8::1\", sgt: 5 }\n";
	char text[512], err[CONFIG_ERR_MAX];
	struct config *cfg;
	struct tmp_file t;

	(void)state;
	snprintf(text, sizeof(text), "ports: [ { name: a, device: x } ]\n"
		 "limits: { ipv4_hosts: 2, ipv4_prefixes: 1, ipv6_hosts: 1 }\n"
		 "%s", bindings);
	cfg = load_text(text, err, sizeof(err), &t);
	if (!cfg)
		fail_msg("%s", err);
	assert_limits(cfg, 2, 1, 1, 0);
	config_free(cfg);

	snprintf(text, sizeof(text), "ports: [ { name: a, device: x } ]\n"
		 "controlplane: {}\nlimits: { ipv4_hosts: 1 }\n%s", bindings);
	cfg = load_text(text, err, sizeof(err), &t);
	if (!cfg)
		fail_msg("%s", err);
	assert_limits(cfg, 1, 0, 0, 0);
	config_free(cfg);

	snprintf(text, sizeof(text), "ports: [ { name: a, device: x } ]\n"
		 "limits: { ipv6_hosts: 1, ipv6_prefixes: 1 }\n%s"
		 "  - { prefix: \"2001:db8::2/128\", sgt: 5 }\n", bindings);
	assert_refused(text, 2, "key 'limits.ipv6_hosts': 1 is fewer than the "
		       "2 IPv6 hosts in bindings");
	assert_refused("ports: [ { name: a, device: x } ]\n"
		       "limits: { ipv4_hosts: 4294967296 }\n", 2,
		       "key 'limits.ipv4_hosts': '4294967296' is too large");
}

static void
test_limit_names(void **state)
{
	(void)state;
	assert_string_equal(config_limit_key(CONFIG_LIMIT_V4_HOSTS),
			    "ipv4_hosts");
	assert_string_equal(config_limit_key(CONFIG_LIMIT_V6_PREFIXES),
			    "ipv6_prefixes");
	assert_string_equal(config_limit_name(CONFIG_LIMIT_V4_PREFIXES),
			    "IPv4 prefixes");
	assert_string_equal(config_limit_name(CONFIG_LIMIT_V6_HOSTS),
			    "IPv6 hosts");
	assert_int_equal(config_limit_of(AF_INET, 32), CONFIG_LIMIT_V4_HOSTS);
	assert_int_equal(config_limit_of(AF_INET, 0), CONFIG_LIMIT_V4_PREFIXES);
	assert_int_equal(config_limit_of(AF_INET, 31), CONFIG_LIMIT_V4_PREFIXES);
	assert_int_equal(config_limit_of(AF_INET6, 128), CONFIG_LIMIT_V6_HOSTS);
	assert_int_equal(config_limit_of(AF_INET6, 32),
			 CONFIG_LIMIT_V6_PREFIXES);
}

/* ---- refused files: the catalogue in config/bad/ ------------------------ */

struct bad_case {
	const char *file;
	unsigned long line;     /* 0: the error has no line */
	const char *want;
};

static const struct bad_case bad_cases[] = {
	{ "unknown_top_key", 2, "key 'port': unknown key (expected one of: "
	  "dataplane, ports," },
	{ "unknown_nested_key", 4, "key 'ports[0].speed': unknown key" },
	{ "wrong_type", 2, "key 'dataplane.workers': expected a whole number, "
	  "got 'four'" },
	{ "wrong_type_list", 2, "key 'ports': expected a list, got a mapping" },
	{ "missing_ports", 1, "key 'ports': missing (required)" },
	{ "missing_device", 4, "key 'ports[1].device': missing (required)" },
	{ "missing_default_catch_all", 4,
	  "key 'policy.default.catch_all': missing (required)" },
	{ "syntax", 4, "YAML syntax error at column 9: did not find expected "
	  "',' or ']' while parsing a flow sequence started on line 3" },
	{ "duplicate_key", 4, "key 'dataplane.workers': given twice (first on "
	  "line 2)" },
	{ "duplicate_port_name", 4, "key 'ports[2].name': port name 'inside' "
	  "given twice (first on line 2, ports[0])" },
	{ "pair_unknown_port", 5, "key 'port_pairs[0][1]': unknown port "
	  "'outsde'" },
	{ "pair_twice", 7, "key 'port_pairs[1][1]': port 'a' is already in "
	  "port_pairs[0] (line 6)" },
	{ "pair_self", 4, "key 'port_pairs[0][1]': port 'a' cannot be paired "
	  "with itself" },
	{ "pair_three", 6, "key 'port_pairs[0]': needs exactly 2 entries, "
	  "has 3" },
	{ "sgt_value_range", 5, "key 'sgts[1].value': SGT value 65535 out of "
	  "range 0..65519" },
	{ "sgt_duplicate_name", 6, "key 'sgts[2].name': SGT name 'Employees' "
	  "given twice (first on line 4, sgts[0])" },
	{ "sgt_duplicate_value", 6, "key 'sgts[2].value': SGT value 10 given "
	  "twice (first on line 4, sgts[0])" },
	{ "sgt_digit_name", 4, "key 'sgts[0].name': '20': a name cannot be "
	  "all digits" },
	{ "ace_bad", 7, "key 'sgacls[0].aces[1]': bad ACE \"permit tcp dst eq "
	  "70000\" at column 27: port 70000 out of range" },
	{ "ace_icmp_port", 6, "key 'sgacls[0].aces[0]': bad ACE \"permit icmp "
	  "dst eq 80\" at column 22: port conditions need tcp or udp" },
	{ "sgacl_no_aces", 5, "key 'sgacls[0].aces': needs at least 1 entry, "
	  "has 0" },
	{ "cell_unknown_sgacl", 12, "key 'policy.cells[0].sgacls[1]': unknown "
	  "SGACL 'Allow_Mail'" },
	{ "cell_unknown_sgt", 9, "key 'policy.cells[1].src': unknown SGT name "
	  "'Employes'" },
	{ "cell_duplicate", 11, "key 'policy.cells[2]': cell 10 -> 20 given "
	  "twice (first on line 9, policy.cells[0])" },
	{ "cell_empty", 6, "key 'policy.cells[0]': no sgacls and catch_all "
	  "none" },
	{ "default_catch_all_none", 5, "key 'policy.default.catch_all': the "
	  "default cell ends every decision: catch_all must be permit or deny" },
	{ "bool_word", 4, "key 'policy.monitor_mode': expected true or false, "
	  "got 'maybe'" },
	{ "prefix_bad", 5, "key 'bindings[1].prefix': '10.1.1.300' is not an "
	  "IPv4 or IPv6 address" },
	{ "prefix_host_bits", 4, "key 'bindings[0].prefix': host bits set in "
	  "10.1.1.5/24; did you mean 10.1.1.0/24?" },
	{ "prefix_host_bits_v6", 4, "host bits set in 2001:db8:1::1/48; did you "
	  "mean 2001:db8:1::/48?" },
	{ "prefix_too_long", 5, "key 'bindings[1].prefix': '10.1.1.0/33': "
	  "prefix length 33 is too long for IPv4 (32 at most)" },
	{ "binding_duplicate", 8, "key 'bindings[2].prefix': prefix "
	  "'10.1.1.10/32' is bound twice (first as '10.1.1.10' on line 6, "
	  "bindings[0])" },
	{ "binding_unknown_sgt", 4, "key 'bindings[0].sgt': unknown SGT name "
	  "'Employees' (not in sgts)" },
	{ "egress_tag_enum", 4, "key 'ports[0].egress_tag': expected one of "
	  "keep, add, strip; got 'remove'" },
	{ "workers_zero", 2, "key 'dataplane.workers': 0 out of range 1..64" },
	{ "number_leading_zero", 2, "key 'dataplane.mbufs': '08192': write "
	  "numbers in decimal without leading zeros" },
	{ "port_name_chars", 2, "key 'ports[0].name': 'in side': a port name "
	  "uses only letters" },
	{ "default_sgt_range", 2, "key 'ports[0].default_sgt': SGT 65535 out "
	  "of range 0..65534" },
	{ "controlplane_no_cache_enum", 5, "key 'controlplane.no_cache': "
	  "expected one of fail_closed, fail_open; got 'fail_safe'" },
	{ "controlplane_same_path", 4, "key 'controlplane.cache': "
	  "'/run/sgtgw/dataplane.sock' is also the path of controlplane.socket "
	  "(its default): each needs its own" },
	{ "limits_range", 2, "key 'limits.ipv4_hosts': 16777217 out of range "
	  "1..16777216" },
	{ "limits_zero", 5, "key 'limits.ipv6_hosts': 0 out of range "
	  "1..16777216" },
	{ "limits_v6_prefixes_range", 4, "key 'limits.ipv6_prefixes': 1048577 "
	  "out of range 1..1048576" },
	{ "limits_wrong_type", 4, "key 'limits.ipv4_prefixes': expected a whole "
	  "number, got 'lots'" },
	{ "limits_unknown_key", 4, "key 'limits.ipv4_host': unknown key "
	  "(expected one of: ipv4_hosts, ipv4_prefixes, ipv6_hosts, "
	  "ipv6_prefixes)" },
	{ "limits_not_mapping", 3, "key 'limits': expected a mapping (key: "
	  "value), got a single value" },
	{ "limits_below_bindings", 4, "key 'limits.ipv4_hosts': 2 is fewer than "
	  "the 3 IPv4 hosts in bindings: raise it or leave it out" },
	{ "alias", 3, "key 'ports[1]': YAML aliases (*name) are not supported" },
	{ "two_documents", 3, "a second YAML document" },
	{ "empty", 1, "the file is empty; at least 'ports' is required" },
	{ "comments_only", 1, "the file is empty" },
	{ "binary", 2, "not a UTF-8 text file: invalid leading UTF-8 octet at "
	  "byte 17" },
	{ "no_such_file", 0, "cannot read: No such file or directory" },
};

static void
test_bad_file(void **state)
{
	const struct bad_case *c = *state;
	char path[256], prefix[300], err[CONFIG_ERR_MAX];
	struct config *cfg;

	snprintf(path, sizeof(path), BAD_DIR "%s.yaml", c->file);
	memset(err, 'x', sizeof(err));
	cfg = config_load(path, err, sizeof(err));
	if (cfg) {
		config_free(cfg);
		fail_msg("%s was accepted", path);
	}
	if (c->line)
		snprintf(prefix, sizeof(prefix), "%s:%lu: ", path, c->line);
	else
		snprintf(prefix, sizeof(prefix), "%s: ", path);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, c->want))
		fail_msg("%s: got \"%s\", want prefix \"%s\" and \"%s\"",
			 c->file, err, prefix, c->want);
}

/* ---- refused edge cases written on the fly ------------------------------ */

static void
test_ace_column_fallback(void **state)
{
	(void)state;
	/* A folded scalar's text is not where the file has it: no column. */
	assert_refused("ports: [ { name: a, device: x } ]\n"
		       "sgacls:\n"
		       "  - name: S\n"
		       "    aces:\n"
		       "      - >-\n"
		       "        permit udp\n"
		       "        src eq 99999\n",
		       5, "key 'sgacls[0].aces[0]': bad ACE \"permit udp src eq "
		       "99999\" at position 19 of the ACE: port 99999");
}

static void
test_refused_edges(void **state)
{
	static const char ports[] = "ports: [ { name: a, device: x } ]\n";
	char text[512];

	(void)state;
	snprintf(text, sizeof(text), "%sdataplane: { workers: 65 }\n", ports);
	assert_refused(text, 2, "key 'dataplane.workers': 65 out of range 1..64");
	snprintf(text, sizeof(text), "%sdataplane: { mbufs: 1023 }\n", ports);
	assert_refused(text, 2, "key 'dataplane.mbufs': 1023 out of range");
	snprintf(text, sizeof(text), "%sdataplane: { log_rate: 100001 }\n",
		 ports);
	assert_refused(text, 2, "key 'dataplane.log_rate': 100001 out of range");
	snprintf(text, sizeof(text), "%sdataplane: { workers: -1 }\n", ports);
	assert_refused(text, 2, "expected a whole number, got '-1'");
	snprintf(text, sizeof(text), "%sdataplane: { workers: 99999999999 }\n",
		 ports);
	assert_refused(text, 2, "'99999999999' is too large (4294967295 at "
		       "most)");
	snprintf(text, sizeof(text), "%sdataplane: { workers: 12abc }\n", ports);
	assert_refused(text, 2, "expected a whole number, got '12abc'");
	snprintf(text, sizeof(text), "%sbindings: [ { prefix: 10.0.0.0/8x, "
		 "sgt: 1 } ]\n", ports);
	assert_refused(text, 2, "bad prefix length '8x'");
	snprintf(text, sizeof(text), "%sbindings: [ { prefix: \"::1/129\", "
		 "sgt: 1 } ]\n", ports);
	assert_refused(text, 2, "prefix length 129 is too long for IPv6 (128 "
		       "at most)");
	snprintf(text, sizeof(text), "%sbindings: [ { prefix: \"::/0\", "
		 "sgt: 1 }, { prefix: \"0::0/0\", sgt: 2 } ]\n", ports);
	assert_refused(text, 2, "prefix '0::0/0' is bound twice");
	snprintf(text, sizeof(text), "%ssgacls: [ { name: \"A B\", aces: "
		 "[permit ip] } ]\n", ports);
	assert_refused(text, 2, "key 'sgacls[0].name': 'A B': a name uses only");
	snprintf(text, sizeof(text), "%ssgacls:\n  - { name: A, aces: [permit "
		 "ip] }\n  - { name: A, aces: [deny ip] }\n", ports);
	assert_refused(text, 4, "key 'sgacls[1].name': SGACL name 'A' given "
		       "twice (first on line 3, sgacls[0])");
	snprintf(text, sizeof(text), "%spolicy: { monitor_mode: false }\n",
		 ports);
	assert_refused(text, 2, "key 'policy.default': missing (required)");
	snprintf(text, sizeof(text), "%spolicy:\n  default: { catch_all: "
		 "permit }\n  cells: [ { src: 1, dst: 65535, catch_all: deny "
		 "} ]\n", ports);
	assert_refused(text, 4, "key 'policy.cells[0].dst': SGT 65535 out of "
		       "range");
	snprintf(text, sizeof(text), "%sports: [ { name: b, device: y } ]\n",
		 ports);
	assert_refused(text, 2, "key 'ports': given twice (first on line 1)");
	assert_refused("ports: []\n", 1, "key 'ports': needs at least 1 entry");
	assert_refused("ports:\n", 1, "key 'ports': expected a list, got an "
		       "empty value");
	assert_refused("- ports\n", 1, "expected a mapping (key: value), got a "
		       "list");
	assert_refused("ports: [ { name: a, device: \"\" } ]\n", 1,
		       "key 'ports[0].device': must not be empty");
	assert_refused("ports: [ { name: abcdefghijabcdefghijabcdefghij12, "
		       "device: x } ]\n", 1,
		       "key 'ports[0].name': is 32 characters long, 31 at most");
	assert_refused("ports: [ { name: a, device: \"x\\0y\" } ]\n", 1,
		       "key 'ports[0].device': contains a NUL character");
	assert_refused("ports: [ { [a]: 1 } ]\n", 1,
		       "a key must be a plain word, not a list");
}

static void
test_too_many_ports(void **state)
{
	char text[2048];
	size_t used = 0;

	(void)state;
	used += (size_t)snprintf(text, sizeof(text), "ports:\n");
	for (int i = 0; i < 33; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used,
					 "  - { name: p%d, device: d%d }\n",
					 i, i);
	assert_refused(text, 2, "key 'ports': has 33 entries, 32 at most");
}

/* More SGTs in cells than policy_compile takes: caught at load time. */
static void
test_policy_compile_limits(void **state)
{
	size_t cap = 64 + (size_t)(POLICY_MAX_SGTS / 2 + 1) * 64, used = 0;
	char *text = malloc(cap), err[CONFIG_ERR_MAX];
	struct tmp_file t;

	(void)state;
	assert_non_null(text);
	used += (size_t)snprintf(text, cap, "ports: [ { name: a, device: x } ]\n"
				 "policy:\n  default: { catch_all: permit }\n"
				 "  cells:\n");
	for (int i = 0; i <= POLICY_MAX_SGTS / 2; i++)
		used += (size_t)snprintf(text + used, cap - used,
					 "    - { src: %d, dst: %d, "
					 "catch_all: deny }\n",
					 2 * i + 1, 2 * i + 2);
	assert_null(load_text(text, err, sizeof(err), &t));
	free(text);
	if (!strstr(err, ":2: key 'policy': the policy does not compile: "))
		fail_msg("got \"%s\"", err);
}

static void
test_error_buffer_handling(void **state)
{
	char small[24];

	(void)state;
	memset(small, 'x', sizeof(small));
	assert_null(config_load(BAD_DIR "unknown_top_key.yaml", small,
				sizeof(small)));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_null(config_load(BAD_DIR "unknown_top_key.yaml", NULL, 0));
	assert_null(config_load(NULL, small, sizeof(small)));
	config_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_example_dataplane_and_ports),
		cmocka_unit_test(test_example_sgts_and_sgacls),
		cmocka_unit_test(test_example_policy),
		cmocka_unit_test(test_example_bindings),
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_values_at_edges),
		cmocka_unit_test(test_controlplane_absent),
		cmocka_unit_test(test_controlplane_defaults),
		cmocka_unit_test(test_controlplane_written),
		cmocka_unit_test(test_controlplane_refused),
		cmocka_unit_test(test_ace_column_fallback),
		cmocka_unit_test(test_refused_edges),
		cmocka_unit_test(test_too_many_ports),
		cmocka_unit_test(test_policy_compile_limits),
		cmocka_unit_test(test_limits_written),
		cmocka_unit_test(test_limits_and_bindings),
		cmocka_unit_test(test_limit_names),
		cmocka_unit_test(test_error_buffer_handling),
	};
	size_t n_fixed = sizeof(fixed) / sizeof(fixed[0]);
	size_t n_bad = sizeof(bad_cases) / sizeof(bad_cases[0]);
	struct CMUnitTest tests[sizeof(fixed) / sizeof(fixed[0]) +
				sizeof(bad_cases) / sizeof(bad_cases[0])];

	memcpy(tests, fixed, sizeof(fixed));
	for (size_t i = 0; i < n_bad; i++) {
		tests[n_fixed + i] = (struct CMUnitTest)
			cmocka_unit_test_prestate(test_bad_file,
						  (void *)&bad_cases[i]);
		tests[n_fixed + i].name = bad_cases[i].file;
	}
	return _cmocka_run_group_tests("config", tests, n_fixed + n_bad, NULL,
				       NULL);
}
