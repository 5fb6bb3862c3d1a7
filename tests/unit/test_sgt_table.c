/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the IP-to-SGT tables (dataplane/sgt_table.c) on a real
 * DPDK EAL: no PCI, no hugepages, nothing left on disk.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE     /* pthread_attr_setaffinity_np, sched_getaffinity */
#endif
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "unit_eal.h"
#include "sgt_table.h"

/* ---- EAL, once per process ---- */

static cpu_set_t all_cpus;      /* before EAL pins this thread to lcore 0 */

static int
eal_setup(void **state)
{
	static bool done;

	(void)state;
	if (done)
		return 0;
	sched_getaffinity(0, sizeof(all_cpus), &all_cpus);
	if (unit_eal_init("test_sgt_table", "1024") < 0)
		return -1;
	done = true;
	return 0;
}

static int
eal_teardown(void **state)
{
	(void)state;
	return unit_eal_cleanup();
}

/* ---- helpers ---- */

/* Not RTE_IPV4(): it shifts an int, which 255 << 24 overflows. */
static uint32_t
v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return rte_cpu_to_be_32((uint32_t)a << 24 | (uint32_t)b << 16 |
				(uint32_t)c << 8 | d);
}

struct in6 {
	uint8_t a[16];
};

static struct in6
v6(const char *text)
{
	struct in6 r;

	assert_int_equal(inet_pton(AF_INET6, text, r.a), 1);
	return r;
}

/* Returns the SGT, or -1 when nothing matched. */
static int
look4(const struct sgt_table *t, uint32_t addr_be)
{
	sgt_t sgt = 0xABCD;
	bool found = true;

	sgt_table_lookup_v4_bulk(t, &addr_be, 1, &sgt, &found);
	if (!found) {
		assert_int_equal(sgt, SGT_UNKNOWN);
		return -1;
	}
	return sgt;
}

static int
look6(const struct sgt_table *t, const char *text)
{
	struct in6 a = v6(text);
	sgt_t sgt = 0xABCD;
	bool found = true;

	sgt_table_lookup_v6_bulk(t, (const uint8_t (*)[16])a.a, 1, &sgt,
				 &found);
	if (!found) {
		assert_int_equal(sgt, SGT_UNKNOWN);
		return -1;
	}
	return sgt;
}

static int
add6(struct sgt_table *t, const char *text, uint8_t len, sgt_t sgt)
{
	struct in6 a = v6(text);

	return sgt_table_add_v6(t, a.a, len, sgt);
}

static int
del6(struct sgt_table *t, const char *text, uint8_t len)
{
	struct in6 a = v6(text);

	return sgt_table_del_v6(t, a.a, len);
}

static void
assert_stats(const struct sgt_table *t, uint32_t h4, uint32_t p4,
	     uint32_t h6, uint32_t p6)
{
	struct sgt_table_stats s;

	sgt_table_stats(t, &s);
	assert_int_equal(s.v4_hosts, h4);
	assert_int_equal(s.v4_prefixes, p4);
	assert_int_equal(s.v6_hosts, h6);
	assert_int_equal(s.v6_prefixes, p6);
}

/* Every table in a process needs its own name. */
static const char *
next_name(void)
{
	static char name[SGT_TABLE_NAME_MAX + 1];
	static unsigned int n;

	snprintf(name, sizeof(name), "tbl%u", n++);
	return name;
}

static struct sgt_table *
table_new(uint32_t h4, uint32_t p4, uint32_t h6, uint32_t p6,
	  struct rte_rcu_qsbr *rcu)
{
	struct sgt_table_params p = {
		.name = next_name(),
		.socket_id = SOCKET_ID_ANY,
		.rcu = rcu,
		.max_v4_hosts = h4,
		.max_v4_prefixes = p4,
		.max_v6_hosts = h6,
		.max_v6_prefixes = p6,
	};
	struct sgt_table *t = sgt_table_create(&p);

	assert_non_null(t);
	return t;
}

static int
table_setup(void **state)
{
	*state = table_new(1024, 512, 1024, 512, NULL);
	return 0;
}

static int
table_teardown(void **state)
{
	sgt_table_free(*state);
	return 0;
}

/* Fixed-seed generator: the random tests repeat exactly. */
static uint64_t rng_state;

