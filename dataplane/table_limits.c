/* SPDX-License-Identifier: BSD-3-Clause */
#include "table_limits.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static const uint32_t auto_floor[CONFIG_LIMITS] = {
	[CONFIG_LIMIT_V4_HOSTS] = TABLE_AUTO_V4_HOSTS,
	[CONFIG_LIMIT_V4_PREFIXES] = TABLE_AUTO_V4_PREFIXES,
	[CONFIG_LIMIT_V6_HOSTS] = TABLE_AUTO_V6_HOSTS,
	[CONFIG_LIMIT_V6_PREFIXES] = TABLE_AUTO_V6_PREFIXES,
};

/* The most a key may say is also the most an automatic size grows to,
 * unless more is held already. */
static const uint32_t key_max[CONFIG_LIMITS] = {
	[CONFIG_LIMIT_V4_HOSTS] = CONFIG_LIMIT_V4_HOSTS_MAX,
	[CONFIG_LIMIT_V4_PREFIXES] = CONFIG_LIMIT_V4_PREFIXES_MAX,
	[CONFIG_LIMIT_V6_HOSTS] = CONFIG_LIMIT_V6_HOSTS_MAX,
	[CONFIG_LIMIT_V6_PREFIXES] = CONFIG_LIMIT_V6_PREFIXES_MAX,
};

static uint32_t
auto_limit(enum config_limit l, uint32_t held)
{
	uint64_t want = (uint64_t)held * 2;

	if (want < auto_floor[l])
		want = auto_floor[l];
	if (want > key_max[l])
		want = key_max[l];
	return want > held ? (uint32_t)want : held;
}

void
table_limits_choose(const uint32_t written[CONFIG_LIMITS],
		    const uint32_t held[CONFIG_LIMITS],
		    uint32_t out[CONFIG_LIMITS])
{
	for (int l = 0; l < CONFIG_LIMITS; l++) {
		if (written[l] == 0) {
			out[l] = auto_limit(l, held[l]);
			continue;
		}
		out[l] = written[l] >= held[l] ? written[l] : held[l];
		if (out[l] != written[l])
			sg_log(LOG_WARNING, "limits.%s is %u but the cache holds "
			       "%u %s: starting with room for %u so that none "
			       "is lost; set limits.%s to %u or more",
			       config_limit_key(l), written[l], held[l],
			       config_limit_name(l), out[l],
			       config_limit_key(l), held[l]);
	}
}

const char *
table_add_error(const uint32_t limits[CONFIG_LIMITS], uint8_t family,
		uint8_t prefix_len, int rc, char *buf, size_t len)
{
	enum config_limit l = config_limit_of(family, prefix_len);

	if (rc == -ENOSPC)
		snprintf(buf, len, "the table of %s is full (limit %u): raise "
			 "limits.%s", config_limit_name(l), limits[l],
			 config_limit_key(l));
	else
		snprintf(buf, len, "%s", strerror(-rc));
	return buf;
}
