/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tables' limits (table_limits.h): written limits taken as they are,
 * automatic ones from the floors and what is held, a written limit below
 * what the cache holds raised to it, and the log text for a full table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "table_limits.h"

static void
assert_four(const uint32_t got[CONFIG_LIMITS], uint32_t a, uint32_t b,
	    uint32_t c, uint32_t d)
{
	assert_int_equal(got[CONFIG_LIMIT_V4_HOSTS], a);
	assert_int_equal(got[CONFIG_LIMIT_V4_PREFIXES], b);
	assert_int_equal(got[CONFIG_LIMIT_V6_HOSTS], c);
	assert_int_equal(got[CONFIG_LIMIT_V6_PREFIXES], d);
}

static void
test_automatic(void **state)
{
	const uint32_t none[CONFIG_LIMITS] = { 0 };
	const uint32_t some[CONFIG_LIMITS] = { 700000, 10000, 9000, 3000 };
	const uint32_t many[CONFIG_LIMITS] = { 9000000, 0, 0, 600000 };
	uint32_t out[CONFIG_LIMITS];

	(void)state;
	table_limits_choose(none, none, out);
	assert_four(out, 1048576, 16384, 16384, 4096);
	table_limits_choose(none, some, out);
	assert_four(out, 1400000, 20000, 18000, 6000);
	/* Twice what is held stops at the most a key may say, but never
	 * below what is held. */
	table_limits_choose(none, many, out);
	assert_four(out, CONFIG_LIMIT_V4_HOSTS_MAX, 16384, 16384,
		    CONFIG_LIMIT_V6_PREFIXES_MAX);
}

static void
test_written(void **state)
{
	const uint32_t written[CONFIG_LIMITS] = { 4, 0, 200000, 1 };
	const uint32_t held[CONFIG_LIMITS] = { 3, 100, 0, 5 };
	uint32_t out[CONFIG_LIMITS];

	(void)state;
	/* Exact where written; the cache's 5 IPv6 prefixes win over 1. */
	table_limits_choose(written, held, out);
	assert_four(out, 4, 16384, 200000, 5);
}

static void
test_add_error(void **state)
{
	const uint32_t limits[CONFIG_LIMITS] = { 4, 16384, 16384, 4096 };
	char buf[128];

	(void)state;
	assert_string_equal(table_add_error(limits, AF_INET, 32, -ENOSPC, buf,
					    sizeof(buf)),
			    "the table of IPv4 hosts is full (limit 4): raise "
			    "limits.ipv4_hosts");
	assert_string_equal(table_add_error(limits, AF_INET6, 64, -ENOSPC, buf,
					    sizeof(buf)),
			    "the table of IPv6 prefixes is full (limit 4096): "
			    "raise limits.ipv6_prefixes");
	assert_string_equal(table_add_error(limits, AF_INET, 24, -ENOMEM, buf,
					    sizeof(buf)), strerror(ENOMEM));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_automatic),
		cmocka_unit_test(test_written),
		cmocka_unit_test(test_add_error),
	};

	return cmocka_run_group_tests_name("table_limits", tests, NULL, NULL);
}