static uint64_t
rng(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static uint32_t
rng_below(uint32_t n)
{
	return (uint32_t)(rng() % n);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- IPv4 ---- */

static void
test_v4_host(void **state)
{
	struct sgt_table *t = *state;

	assert_int_equal(look4(t, v4(10, 1, 1, 5)), -1);
	assert_int_equal(sgt_table_add_v4(t, v4(10, 1, 1, 5), 32, 40), 0);
	assert_int_equal(look4(t, v4(10, 1, 1, 5)), 40);
	assert_int_equal(look4(t, v4(10, 1, 1, 6)), -1);
	/* SGT 0 is a binding like any other: found, with SGT 0. */
	assert_int_equal(sgt_table_add_v4(t, v4(10, 1, 1, 7), 32, 0), 0);
	assert_int_equal(look4(t, v4(10, 1, 1, 7)), 0);
	assert_int_equal(sgt_table_add_v4(t, v4(10, 1, 1, 8), 32, SGT_MAX), 0);
	assert_int_equal(look4(t, v4(10, 1, 1, 8)), SGT_MAX);
	assert_stats(t, 3, 0, 0, 0);
}

static void
add_nested_v4(struct sgt_table *t)
{
	assert_int_equal(sgt_table_add_v4(t, v4(10, 0, 0, 0), 8, 10), 0);
	assert_int_equal(sgt_table_add_v4(t, v4(10, 1, 0, 0), 16, 20), 0);
	assert_int_equal(sgt_table_add_v4(t, v4(10, 1, 1, 0), 24, 30), 0);
	assert_int_equal(sgt_table_add_v4(t, v4(10, 1, 1, 5), 32, 40), 0);
}

static void
test_v4_longest_match(void **state)
{
	struct sgt_table *t = *state;

	add_nested_v4(t);
	assert_int_equal(look4(t, v4(10, 2, 3, 4)), 10);
	assert_int_equal(look4(t, v4(10, 1, 2, 3)), 20);
	assert_int_equal(look4(t, v4(10, 1, 1, 7)), 30);
	assert_int_equal(look4(t, v4(10, 1, 1, 5)), 40);
	assert_int_equal(look4(t, v4(11, 0, 0, 1)), -1);
	assert_int_equal(look4(t, v4(9, 255, 255, 255)), -1);
	assert_stats(t, 1, 3, 0, 0);
}

static void
test_v4_host_beats_prefix(void **state)
{
	struct sgt_table *t = *state;

	/* The host comes first and the /31 (longest possible prefix, in
	 * a tbl8 group) after: the host must still win. */
	assert_int_equal(sgt_table_add_v4(t, v4(10, 9, 9, 5), 32, 60), 0);
	assert_int_equal(sgt_table_add_v4(t, v4(10, 9, 9, 4), 31, 50), 0);
	assert_int_equal(look4(t, v4(10, 9, 9, 5)), 60);
	assert_int_equal(look4(t, v4(10, 9, 9, 4)), 50);
	assert_int_equal(look4(t, v4(10, 9, 9, 6)), -1);
}

static void
test_v4_default(void **state)
{
	struct sgt_table *t = *state;

	assert_int_equal(sgt_table_add_v4(t, v4(0, 0, 0, 0), 0, 5), 0);
	assert_int_equal(look4(t, v4(1, 2, 3, 4)), 5);
	assert_int_equal(look4(t, v4(255, 255, 255, 255)), 5);
	add_nested_v4(t);
	assert_int_equal(look4(t, v4(10, 1, 1, 5)), 40);
	assert_int_equal(look4(t, v4(10, 7, 7, 7)), 10);
	assert_int_equal(look4(t, v4(172, 16, 0, 1)), 5);
	assert_stats(t, 1, 4, 0, 0);
	/* Host bits below /0 are ignored, as for any prefix. */
	assert_int_equal(sgt_table_del_v4(t, v4(192, 0, 2, 1), 0), 0);
	assert_int_equal(look4(t, v4(172, 16, 0, 1)), -1);
	assert_int_equal(look4(t, v4(10, 7, 7, 7)), 10);
	assert_stats(t, 1, 3, 0, 0);
}

static void
test_v4_delete_falls_back(void **state)
{
	struct sgt_table *t = *state;

	add_nested_v4(t);
	assert_int_equal(sgt_table_del_v4(t, v4(10, 1, 1, 5), 32), 0);
	assert_int_equal(look4(t, v4(10, 1, 1, 5)), 30);
	assert_int_equal(sgt_table_del_v4(t, v4(10, 1, 1, 0), 24), 0);
	assert_int_equal(look4(t, v4(10, 1, 1, 5)), 20);
	assert_int_equal(sgt_table_del_v4(t, v4(10, 1, 0, 0), 16), 0);
	assert_int_equal(look4(t, v4(10, 1, 1, 5)), 10);
	assert_int_equal(sgt_table_del_v4(t, v4(10, 0, 0, 0), 8), 0);
	assert_int_equal(look4(t, v4(10, 1, 1, 5)), -1);
	assert_stats(t, 0, 0, 0, 0);
}

static void
test_v4_delete_deep_prefix(void **state)
{
	struct sgt_table *t = *state;

	/* Prefixes past /24 sit in tbl8 groups, which a delete frees. */
	assert_int_equal(sgt_table_add_v4(t, v4(10, 5, 5, 0), 24, 24), 0);
	assert_int_equal(sgt_table_add_v4(t, v4(10, 5, 5, 128), 25, 25), 0);
	assert_int_equal(sgt_table_add_v4(t, v4(10, 5, 5, 192), 28, 28), 0);
	assert_int_equal(look4(t, v4(10, 5, 5, 200)), 28);
	assert_int_equal(sgt_table_del_v4(t, v4(10, 5, 5, 192), 28), 0);
	assert_int_equal(look4(t, v4(10, 5, 5, 200)), 25);
	assert_int_equal(sgt_table_del_v4(t, v4(10, 5, 5, 128), 25), 0);
	assert_int_equal(look4(t, v4(10, 5, 5, 200)), 24);
	assert_int_equal(look4(t, v4(10, 5, 5, 1)), 24);
}

static void
test_v4_delete_missing(void **state)
{
	struct sgt_table *t = *state;

	assert_int_equal(sgt_table_del_v4(t, v4(10, 1, 1, 5), 32), -ENOENT);
	assert_int_equal(sgt_table_del_v4(t, v4(10, 0, 0, 0), 8), -ENOENT);
	assert_int_equal(sgt_table_del_v4(t, v4(0, 0, 0, 0), 0), -ENOENT);
	add_nested_v4(t);
	/* Same address, other length: not that binding. */
	assert_int_equal(sgt_table_del_v4(t, v4(10, 0, 0, 0), 9), -ENOENT);
	assert_int_equal(sgt_table_del_v4(t, v4(10, 1, 1, 0), 32), -ENOENT);
	assert_int_equal(sgt_table_del_v4(t, v4(10, 1, 1, 5), 32), 0);
	assert_int_equal(sgt_table_del_v4(t, v4(10, 1, 1, 5), 32), -ENOENT);
	assert_stats(t, 0, 3, 0, 0);
}

static void
test_v4_replace(void **state)
{
	struct sgt_table *t = *state;

	add_nested_v4(t);
	assert_int_equal(sgt_table_add_v4(t, v4(0, 0, 0, 0), 0, 1), 0);
	assert_stats(t, 1, 4, 0, 0);
	assert_int_equal(sgt_table_add_v4(t, v4(10, 1, 1, 5), 32, 41), 0);
	assert_int_equal(sgt_table_add_v4(t, v4(10, 1, 1, 0), 24, 31), 0);
	assert_int_equal(sgt_table_add_v4(t, v4(10, 0, 0, 0), 8, 11), 0);
	assert_int_equal(sgt_table_add_v4(t, v4(0, 0, 0, 0), 0, 2), 0);
	assert_stats(t, 1, 4, 0, 0);
	assert_int_equal(look4(t, v4(10, 1, 1, 5)), 41);
	assert_int_equal(look4(t, v4(10, 1, 1, 9)), 31);
	/* Host bits below the length name the same prefix. */
	assert_int_equal(sgt_table_add_v4(t, v4(10, 1, 1, 99), 24, 32), 0);
	assert_stats(t, 1, 4, 0, 0);
	assert_int_equal(look4(t, v4(10, 1, 1, 9)), 32);
	assert_int_equal(look4(t, v4(10, 9, 9, 9)), 11);
	assert_int_equal(look4(t, v4(8, 8, 8, 8)), 2);
}

/* ---- IPv6 ---- */

static void
add_nested_v6(struct sgt_table *t)
{
	assert_int_equal(add6(t, "2001:db8::", 32, 10), 0);
	assert_int_equal(add6(t, "2001:db8:1::", 48, 20), 0);
	assert_int_equal(add6(t, "2001:db8:1:2::", 64, 30), 0);
	assert_int_equal(add6(t, "2001:db8:1:2::80", 121, 35), 0);
	assert_int_equal(add6(t, "2001:db8:1:2::85", 128, 40), 0);
}

static void
test_v6_longest_match(void **state)
{
	struct sgt_table *t = *state;

	add_nested_v6(t);
	assert_int_equal(look6(t, "2001:db8:ffff::1"), 10);
	assert_int_equal(look6(t, "2001:db8:1:ffff::1"), 20);
	assert_int_equal(look6(t, "2001:db8:1:2:ffff::1"), 30);
	assert_int_equal(look6(t, "2001:db8:1:2::81"), 35);
	assert_int_equal(look6(t, "2001:db8:1:2::85"), 40);
	assert_int_equal(look6(t, "2001:db9::1"), -1);
	assert_int_equal(look6(t, "::1"), -1);
	assert_stats(t, 0, 0, 1, 4);
}

static void
test_v6_host_beats_prefix(void **state)
{
	struct sgt_table *t = *state;

	assert_int_equal(add6(t, "2001:db8::5", 128, 60), 0);
	assert_int_equal(add6(t, "2001:db8::4", 127, 50), 0);
	assert_int_equal(look6(t, "2001:db8::5"), 60);
	assert_int_equal(look6(t, "2001:db8::4"), 50);
	assert_int_equal(look6(t, "2001:db8::6"), -1);
}

static void
test_v6_default(void **state)
{
	struct sgt_table *t = *state;

	assert_int_equal(add6(t, "::", 0, 5), 0);
	assert_int_equal(look6(t, "fe80::1"), 5);
	assert_int_equal(look6(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 5);
	add_nested_v6(t);
	assert_int_equal(look6(t, "2001:db8:1:2::85"), 40);
	assert_int_equal(look6(t, "2001:db8:7::1"), 10);
	assert_int_equal(look6(t, "2002::1"), 5);
	assert_stats(t, 0, 0, 1, 5);
	assert_int_equal(del6(t, "::", 0), 0);
	assert_int_equal(look6(t, "2002::1"), -1);
	assert_int_equal(look6(t, "2001:db8:7::1"), 10);
	assert_stats(t, 0, 0, 1, 4);
}

static void
test_v6_delete_falls_back(void **state)
{
	struct sgt_table *t = *state;

	add_nested_v6(t);
	assert_int_equal(del6(t, "2001:db8:1:2::85", 128), 0);
	assert_int_equal(look6(t, "2001:db8:1:2::85"), 35);
	assert_int_equal(del6(t, "2001:db8:1:2::80", 121), 0);
	assert_int_equal(look6(t, "2001:db8:1:2::85"), 30);
	assert_int_equal(del6(t, "2001:db8:1:2::", 64), 0);
	assert_int_equal(look6(t, "2001:db8:1:2::85"), 20);
	assert_int_equal(del6(t, "2001:db8:1::", 48), 0);
	assert_int_equal(look6(t, "2001:db8:1:2::85"), 10);
	assert_int_equal(del6(t, "2001:db8::", 32), 0);
	assert_int_equal(look6(t, "2001:db8:1:2::85"), -1);
	assert_stats(t, 0, 0, 0, 0);
}

static void
test_v6_delete_missing(void **state)
{
	struct sgt_table *t = *state;

	assert_int_equal(del6(t, "2001:db8::1", 128), -ENOENT);
	assert_int_equal(del6(t, "2001:db8::", 32), -ENOENT);
	assert_int_equal(del6(t, "::", 0), -ENOENT);
	add_nested_v6(t);
	assert_int_equal(del6(t, "2001:db8::", 33), -ENOENT);
	assert_int_equal(del6(t, "2001:db8:1:2::", 128), -ENOENT);
	assert_int_equal(del6(t, "2001:db8:1:2::85", 128), 0);
	assert_int_equal(del6(t, "2001:db8:1:2::85", 128), -ENOENT);
	assert_stats(t, 0, 0, 0, 4);
}

static void
test_v6_replace(void **state)
{
	struct sgt_table *t = *state;

	add_nested_v6(t);
	assert_int_equal(add6(t, "::", 0, 1), 0);
	assert_stats(t, 0, 0, 1, 5);
	assert_int_equal(add6(t, "2001:db8:1:2::85", 128, 41), 0);
	assert_int_equal(add6(t, "2001:db8:1:2::", 64, 31), 0);
	assert_int_equal(add6(t, "2001:db8::", 32, 11), 0);
	assert_int_equal(add6(t, "::", 0, 2), 0);
	assert_stats(t, 0, 0, 1, 5);
	assert_int_equal(look6(t, "2001:db8:1:2::85"), 41);
	assert_int_equal(look6(t, "2001:db8:1:2::1"), 31);
	assert_int_equal(add6(t, "2001:db8:1:2:ffff::", 64, 32), 0);
	assert_stats(t, 0, 0, 1, 5);
	assert_int_equal(look6(t, "2001:db8:1:2::1"), 32);
	assert_int_equal(look6(t, "2001:db8:9::1"), 11);
	assert_int_equal(look6(t, "2003::1"), 2);
}

/* ---- arguments ---- */

static void
test_bad_arguments(void **state)
{
	struct sgt_table *t = *state;
	struct in6 a = v6("2001:db8::1");

	assert_int_equal(sgt_table_add_v4(t, v4(10, 0, 0, 1), 33, 1), -EINVAL);
	assert_int_equal(sgt_table_add_v4(t, v4(10, 0, 0, 1), 255, 1), -EINVAL);
	assert_int_equal(sgt_table_del_v4(t, v4(10, 0, 0, 1), 33), -EINVAL);
	assert_int_equal(sgt_table_add_v6(t, a.a, 129, 1), -EINVAL);
	assert_int_equal(sgt_table_del_v6(t, a.a, 129), -EINVAL);
	/* 0xFFFF is reserved: never a binding. */
	assert_int_equal(sgt_table_add_v4(t, v4(10, 0, 0, 1), 32, SGT_INVALID),
			 -EINVAL);
	assert_int_equal(sgt_table_add_v4(t, v4(10, 0, 0, 0), 8, SGT_INVALID),
			 -EINVAL);
	assert_int_equal(sgt_table_add_v6(t, a.a, 64, SGT_INVALID), -EINVAL);
	assert_int_equal(sgt_table_add_v4(NULL, v4(10, 0, 0, 1), 32, 1), -EINVAL);
	assert_int_equal(sgt_table_add_v6(t, NULL, 64, 1), -EINVAL);
	assert_stats(t, 0, 0, 0, 0);
}

static void
test_create_names(void **state)
{
	struct sgt_table_params p = {
		.name = "abcdefghijklmnop",     /* SGT_TABLE_NAME_MAX long */
		.socket_id = SOCKET_ID_ANY,
		.max_v4_hosts = 64, .max_v4_prefixes = 64,
		.max_v6_hosts = 64, .max_v6_prefixes = 64,
	};
	size_t sz = rte_rcu_qsbr_get_memsize(1);
	struct rte_rcu_qsbr *rcu = rte_zmalloc(NULL, sz, RTE_CACHE_LINE_SIZE);
	struct sgt_table *t, *dup;

	(void)state;
	assert_non_null(rcu);
	assert_int_equal(rte_rcu_qsbr_init(rcu, 1), 0);
	assert_int_equal(strlen(p.name), SGT_TABLE_NAME_MAX);
	/* With RCU, DPDK derives its longest names (the defer queues). */
	p.rcu = rcu;
	t = sgt_table_create(&p);
	assert_non_null(t);
	sgt_table_free(t);
	p.rcu = NULL;
	t = sgt_table_create(&p);
	assert_non_null(t);
	dup = sgt_table_create(&p);
	assert_null(dup);
	assert_int_equal(rte_errno, EEXIST);
	sgt_table_free(t);

	p.name = "abcdefghijklmnopq";
	assert_null(sgt_table_create(&p));
	assert_int_equal(rte_errno, ENAMETOOLONG);
	p.name = "";
	assert_null(sgt_table_create(&p));
	assert_int_equal(rte_errno, EINVAL);
	assert_null(sgt_table_create(NULL));
	assert_int_equal(rte_errno, EINVAL);

	/* The name is free again once the table is gone. */
	p.name = "abcdefghijklmnop";
	t = sgt_table_create(&p);
	assert_non_null(t);
	sgt_table_free(t);
	sgt_table_free(NULL);
	rte_free(rcu);
}

static void
test_tables_left_out(void **state)
{
	struct sgt_table *t = table_new(16, 0, 0, 0, NULL);
	struct in6 a = v6("2001:db8::1");

	(void)state;
	assert_int_equal(sgt_table_add_v4(t, v4(10, 0, 0, 1), 32, 7), 0);
	assert_int_equal(sgt_table_add_v4(t, v4(10, 0, 0, 0), 8, 7), -ENOSPC);
	assert_int_equal(sgt_table_add_v4(t, 0, 0, 7), -ENOSPC);
	assert_int_equal(sgt_table_add_v6(t, a.a, 128, 7), -ENOSPC);
	assert_int_equal(sgt_table_add_v6(t, a.a, 64, 7), -ENOSPC);
	assert_int_equal(sgt_table_del_v6(t, a.a, 128), -ENOENT);
	assert_int_equal(sgt_table_del_v6(t, a.a, 64), -ENOENT);
	assert_int_equal(look4(t, v4(10, 0, 0, 1)), 7);
	assert_int_equal(look4(t, v4(10, 0, 0, 2)), -1);
	assert_int_equal(look6(t, "2001:db8::1"), -1);
	sgt_table_free(t);
}

/* ---- capacity ---- */

static void
test_capacity_v4_hosts(void **state)
{
	const uint32_t max = 5000;
	struct sgt_table *t = table_new(max, 16, 0, 0, NULL);
	uint32_t i;

	(void)state;
	for (i = 0; i < max; i++)
		assert_int_equal(sgt_table_add_v4(t,
			rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 0) + i * 7919),
			32, (sgt_t)(i % 1000 + 1)), 0);
	assert_int_equal(sgt_table_add_v4(t, v4(11, 0, 0, 1), 32, 1), -ENOSPC);
	/* Full still allows a replace, and a delete makes room. */
	assert_int_equal(sgt_table_add_v4(t, v4(10, 0, 0, 0), 32, 999), 0);
	assert_int_equal(sgt_table_del_v4(t, v4(10, 0, 0, 0), 32), 0);
	assert_int_equal(sgt_table_add_v4(t, v4(11, 0, 0, 1), 32, 1), 0);
	assert_int_equal(sgt_table_add_v4(t, v4(11, 0, 0, 2), 32, 1), -ENOSPC);
	for (i = 1; i < max; i++)
		assert_int_equal(look4(t,
			rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 0) + i * 7919)),
			i % 1000 + 1);
	assert_stats(t, max, 0, 0, 0);
	sgt_table_free(t);
}

