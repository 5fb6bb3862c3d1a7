/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading the YAML file into the controlplane's state, at start and on
 * every reload (SIGHUP, `sgtgwctl reload`).
 *
 * A file that does not load changes nothing: the loader's one-line error
 * ("FILE:LINE: key '...': ...") is handed back and the running state stays.
 * A file that loads replaces the configuration in force:
 *   - static bindings: the CLI source is refreshed by mark and sweep, so
 *     the database reports (and sync sends) only the prefixes whose winner
 *     changed;
 *   - policy: sync_set_policy, which sends a snapshot only when the encoded
 *     policy differs from the last one;
 *   - keys only the dataplane reads at start (dataplane:, ports,
 *     port_pairs, the controlplane: section): a change is logged as a
 *     warning naming them, since it takes a restart to apply.
 */
#ifndef SGTGW_RELOAD_H
#define SGTGW_RELOAD_H

#include <stddef.h>

#include "binding_db.h"
#include "config.h"
#include "sync.h"

/* The static bindings' source instance in the binding database. */
#define RELOAD_CLI_INSTANCE 0u

struct reload_target {
	struct binding_db *db;
	struct sync *sync;
	struct config *cfg;     /* in force (owned); NULL before the first load */
};

/*
 * Load path and apply it. 0 with a summary in msg ("bindings: 1 added, 0
 * changed, 0 removed; policy unchanged", plus what needs a restart), or -1
 * with the reason in msg: the loader's error (nothing changed), or a
 * failure while applying, out of memory (the policy and the bindings
 * applied so far stay, nothing is removed; the old file stays the one in
 * force, so reloading again compares against it).
 */
int reload_apply(struct reload_target *t, const char *path, char *msg,
		 size_t msglen);

/*
 * The keys that differ between a and b and take a restart to apply:
 * written into buf as "dataplane.workers, ports" (empty when none).
 * dp_buf gets those of sgtgw-dataplane, cp_buf those of sgtgw-controlplane
 * (its sockets). Returns how many keys differ in all.
 */
size_t reload_restart_keys(const struct config *a, const struct config *b,
			   char *dp_buf, size_t dp_len, char *cp_buf,
			   size_t cp_len);

/* Free the configuration in force. */
void reload_fini(struct reload_target *t);

#endif
