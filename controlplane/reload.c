/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Load, then apply: nothing is touched until the whole file has loaded,
 * so a bad file is refused with everything as it was (as OpenBGPD does).
 * What changed is counted from sync's statistics before and after, which
 * count exactly the reports the dataplane is sent.
 */
#include "reload.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

/* ---- what takes a restart ------------------------------------------------ */

struct key_list {
	char *buf;
	size_t len;
	size_t used;
	size_t n;
};

static void
key_add(struct key_list *l, const char *key)
{
	int w;

	l->n++;
	if (l->buf == NULL || l->len == 0 || l->used >= l->len)
		return;
	w = snprintf(l->buf + l->used, l->len - l->used, "%s%s",
		     l->n > 1 ? ", " : "", key);
	if (w > 0)
		l->used += (size_t)w;
}

static bool
str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

static bool
port_differs(const struct config_port *a, const struct config_port *b)
{
	return strcmp(a->name, b->name) != 0 || str_differs(a->device, b->device) ||
	       a->trusted != b->trusted || a->egress_tag != b->egress_tag ||
	       a->default_sgt != b->default_sgt;
}

static void
ports_differ(const struct config *a, const struct config *b,
	     struct key_list *dp)
{
	bool ports = a->n_ports != b->n_ports, pairs = ports;

	for (uint32_t i = 0; a->n_ports == b->n_ports && i < a->n_ports; i++) {
		ports = ports || port_differs(&a->ports[i], &b->ports[i]);
		pairs = pairs || a->ports[i].peer != b->ports[i].peer;
	}
	if (ports)
		key_add(dp, "ports");
	if (pairs)
		key_add(dp, "port_pairs");
}

static void
controlplane_differs(const struct config_controlplane *a,
		     const struct config_controlplane *b, struct key_list *dp,
		     struct key_list *cp)
{
	if (a->enabled != b->enabled)
		key_add(dp, "controlplane");
	/* Both processes use the control socket. */
	if (str_differs(a->socket, b->socket)) {
		key_add(dp, "controlplane.socket");
		key_add(cp, "controlplane.socket");
	}
	if (str_differs(a->cache, b->cache))
		key_add(dp, "controlplane.cache");
	if (a->no_cache != b->no_cache)
		key_add(dp, "controlplane.no_cache");
	if (a->hold_time != b->hold_time) {
		key_add(dp, "controlplane.hold_time");
		key_add(cp, "controlplane.hold_time");
	}
	if (str_differs(a->admin_socket, b->admin_socket))
		key_add(cp, "controlplane.admin_socket");
}

/* The dataplane sizes its tables once, at start. */
static void
limits_differ(const struct config *a, const struct config *b,
	      struct key_list *dp)
{
	char key[48];

	for (int l = 0; l < CONFIG_LIMITS; l++) {
		if (a->limits[l] == b->limits[l])
			continue;
		snprintf(key, sizeof(key), "limits.%s", config_limit_key(l));
		key_add(dp, key);
	}
}

size_t
reload_restart_keys(const struct config *a, const struct config *b,
		    char *dp_buf, size_t dp_len, char *cp_buf, size_t cp_len)
{
	struct key_list dp = { .buf = dp_buf, .len = dp_len };
	struct key_list cp = { .buf = cp_buf, .len = cp_len };

	if (dp_buf != NULL && dp_len > 0)
		dp_buf[0] = '\0';
	if (cp_buf != NULL && cp_len > 0)
		cp_buf[0] = '\0';
	if (a->workers != b->workers)
		key_add(&dp, "dataplane.workers");
	if (a->mbufs != b->mbufs)
		key_add(&dp, "dataplane.mbufs");
	if (a->log_rate != b->log_rate)
		key_add(&dp, "dataplane.log_rate");
	if (a->non_ip != b->non_ip)
		key_add(&dp, "dataplane.non_ip");
	ports_differ(a, b, &dp);
	limits_differ(a, b, &dp);
	controlplane_differs(&a->controlplane, &b->controlplane, &dp, &cp);
	return dp.n + cp.n;
}

/* ---- applying ------------------------------------------------------------- */

/* Mark and sweep of the CLI source: re-setting an unchanged binding only
 * unmarks it, so only differences are reported. On an error the sweep is
 * skipped: better a stale binding than removing ones not yet re-set. */