static void
test_capacity_prefixes(void **state)
{
	const uint32_t max = 300;
	struct sgt_table *t = table_new(0, max, 0, max, NULL);
	uint8_t a[16] = { 0x20, 0x01 };
	uint32_t i;

	(void)state;
	/* The worst case for tbl8 groups: every prefix deep, and alone in
	 * its /24. The declared maximum must still fit. */
	for (i = 0; i < max - 1; i++)
		assert_int_equal(sgt_table_add_v4(t,
			rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 16) + (i << 8)),
			28, (sgt_t)(i + 1)), 0);
	assert_int_equal(sgt_table_add_v4(t, 0, 0, 9), 0);      /* /0 counts */
	assert_int_equal(sgt_table_add_v4(t, v4(11, 0, 0, 0), 8, 1), -ENOSPC);
	assert_int_equal(look4(t, v4(10, 0, 7, 17)), 8);
	assert_int_equal(look4(t, v4(10, 0, 7, 1)), 9);

	for (i = 0; i < max; i++) {
		a[2] = (uint8_t)(i >> 8);
		a[3] = (uint8_t)i;
		assert_int_equal(sgt_table_add_v6(t, a, 64, (sgt_t)(i + 1)), 0);
	}
	a[2] = 0xFF;
	assert_int_equal(sgt_table_add_v6(t, a, 64, 1), -ENOSPC);
	assert_int_equal(look6(t, "2001:12b::1"), 300);   /* i = 299 */
	assert_stats(t, 0, max, 0, max);
	sgt_table_free(t);
}

