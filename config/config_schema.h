/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to config/: the YAML schema as libcyaml tables, the plain structs
 * libcyaml loads into ("raw": strings not yet resolved), and a checker that
 * walks the libyaml document against the same tables.
 *
 * Why a checker next to libcyaml: libcyaml 1.3.1 reports the line of the
 * last event it read (not the offending key), reads "12abc" as 12 and any
 * unknown word as boolean true. The checker is stricter than libcyaml on
 * every point, so a document it accepts loads with libcyaml; and because it
 * interprets the very tables libcyaml uses, the schema is written once.
 */
#ifndef SGTGW_CONFIG_SCHEMA_H
#define SGTGW_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stdint.h>

#include <cyaml/cyaml.h>
#include <yaml.h>

#include "config.h"
#include "policy.h"

#define CFG_KEY_MAX 160
#define CFG_MSG_MAX 320

/* One error before it is formatted against the file name. */
struct cfg_err {
	unsigned long line;     /* 1-based; 0 when no line applies */
	char key[CFG_KEY_MAX];  /* e.g. "sgacls[2].aces[1]"; "" for none */
	char msg[CFG_MSG_MAX];
	bool alias;             /* a YAML alias: the document lost its line */
};

enum cfg_trust {
	CFG_UNTRUSTED = 0,
	CFG_TRUSTED,
};

struct cfg_raw_dataplane {
	uint32_t *workers;      /* NULL when not written: take the default */
	uint32_t *mbufs;
	uint32_t *log_rate;
	enum config_non_ip non_ip;
};

struct cfg_raw_port {
	char *name;
	char *device;
	enum cfg_trust trust;
	enum config_egress_tag egress_tag;
	char *default_sgt;      /* number or SGT name; NULL when not written */
};

struct cfg_raw_pair {
	char *port[2];
};

struct cfg_raw_sgt {
	uint32_t value;
	char *name;
};

struct cfg_raw_sgacl {
	char *name;
	char **aces;
	uint32_t aces_count;
};

struct cfg_raw_default {
	char **sgacls;
	uint32_t sgacls_count;
	enum policy_catch_all catch_all;
};

struct cfg_raw_cell {
	char *src;
	char *dst;
	char **sgacls;
	uint32_t sgacls_count;
	enum policy_catch_all catch_all;
	enum policy_cell_mode mode;
};

struct cfg_raw_policy {
	bool monitor_mode;
	struct cfg_raw_default *def;
	struct cfg_raw_cell *cells;
	uint32_t cells_count;
};

struct cfg_raw_binding {
	char *prefix;
	char *sgt;
};

struct cfg_raw_controlplane {
	char *socket;           /* NULL when not written: take the default */
	char *admin_socket;
	char *cache;
	enum config_no_cache no_cache;
	uint32_t *hold_time;
};

struct cfg_raw_limits {
	uint32_t *ipv4_hosts;   /* NULL when not written: automatic */
	uint32_t *ipv4_prefixes;
	uint32_t *ipv6_hosts;
	uint32_t *ipv6_prefixes;
};

struct cfg_raw {
	struct cfg_raw_dataplane *dataplane;
	struct cfg_raw_controlplane *controlplane; /* NULL: standalone */
	struct cfg_raw_limits *limits;
	struct cfg_raw_port *ports;
	uint32_t ports_count;
	struct cfg_raw_pair **port_pairs;  /* see pair_entry */
	uint32_t port_pairs_count;
	struct cfg_raw_sgt *sgts;
	uint32_t sgts_count;
	struct cfg_raw_sgacl *sgacls;
	uint32_t sgacls_count;
	struct cfg_raw_policy *policy;
	struct cfg_raw_binding *bindings;
	uint32_t bindings_count;
};

/* The top-level value: a pointer to struct cfg_raw. */
extern const cyaml_schema_value_t cfg_schema;

/*
 * Check a loaded document against a schema. Returns 0 when libcyaml will
 * accept it, or -1 with the first problem (line, key path, message) in err.
 */
int cfg_schema_check(yaml_document_t *doc, const cyaml_schema_value_t *schema,
		     struct cfg_err *err);

/*
 * The node at a key path such as "sgacls[2].aces[1]" (indices 0-based), or
 * the deepest node on the way when the path goes further than the document.
 */
yaml_node_t *cfg_doc_find(yaml_document_t *doc, const char *path);

/*
 * The line to report for a key path: the line of its key when the path ends
 * in a key (for a block mapping that is the "key:" line, not the first line
 * inside), else the line of the node cfg_doc_find reaches.
 */
unsigned long cfg_doc_line(yaml_document_t *doc, const char *path);

/* 1-based line of a node; 0 for NULL. */
unsigned long cfg_node_line(const yaml_node_t *node);

#endif
