/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's on-disk cache of the last bindings and policy it applied,
 * so that a restarted dataplane enforces from its first packet, before the
 * controlplane is back.
 *
 * Written atomically: the whole file goes to FILE.tmp, is fsynced, renamed
 * over FILE, and the directory is fsynced, so FILE is always either the old
 * cache or the new one, never a mix. Read back, every byte is checked; a
 * file that fails any check is refused whole, and the failure logged.
 *
 * Format version 1, integers little-endian:
 *   u32 magic "SGCF"  u16 version  u16 flags (bit 0: a policy follows)
 *   u64 bindings generation        u64 policy generation
 *   u32 policy blob length         u32 binding list length
 *   policy blob (policy_wire.h, absent when flags bit 0 is clear)
 *   binding list (binding_wire.h)
 *   u32 crc32 (zlib) of every byte before
 */
#ifndef SGTGW_CACHE_FILE_H
#define SGTGW_CACHE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "binding.h"
#include "policy.h"

#define CACHE_FILE_MAGIC 0x46434753u    /* "SGCF" in the file */
#define CACHE_FILE_VERSION 1u

struct cache_contents {
	uint64_t bindings_generation;
	uint64_t policy_generation;
	struct policy *policy;          /* NULL: no policy cached */
	uint32_t n_bindings;
	struct binding *bindings;
};

/* Write c to path atomically (see above). 0, or -1 with a message in err
 * (also logged); on failure the previous file, if any, is untouched and
 * no FILE.tmp is left behind. */
int cache_file_write(const char *path, const struct cache_contents *c,
		     char *err, size_t errlen);

/*
 * Read path into *c (zeroed first; free with cache_contents_free).
 * Returns 0; -ENOENT when there is no cache (logged as a notice: a first
 * start); -EBADMSG for a file that is truncated, oversized, of another
 * version, fails its CRC or holds a policy or binding that does not check
 * (refused and logged as an error); another negative errno when it cannot
 * be read. On any error *c is empty and err says why.
 */
int cache_file_read(const char *path, struct cache_contents *c, char *err,
		    size_t errlen);

void cache_contents_free(struct cache_contents *c);

#endif