static void
test_stats(void **state)
{
	struct sgt_table *t = *state;

	assert_stats(t, 0, 0, 0, 0);
	add_nested_v4(t);
	add_nested_v6(t);
	assert_int_equal(sgt_table_add_v4(t, 0, 0, 1), 0);
	assert_stats(t, 1, 4, 1, 4);
	assert_int_equal(sgt_table_add_v4(t, v4(10, 1, 1, 6), 32, 1), 0);
	assert_int_equal(add6(t, "2001:db8:1:2::86", 128, 1), 0);
	assert_stats(t, 2, 4, 2, 4);
	assert_int_equal(sgt_table_del_v4(t, 0, 0), 0);
	assert_int_equal(del6(t, "2001:db8::", 32), 0);
	assert_int_equal(del6(t, "2001:db8::", 32), -ENOENT);
	assert_stats(t, 2, 3, 2, 3);
}

/* ---- bulk lookups against a naive reference ---- */

struct binding {
	uint8_t addr[16];       /* v4: network order in the first four */
	uint8_t len;
	sgt_t sgt;
};

struct ref {
	struct binding b[1024];
	uint32_t n;
	uint32_t bits;          /* 32 or 128 */
};

static bool
prefix_match(const uint8_t *addr, const uint8_t *pfx, uint8_t len)
{
	uint32_t full = len / 8, rest = len % 8;

	if (memcmp(addr, pfx, full) != 0)
		return false;
	return rest == 0 ||
	       ((addr[full] ^ pfx[full]) & (uint8_t)(0xFF << (8 - rest))) == 0;
}

