/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sgtgw's YAML configuration, loaded and fully validated in one step: either
 * the whole file is accepted and every reference resolved, or the caller gets
 * one error naming the file, the line, the key and what was wrong, and nothing.
 * The schema (libcyaml) lives in config_schema.c; docs/configuration.md
 * documents every key.
 */
#ifndef SGTGW_CONFIG_H
#define SGTGW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "sgt.h"

#define CONFIG_PORT_NAME_MAX 32
#define CONFIG_ERR_MAX 512

enum config_egress_tag {
	CONFIG_TAG_KEEP = 0,   /* forward the frame's tag (or its absence) as is */
	CONFIG_TAG_ADD,        /* carry the packet's SGT in a Cisco Meta Data tag */
	CONFIG_TAG_STRIP,      /* remove any Cisco Meta Data tag */
};

enum config_non_ip {
	CONFIG_NON_IP_FORWARD = 0,
	CONFIG_NON_IP_DROP,
};

struct config_port {
	char name[CONFIG_PORT_NAME_MAX];
	char *device;          /* PCI address or vdev string, as written */
	bool trusted;          /* accept the SGT of an inline tag on ingress */
	uint8_t egress_tag;    /* enum config_egress_tag */
	sgt_t default_sgt;     /* SGT_UNKNOWN when not set */
	int peer;              /* index of the paired port, -1 if unpaired */
};

struct config_binding {
	uint8_t family;        /* AF_INET or AF_INET6 */
	uint8_t prefix_len;    /* 32 / 128 for a host */
	uint8_t addr[16];      /* network byte order; IPv4 in the first 4 */
	sgt_t sgt;
};

enum config_no_cache {
	CONFIG_NO_CACHE_FAIL_CLOSED = 0,  /* deny ip until the first resync */
	CONFIG_NO_CACHE_FAIL_OPEN,        /* permit ip until the first resync */
};

/* The limits: section: one key per IP-to-SGT table, in this order. */
enum config_limit {
	CONFIG_LIMIT_V4_HOSTS = 0,
	CONFIG_LIMIT_V4_PREFIXES,
	CONFIG_LIMIT_V6_HOSTS,
	CONFIG_LIMIT_V6_PREFIXES,
	CONFIG_LIMITS,
};

/* Each key's largest value (docs/configuration.md says why each). */
#define CONFIG_LIMIT_V4_HOSTS_MAX (UINT32_C(1) << 24)
#define CONFIG_LIMIT_V4_PREFIXES_MAX (UINT32_C(1) << 24)
#define CONFIG_LIMIT_V6_HOSTS_MAX (UINT32_C(1) << 24)
/* v6_dir names 2^24 groups; a million prefixes need at most 14 each. */
#define CONFIG_LIMIT_V6_PREFIXES_MAX (UINT32_C(1) << 20)

/* The key's name within limits: ("ipv4_hosts"), and what the table holds
 * in words ("IPv4 hosts"). */
const char *config_limit_key(enum config_limit l);
const char *config_limit_name(enum config_limit l);
/* The table a binding goes to: a /32 (/128) is a host, /0 a prefix. */
enum config_limit config_limit_of(uint8_t family, uint8_t prefix_len);

/* The controlplane: section (docs/sync.md). Absent: the dataplane runs
 * standalone on the file's own policy and bindings. */
struct config_controlplane {
	bool enabled;          /* the section is present: managed mode */
	char *socket;          /* dataplane control socket */
	char *admin_socket;    /* controlplane socket for sgtgwctl */
	char *cache;           /* dataplane cache file */
	uint8_t no_cache;      /* enum config_no_cache */
	uint32_t hold_time;    /* seconds of silence that end a session */
};

struct config {
	char *path;
	uint32_t workers;      /* worker lcores */
	uint32_t mbufs;        /* mbufs in the packet pool */
	uint32_t log_rate;     /* "log" ACE records per second per worker */
	uint8_t non_ip;        /* enum config_non_ip */
	uint32_t n_ports;
	struct config_port *ports;
	uint32_t n_bindings;
	struct config_binding *bindings;
	struct policy policy;
	struct config_controlplane controlplane;
	/* The limits: section; 0 where a key is not written (the dataplane
	 * then sizes that table itself). */
	uint32_t limits[CONFIG_LIMITS];
};

/* Load and validate. On error returns NULL and writes
 * "FILE:LINE: key 'a.b[2].c': what was wrong" into err. */
struct config *config_load(const char *path, char *err, size_t errlen);
void config_free(struct config *cfg);

int config_port_by_name(const struct config *cfg, const char *name);

#endif