static int
apply_bindings(struct reload_target *t, const struct config *cfg, char *msg,
	       size_t msglen)
{
	binding_db_begin_refresh(t->db, BINDING_SRC_CLI, RELOAD_CLI_INSTANCE);
	for (uint32_t i = 0; i < cfg->n_bindings; i++) {
		const struct config_binding *b = &cfg->bindings[i];
		struct binding_key k;
		int rc = binding_key_init(&k, b->family, b->addr, b->prefix_len);

		if (rc == 0)
			rc = binding_db_set(t->db, &k, BINDING_SRC_CLI,
					    RELOAD_CLI_INSTANCE, b->sgt, 0);
		if (rc < 0) {
			snprintf(msg, msglen, "%s: binding %u of %u not applied: "
				 "%s; the policy and the bindings before it are "
				 "applied, nothing was removed: reload again",
				 cfg->path, i, cfg->n_bindings, strerror(-rc));
			return -1;
		}
	}
	binding_db_end_refresh(t->db, BINDING_SRC_CLI, RELOAD_CLI_INSTANCE);
	return 0;
}

static void
summarize(char *msg, size_t msglen, const struct sync_stats *a,
	  const struct sync_stats *b, bool policy_changed)
{
	char policy[96];

	if (!policy_changed)
		snprintf(policy, sizeof(policy), "unchanged");
	else if (b->attached)
		snprintf(policy, sizeof(policy), "changed (generation %" PRIu64 ")",
			 b->policy_generation);
	else
		snprintf(policy, sizeof(policy), "changed (sent with the next "
			 "resync)");
	snprintf(msg, msglen, "bindings: %" PRIu64 " added, %" PRIu64 " changed, "
		 "%" PRIu64 " removed; policy %s", b->adds - a->adds,
		 b->replaces - a->replaces, b->deletes - a->deletes, policy);
}

/* Append to msg what takes a restart, and warn about it once. */
static void
note_restart_keys(const struct config *old, const struct config *cfg,
		  char *msg, size_t msglen)
{
	char dp[256], cp[128];
	size_t used = strlen(msg);

	if (old == NULL ||
	    reload_restart_keys(old, cfg, dp, sizeof(dp), cp, sizeof(cp)) == 0)
		return;
	if (dp[0] != '\0') {
		sg_log(LOG_WARNING, "reload: %s changed in %s: sgtgw-dataplane "
		       "applies that only when it restarts", dp, cfg->path);
		snprintf(msg + used, msglen - used, "; restart sgtgw-dataplane to "
			 "apply: %s", dp);
		used = strlen(msg);
	}
	if (cp[0] != '\0') {
		sg_log(LOG_WARNING, "reload: %s changed in %s: sgtgw-controlplane "
		       "applies that only when it restarts", cp, cfg->path);
		snprintf(msg + used, msglen - used, "; restart sgtgw-controlplane "
			 "to apply: %s", cp);
	}
}

int
reload_apply(struct reload_target *t, const char *path, char *msg,
	     size_t msglen)
{
	char err[CONFIG_ERR_MAX];
	struct sync_stats before, after;
	bool policy_changed = false;
	struct config *cfg = config_load(path, err, sizeof(err));

	if (cfg == NULL) {
		snprintf(msg, msglen, "%s", err);
		sg_log(LOG_ERR, "%s refused, nothing changed: %s",
		       t->cfg ? "reload" : "configuration", err);
		return -1;
	}
	sync_get_stats(t->sync, &before);
	if (sync_set_policy(t->sync, &cfg->policy, &policy_changed, err,
			    sizeof(err)) < 0) {
		snprintf(msg, msglen, "%s: policy not applied: %s", path, err);
		sg_log(LOG_ERR, "%s refused, nothing changed: %s",
		       t->cfg ? "reload" : "configuration", msg);
		config_free(cfg);
		return -1;
	}
	if (apply_bindings(t, cfg, msg, msglen) < 0) {
		sg_log(LOG_ERR, "%s", msg);
		config_free(cfg);
		return -1;
	}
	sync_get_stats(t->sync, &after);
	summarize(msg, msglen, &before, &after, policy_changed);
	note_restart_keys(t->cfg, cfg, msg, msglen);
	sg_log(LOG_NOTICE, "configuration %s from %s: %s",
	       t->cfg ? "reloaded" : "loaded", path, msg);
	config_free(t->cfg);
	t->cfg = cfg;
	return 0;
}

void
reload_fini(struct reload_target *t)
{
	config_free(t->cfg);
	t->cfg = NULL;
}