static void
mask_addr(uint8_t *addr, uint8_t len, uint32_t bits)
{
	uint32_t i;

	for (i = len; i < bits; i++)
		addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

/* Longest match, found by looking at every binding. */
static int
ref_lookup(const struct ref *r, const uint8_t *addr)
{
	int best = -1, best_len = -1;
	uint32_t i;

	for (i = 0; i < r->n; i++) {
		const struct binding *b = &r->b[i];

		if ((int)b->len > best_len && prefix_match(addr, b->addr, b->len)) {
			best = b->sgt;
			best_len = b->len;
		}
	}
	return best;
}

static int
ref_find(const struct ref *r, const uint8_t *masked, uint8_t len)
{
	uint32_t i;

	for (i = 0; i < r->n; i++)
		if (r->b[i].len == len &&
		    memcmp(r->b[i].addr, masked, r->bits / 8) == 0)
			return (int)i;
	return -1;
}

static void
ref_counts(const struct ref *r, uint32_t *hosts, uint32_t *prefixes)
{
	uint32_t i;

	*hosts = *prefixes = 0;
	for (i = 0; i < r->n; i++) {
		if (r->b[i].len == r->bits)
			(*hosts)++;
		else
			(*prefixes)++;
	}
}

static void
table_add(struct sgt_table *t, const struct ref *r, const struct binding *b)
{
	uint32_t a4;

	if (r->bits == 128) {
		assert_int_equal(sgt_table_add_v6(t, b->addr, b->len, b->sgt), 0);
		return;
	}
	memcpy(&a4, b->addr, 4);
	assert_int_equal(sgt_table_add_v4(t, a4, b->len, b->sgt), 0);
}

static void
table_del(struct sgt_table *t, const struct ref *r, const struct binding *b)
{
	uint32_t a4;

	if (r->bits == 128) {
		assert_int_equal(sgt_table_del_v6(t, b->addr, b->len), 0);
		return;
	}
	memcpy(&a4, b->addr, 4);
	assert_int_equal(sgt_table_del_v4(t, a4, b->len), 0);
}

/* IPv4 addresses from four /24s only: hosts, /25-/31s and shorter
 * prefixes share groups, which then split, shrink and go. */
static bool narrow_v4;
/* IPv6 addresses from three /56s only, with lengths spread over 1 to 127:
 * trie groups nest many levels deep, split, rebase and collapse. */
static bool narrow_v6;

/* Addresses from a small universe, so that bindings nest and collide. */
static void
random_addr(uint8_t *addr, uint32_t bits)
{
	static const uint8_t tops[4][4] = {
		{ 10, 0 }, { 10, 1 }, { 192, 168 }, { 0x20, 0x01 },
	};
	uint32_t i;

	for (i = 0; i < bits / 8; i++)
		addr[i] = (uint8_t)rng();
	if (rng_below(8) != 0)
		memcpy(addr, tops[rng_below(4)], 2);
	if (bits == 128 && rng_below(2) != 0)
		memset(addr + 4, 0, 4 + rng_below(4));
	if (bits == 128 && narrow_v6 && rng_below(16) != 0) {
		static const uint8_t small[] = { 0x00, 0x01, 0x80 };

		memcpy(addr, (const uint8_t[]){ 0x20, 0x01, 0x0d, 0xb8, 0, 0 },
		       6);
		addr[6] = (uint8_t)rng_below(3);
		/* Bytes that collide, so that deep paths share groups. */
		for (i = 7; i < 16; i++)
			if (rng_below(4) != 0)
				addr[i] = small[rng_below(RTE_DIM(small))];
	}
	if (bits == 32 && narrow_v4 && rng_below(16) != 0) {
		addr[0] = 10;
		addr[1] = 9;
		addr[2] = (uint8_t)rng_below(4);
	}
}

static uint8_t
random_len(uint32_t bits)
{
	static const uint8_t v4_lens[] = { 0, 8, 16, 23, 24, 25, 28, 31, 32, 32 };
	static const uint8_t v6_lens[] = { 0, 16, 32, 48, 56, 64, 65, 96, 127,
					   128, 128 };

	if (rng_below(3) == 0 || (bits == 128 && narrow_v6))
		return (uint8_t)rng_below(bits + 1);
	if (bits == 32)
		return v4_lens[rng_below(RTE_DIM(v4_lens))];
	return v6_lens[rng_below(RTE_DIM(v6_lens))];
}

/* One random change, mirrored in the reference. */
static void
random_change(struct sgt_table *t, struct ref *r, uint32_t target)
{
	struct binding b;
	int at;

	if (r->n > 0 && (r->n >= target || rng_below(4) == 0)) {
		uint32_t k = rng_below(r->n);

		table_del(t, r, &r->b[k]);
		r->b[k] = r->b[--r->n];
		return;
	}
	memset(&b, 0, sizeof(b));
	random_addr(b.addr, r->bits);
	b.len = random_len(r->bits);
	mask_addr(b.addr, b.len, r->bits);
	b.sgt = (sgt_t)rng_below(SGT_MAX + 1);
	table_add(t, r, &b);
	at = ref_find(r, b.addr, b.len);
	if (at >= 0)
		r->b[at].sgt = b.sgt;
	else
		r->b[r->n++] = b;
}

/* A lookup address: under a binding, in the universe, or anywhere. */
static void
random_probe(const struct ref *r, uint8_t *addr)
{
	uint32_t i, kind = rng_below(3);

	random_addr(addr, r->bits);
	if (kind == 0 && r->n > 0) {
		const struct binding *b = &r->b[rng_below(r->n)];

		for (i = 0; i < b->len; i++) {
			uint8_t bit = (uint8_t)(0x80 >> (i % 8));

			addr[i / 8] = (uint8_t)((addr[i / 8] & ~bit) |
						(b->addr[i / 8] & bit));
		}
	} else if (kind == 1) {
		for (i = 0; i < r->bits / 8; i++)
			addr[i] = (uint8_t)rng();
	}
}

static void
check_results(const struct ref *r, const uint8_t (*addr)[16], uint32_t n,
	      const sgt_t *sgt, const bool *found)
{
	for (uint32_t i = 0; i < n; i++) {
		int want = ref_lookup(r, addr[i]);

		assert_int_equal(found[i], want >= 0);
		assert_int_equal(sgt[i], want >= 0 ? (sgt_t)want : SGT_UNKNOWN);
	}
}

/* The same addresses through the lookup in two halves, as the pipeline
 * takes it (begin, the IPv4 work meanwhile, end), all at once: more than
 * one chunk of the host hash's bulk lookup. */
static void
check_v6_halves(const struct sgt_table *t, const struct ref *r,
		const uint8_t (*addr)[16], uint32_t n)
{
	struct sgt_table_v6_lookup l;
	sgt_t sgt[SGT_TABLE_V6_LOOKUP_MAX];
	bool found[SGT_TABLE_V6_LOOKUP_MAX];

	for (uint32_t done = 0, k; done < n; done += k) {
		const uint8_t *at[SGT_TABLE_V6_LOOKUP_MAX];

		k = RTE_MIN(n - done, (uint32_t)SGT_TABLE_V6_LOOKUP_MAX);
		for (uint32_t i = 0; i < k; i++)
			at[i] = addr[done + i];
		sgt_table_v6_lookup_begin(t, at, k, &l);
		sgt_table_v6_lookup_end(&l, sgt, found);
		check_results(r, addr + done, k, sgt, found);
	}
}

static void
check_burst(const struct sgt_table *t, const struct ref *r, uint32_t n)
{
	uint8_t addr[100][16];
	uint32_t a4[100];
	sgt_t sgt[100];
	bool found[100];
	uint32_t i;

	for (i = 0; i < n; i++) {
		random_probe(r, addr[i]);
		memcpy(&a4[i], addr[i], 4);
		sgt[i] = 0xABCD;
		found[i] = !(i & 1);
	}
	if (r->bits == 32)
		sgt_table_lookup_v4_bulk(t, a4, n, sgt, found);
	else
		sgt_table_lookup_v6_bulk(t, (const uint8_t (*)[16])addr, n,
					 sgt, found);
	check_results(r, addr, n, sgt, found);
	if (r->bits == 128)
		check_v6_halves(t, r, addr, n);
}

static void
bulk_vs_reference(uint32_t bits, uint64_t seed)
{
	static struct ref r;
	struct sgt_table *t = table_new(1024, 512, 1024, 512, NULL);
	struct sgt_table_stats s;
	uint32_t iter, hosts, prefixes;

	memset(&r, 0, sizeof(r));
	r.bits = bits;
	rng_state = seed;
	for (iter = 0; iter < 4000; iter++) {
		/* The size swings so that deletes empty whole regions. */
		uint32_t target = (iter / 1000) % 2 ? 40 : 400;
		uint32_t n = rng_below(8) == 0 ? 100 : 1 + rng_below(64);

		random_change(t, &r, target);
		check_burst(t, &r, n);
		ref_counts(&r, &hosts, &prefixes);
		sgt_table_stats(t, &s);
		assert_int_equal(bits == 32 ? s.v4_hosts : s.v6_hosts, hosts);
		assert_int_equal(bits == 32 ? s.v4_prefixes : s.v6_prefixes,
				 prefixes);
	}
	/* Emptied, the IPv4 table holds no group any more (the IPv6 one
	 * keeps its dead slots until a rebuild). */
	while (r.n > 0) {
		table_del(t, &r, &r.b[r.n - 1]);
		r.n--;
		check_burst(t, &r, 8);
	}
	sgt_table_stats(t, &s);
	assert_int_equal(s.v4_groups, 0);
	sgt_table_free(t);
}

static void
test_bulk_v4_vs_reference(void **state)
{
	(void)state;
	bulk_vs_reference(32, 0x5347544757ULL);
}

static void
test_bulk_v4_narrow_vs_reference(void **state)
{
	(void)state;
	narrow_v4 = true;
	bulk_vs_reference(32, 0x4E41525257ULL);
	narrow_v4 = false;
}

static void
test_bulk_v6_vs_reference(void **state)
{
	(void)state;
	bulk_vs_reference(128, 0x5347544736ULL);
}

static void
test_bulk_v6_narrow_vs_reference(void **state)
{
	(void)state;
	narrow_v6 = true;
	bulk_vs_reference(128, 0x4E41525236ULL);
	narrow_v6 = false;
}

/* ---- readers during changes, with RCU ---- */

/* Churned bindings carry an SGT computed from their address; the stable
 * covering prefix carries COVER. A reader that ever sees anything else saw
 * a slot or a trie group that was reused under it. */
#define COVER 77
#define CHURN_HOSTS 1024
#define CHURN_V6 200
#define CHURN_V6_LEN 120
#define CHURN_ROUNDS 200000

static sgt_t
churn_sgt(uint32_t i)
{
	return (sgt_t)(1000 + i);
}

static uint32_t
churn_host4(uint32_t i)
{
	return rte_cpu_to_be_32(RTE_IPV4(10, 2, 0, 0) + i);
}

static struct in6
churn_pfx6(uint32_t i)
{
	struct in6 a = v6("2001:db8::");

	/* Deleting a /120 leaves a dead slot that a reader may still be
	 * comparing; adds past the table's threshold rebuild it under the
	 * readers, and the old table must outlive every reader in it. */
	a.a[4] = (uint8_t)i;
	return a;
}

struct reader {
	const struct sgt_table *t;
	struct rte_rcu_qsbr *rcu;
	volatile bool stop;
	uint64_t bursts;
	uint64_t wrong;
};

static void
reader_check_v4(struct reader *rd, uint32_t first)
{
	uint32_t addr[64];
	sgt_t sgt[64];
	bool found[64];
	uint32_t i;

	for (i = 0; i < 64; i++)
		addr[i] = churn_host4((first + i) % CHURN_HOSTS);
	sgt_table_lookup_v4_bulk(rd->t, addr, 64, sgt, found);
	for (i = 0; i < 64; i++)
		if (!found[i] || (sgt[i] != COVER &&
				  sgt[i] != churn_sgt((first + i) % CHURN_HOSTS)))
			rd->wrong++;
}

static void
reader_check_v6(struct reader *rd, uint32_t first)
{
	struct in6 addr[64];
	sgt_t sgt[64];
	bool found[64];
	uint32_t i;

	for (i = 0; i < 64; i++) {
		addr[i] = churn_pfx6((first + i) % CHURN_V6);
		addr[i].a[15] = 1;
	}
	sgt_table_lookup_v6_bulk(rd->t, (const uint8_t (*)[16])addr, 64, sgt,
				 found);
	for (i = 0; i < 64; i++)
		if (!found[i] || (sgt[i] != COVER &&
				  sgt[i] != churn_sgt((first + i) % CHURN_V6)))
			rd->wrong++;
}

static void *
reader_main(void *arg)
{
	struct reader *rd = arg;
	uint32_t first = 0;

	rte_rcu_qsbr_thread_register(rd->rcu, 0);
	rte_rcu_qsbr_thread_online(rd->rcu, 0);
	while (!rd->stop) {
		reader_check_v4(rd, first);
		reader_check_v6(rd, first);
		first += 61;
		rd->bursts++;
		rte_rcu_qsbr_quiescent(rd->rcu, 0);
	}
	rte_rcu_qsbr_thread_offline(rd->rcu, 0);
	rte_rcu_qsbr_thread_unregister(rd->rcu, 0);
	return NULL;
}

static void
churn_once(struct sgt_table *t, bool *in4, bool *in6)
{
	uint32_t i = rng_below(CHURN_HOSTS), k = rng_below(CHURN_V6);
	struct in6 p = churn_pfx6(k);

	/* At capacity, each add needs the slot that a delete parked. */
	while (!in4[i])
		i = rng_below(CHURN_HOSTS);
	assert_int_equal(sgt_table_del_v4(t, churn_host4(i), 32), 0);
	in4[i] = false;
	while (in4[i])
		i = rng_below(CHURN_HOSTS);
	assert_int_equal(sgt_table_add_v4(t, churn_host4(i), 32, churn_sgt(i)),
			 0);
	in4[i] = true;

	if (in6[k])
		assert_int_equal(sgt_table_del_v6(t, p.a, CHURN_V6_LEN), 0);
	else
		assert_int_equal(sgt_table_add_v6(t, p.a, CHURN_V6_LEN,
						  churn_sgt(k)), 0);
	in6[k] = !in6[k];
}

static void
test_rcu_readers_during_churn(void **state)
{
	const uint32_t max_hosts = 256;
	size_t sz = rte_rcu_qsbr_get_memsize(1);
	struct rte_rcu_qsbr *rcu = rte_zmalloc(NULL, sz, RTE_CACHE_LINE_SIZE);
	static bool in4[CHURN_HOSTS], in6[CHURN_V6];
	struct in6 cover = v6("2001:db8::");
	struct reader rd = { 0 };
	struct sgt_table *t;
	pthread_attr_t attr;
	pthread_t th;
	uint32_t i, n6 = 1;
	double t0;

	(void)state;
	assert_non_null(rcu);
	assert_int_equal(rte_rcu_qsbr_init(rcu, 1), 0);
	t = table_new(max_hosts, 16, 0, 4 * CHURN_V6, rcu);
	assert_int_equal(sgt_table_add_v4(t, v4(10, 2, 0, 0), 16, COVER), 0);
	assert_int_equal(sgt_table_add_v6(t, cover.a, 32, COVER), 0);
	memset(in4, 0, sizeof(in4));
	memset(in6, 0, sizeof(in6));
	for (i = 0; i < max_hosts; i++) {
		assert_int_equal(sgt_table_add_v4(t, churn_host4(i), 32,
						  churn_sgt(i)), 0);
		in4[i] = true;
	}

	rd.t = t;
	rd.rcu = rcu;
	/* EAL pinned this thread to lcore 0; the reader may run anywhere. */
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(all_cpus), &all_cpus);
	assert_int_equal(pthread_create(&th, &attr, reader_main, &rd), 0);
	pthread_attr_destroy(&attr);

	rng_state = 42;
	t0 = now_s();
	for (i = 0; i < CHURN_ROUNDS; i++)
		churn_once(t, in4, in6);
	t0 = now_s() - t0;
	rd.stop = true;
	pthread_join(th, NULL);

	print_message("writer: %u rounds in %.2f s; reader: %lu bursts, "
		      "%lu wrong answers\n", CHURN_ROUNDS, t0,
		      (unsigned long)rd.bursts, (unsigned long)rd.wrong);
	assert_true(rd.bursts > 0);
	assert_int_equal(rd.wrong, 0);
	for (i = 0; i < CHURN_V6; i++)
		n6 += in6[i];
	assert_stats(t, max_hosts, 1, 0, n6);
	sgt_table_free(t);
	rte_free(rcu);
}

/* A reader that passes a quiescent state only every millisecond: the
 * writer fills the tables' free room with parked entries long before. */
struct lazy_reader {
	struct rte_rcu_qsbr *rcu;
	volatile bool stop;
};

static void *
lazy_reader_main(void *arg)
{
	struct lazy_reader *lr = arg;

	rte_rcu_qsbr_thread_register(lr->rcu, 0);
	rte_rcu_qsbr_thread_online(lr->rcu, 0);
	while (!lr->stop) {
		usleep(1000);
		rte_rcu_qsbr_quiescent(lr->rcu, 0);
	}
	rte_rcu_qsbr_thread_offline(lr->rcu, 0);
	rte_rcu_qsbr_thread_unregister(lr->rcu, 0);
	return NULL;
}

static uint32_t
deep4(uint32_t i)
{
	return rte_cpu_to_be_32(RTE_IPV4(10, 3, 0, 16) + (i << 8));
}

static void
test_rcu_full_tables_wait_for_readers(void **state)
{
	const uint32_t max = 64, host_rounds = 500, pfx_rounds = 200;
	size_t sz = rte_rcu_qsbr_get_memsize(1);
	struct rte_rcu_qsbr *rcu = rte_zmalloc(NULL, sz, RTE_CACHE_LINE_SIZE);
	struct lazy_reader lr = { .rcu = rcu };
	struct sgt_table *t;
	pthread_attr_t attr;
	pthread_t th;
	uint32_t i;

	(void)state;
	assert_non_null(rcu);
	assert_int_equal(rte_rcu_qsbr_init(rcu, 1), 0);
	/* Each /28 below sits alone in its /24: one tbl8 group each, and
	 * the LPM has exactly max groups. */
	t = table_new(max, max, 0, 0, rcu);
	for (i = 0; i < max; i++) {
		assert_int_equal(sgt_table_add_v4(t, churn_host4(i), 32, 1), 0);
		assert_int_equal(sgt_table_add_v4(t, deep4(i), 28, 1), 0);
	}
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(all_cpus), &all_cpus);
	assert_int_equal(pthread_create(&th, &attr, lazy_reader_main, &lr), 0);
	pthread_attr_destroy(&attr);

	/* Replace the oldest binding with a new one, over and over: every
	 * add must find room, waiting for the reader when it has to. Hosts
	 * and prefixes apart, so that waits for one do not free the other. */
	for (i = max; i < max + host_rounds; i++) {
		assert_int_equal(sgt_table_del_v4(t, churn_host4(i - max), 32), 0);
		assert_int_equal(sgt_table_add_v4(t, churn_host4(i), 32,
						  churn_sgt(i)), 0);
	}
	for (i = max; i < max + pfx_rounds; i++) {
		assert_int_equal(sgt_table_del_v4(t, deep4(i - max), 28), 0);
		assert_int_equal(sgt_table_add_v4(t, deep4(i), 28,
						  churn_sgt(i)), 0);
	}
	lr.stop = true;
	pthread_join(th, NULL);
	i = max + host_rounds - 1;
	assert_int_equal(look4(t, churn_host4(i)), churn_sgt(i));
	i = max + pfx_rounds - 1;
	assert_int_equal(look4(t, deep4(i)), churn_sgt(i));
	assert_stats(t, max, max, 0, 0);
	sgt_table_free(t);
	rte_free(rcu);
}

/* ---- scale ---- */

static size_t
heap_used(void)
{
	struct rte_malloc_socket_stats s;

	rte_malloc_get_socket_stats(rte_socket_id_by_idx(0), &s);
	return s.heap_allocsz_bytes;
}

/* Heap bytes that an empty table of n hosts takes. */
static size_t
host_table_bytes(uint32_t n, struct rte_rcu_qsbr *rcu)
{
	size_t before = heap_used(), after;
	struct sgt_table *t = table_new(n, 0, 0, 0, rcu);

	after = heap_used();
	sgt_table_free(t);
	assert_int_equal(heap_used(), before);
	return after - before;
}

static void
fill_hosts(struct sgt_table *t, uint32_t n)
{
	uint32_t i;

	/* Dense /24s: 10.0.0.0 up to 10.15.66.63 for a million. */
	for (i = 0; i < n; i++)
		assert_int_equal(sgt_table_add_v4(t,
			rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 0) + i),
			32, (sgt_t)(i % SGT_MAX + 1)), 0);
}

static void
find_hosts(const struct sgt_table *t, uint32_t n)
{
	uint32_t addr[SGT_TABLE_BULK_MAX];
	sgt_t sgt[SGT_TABLE_BULK_MAX];
	bool found[SGT_TABLE_BULK_MAX];
	uint32_t i, k;

	for (i = 0; i < n; i += SGT_TABLE_BULK_MAX) {
		uint32_t m = RTE_MIN((uint32_t)SGT_TABLE_BULK_MAX, n - i);

		for (k = 0; k < m; k++)
			addr[k] = rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 0) + i + k);
		sgt_table_lookup_v4_bulk(t, addr, m, sgt, found);
		for (k = 0; k < m; k++)
			if (!found[k] || sgt[k] != (i + k) % SGT_MAX + 1)
				fail_msg("10.0.0.0 + %u: found %d sgt %u",
					 i + k, found[k], sgt[k]);
	}
}

static void
del_hosts(struct sgt_table *t, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		assert_int_equal(sgt_table_del_v4(t,
			rte_cpu_to_be_32(RTE_IPV4(10, 0, 0, 0) + i), 32), 0);
}

static void
test_scale_1m_v4_hosts(void **state)
{
	const uint32_t n = 1000000;
	size_t sz = rte_rcu_qsbr_get_memsize(1);
	struct rte_rcu_qsbr *rcu = rte_zmalloc(NULL, sz, RTE_CACHE_LINE_SIZE);
	size_t empty, before, grown;
	struct sgt_table_stats st;
	struct sgt_table *t;
	double t0, t1, t2;

	(void)state;
	assert_non_null(rcu);
	assert_int_equal(rte_rcu_qsbr_init(rcu, 1), 0);
	empty = host_table_bytes(n, rcu);

	/* As the dataplane runs it: with RCU. Groups come by need: a
	 * million hosts in 3,907 dense /24s take one chunk of 4,096. */
	t = table_new(n, 0, 0, 0, rcu);
	before = heap_used();
	t0 = now_s();
	fill_hosts(t, n);
	t1 = now_s();
	find_hosts(t, n);
	t2 = now_s();
	grown = heap_used() - before;
	assert_true(grown > 0 && grown < 4u << 20);
	sgt_table_stats(t, &st);
	assert_int_equal(st.v4_groups, (n + 255) / 256);
	assert_true(st.v4_group_bytes > 0 && st.v4_group_bytes <= grown);
	assert_int_equal(look4(t, v4(10, 15, 66, 64)), -1);
	assert_stats(t, n, 0, 0, 0);

	/* Emptied, then filled again: the freed groups come back (no reader
	 * is registered, so their grace period is over at once). */
	del_hosts(t, n);
	assert_stats(t, 0, 0, 0, 0);
	sgt_table_stats(t, &st);
	assert_int_equal(st.v4_groups, 0);
	assert_int_equal(look4(t, v4(10, 0, 0, 1)), -1);
	assert_int_equal(look4(t, v4(10, 15, 66, 63)), -1);
	fill_hosts(t, n);
	find_hosts(t, n);
	assert_int_equal(heap_used() - before, grown);
	print_message("1M v4 hosts: add %.2f s, bulk lookup %.3f s "
		      "(%.1f ns/address); heap %.1f MiB empty, %.1f MiB more "
		      "filled\n", t1 - t0, t2 - t1, (t2 - t1) * 1e9 / n,
		      (double)empty / (1 << 20), (double)grown / (1 << 20));
	sgt_table_free(t);
	rte_free(rcu);
}

/* Site-like IPv6 prefixes: a /48 each (2001:db8:XXXX::/48, i = XXXX),
 * from /48 to /64 long. */
static struct in6
site6(uint32_t i, uint8_t *len)
{
	struct in6 a = v6("2001:db8::");
	uint32_t h = i * 2654435761u;

	a.a[4] = (uint8_t)(i >> 8);
	a.a[5] = (uint8_t)i;
	a.a[6] = (uint8_t)(h >> 8);
	a.a[7] = (uint8_t)(h >> 16);
	*len = (uint8_t)(48 + (h >> 24) % 17);
	return a;
}

static void
find_sites6(const struct sgt_table *t, uint32_t n, bool present)
{
	struct in6 addr[SGT_TABLE_BULK_MAX];
	sgt_t sgt[SGT_TABLE_BULK_MAX];
	bool found[SGT_TABLE_BULK_MAX];
	uint32_t i, k;
	uint8_t len;

	for (i = 0; i < n; i += SGT_TABLE_BULK_MAX) {
		uint32_t m = RTE_MIN((uint32_t)SGT_TABLE_BULK_MAX, n - i);

		for (k = 0; k < m; k++) {
			addr[k] = site6(i + k, &len);
			addr[k].a[15] = 9;
		}
		sgt_table_lookup_v6_bulk(t, (const uint8_t (*)[16])addr, m,
					 sgt, found);
		for (k = 0; k < m; k++)
			if (found[k] != present ||
			    (present && sgt[k] != (i + k) % SGT_MAX + 1))
				fail_msg("site %u: found %d sgt %u", i + k,
					 found[k], sgt[k]);
	}
}

static double
fill_sites6(struct sgt_table *t, uint32_t n, bool add)
{
	double t0 = now_s();
	uint32_t i;
	uint8_t len;

	for (i = 0; i < n; i++) {
		struct in6 a = site6(i, &len);

		if (add)
			assert_int_equal(sgt_table_add_v6(t, a.a, len,
					 (sgt_t)(i % SGT_MAX + 1)), 0);
		else
			assert_int_equal(sgt_table_del_v6(t, a.a, len), 0);
	}
	return now_s() - t0;
}

/* Prefixes deleted and added again, round after round, at the table's
 * limit: the dead slots of each round are reclaimed by rebuilds, so every
 * add finds room, lookups stay right, and the table never grows. Prints
 * the update rate. */
static void
test_v6_prefixes_churn(void **state)
{
	const uint32_t n = 20000;
	size_t sz = rte_rcu_qsbr_get_memsize(1);
	struct rte_rcu_qsbr *rcu = rte_zmalloc(NULL, sz, RTE_CACHE_LINE_SIZE);
	struct sgt_table_stats st;
	struct sgt_table *t;
	size_t before;
	double t_add = 0, t_del = 0;

	(void)state;
	assert_non_null(rcu);
	assert_int_equal(rte_rcu_qsbr_init(rcu, 1), 0);
	t = table_new(0, 0, 0, n, rcu);
	before = heap_used();
	for (int round = 0; round < 4; round++) {
		t_add += fill_sites6(t, n, true);
		find_sites6(t, n, true);
		assert_stats(t, 0, 0, 0, n);
		sgt_table_stats(t, &st);
		/* Live and dead together stay under three quarters of the
		 * table's slots (32 bytes each): without the rebuilds that
		 * reclaim the dead ones, the third round would pass that. */
		assert_true(st.v6_slots >= n &&
			    (uint64_t)st.v6_slots * 32 * 4 <=
			    st.v6_table_bytes * 3);
		t_del += fill_sites6(t, n, false);
		find_sites6(t, n, false);
		assert_stats(t, 0, 0, 0, 0);
	}
	assert_int_equal(heap_used(), before);
	sgt_table_stats(t, &st);
	print_message("%u v6 /48-/64 prefixes, 17 lengths: %.2f M adds/s, "
		      "%.2f M deletes/s; table %.1f MiB\n", n,
		      4 * n / t_add / 1e6, 4 * n / t_del / 1e6,
		      (double)st.v6_table_bytes / (1 << 20));
	sgt_table_free(t);
	rte_free(rcu);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, table_setup, table_teardown)
		T(test_v4_host),
		T(test_v4_longest_match),
		T(test_v4_host_beats_prefix),
		T(test_v4_default),
		T(test_v4_delete_falls_back),
		T(test_v4_delete_deep_prefix),
		T(test_v4_delete_missing),
		T(test_v4_replace),
		T(test_v6_longest_match),
		T(test_v6_host_beats_prefix),
		T(test_v6_default),
		T(test_v6_delete_falls_back),
		T(test_v6_delete_missing),
		T(test_v6_replace),
		T(test_bad_arguments),
		T(test_stats),
#undef T
		cmocka_unit_test(test_create_names),
		cmocka_unit_test(test_tables_left_out),
		cmocka_unit_test(test_capacity_v4_hosts),
		cmocka_unit_test(test_capacity_prefixes),
		cmocka_unit_test(test_bulk_v4_vs_reference),
		cmocka_unit_test(test_bulk_v4_narrow_vs_reference),
		cmocka_unit_test(test_bulk_v6_vs_reference),
		cmocka_unit_test(test_bulk_v6_narrow_vs_reference),
		cmocka_unit_test(test_v6_prefixes_churn),
		cmocka_unit_test(test_rcu_readers_during_churn),
		cmocka_unit_test(test_rcu_full_tables_wait_for_readers),
		cmocka_unit_test(test_scale_1m_v4_hosts),
	};

	return cmocka_run_group_tests_name("sgt_table", tests, eal_setup,
					   eal_teardown);
}
