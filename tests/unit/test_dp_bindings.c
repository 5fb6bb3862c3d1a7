/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The managed dataplane's applied bindings: the IP-to-SGT tables and the
 * shadow copy change together; one binding per prefix, from the source
 * last named; mark and sweep removes exactly what a resync did not
 * repeat; a binding the tables refuse leaves the shadow alone; listing
 * and paging go in address order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_memory.h>

#include "unit_eal.h"
#include "dp_bindings.h"
#include "sgt_table.h"

static int
eal_setup(void **state)
{
	(void)state;
	return unit_eal_init("test_dp_bindings", "512");
}

static int
eal_teardown(void **state)
{
	(void)state;
	return unit_eal_cleanup();
}

/* ---- helpers ---- */

struct fixture {
	struct sgt_table *table;
	struct dp_bindings *b;
};

static unsigned int table_seq;

static void
fixture_new(struct fixture *f, uint32_t max_v4_prefixes)
{
	char name[SGT_TABLE_NAME_MAX + 1];
	struct sgt_table_params tp = {
		.name = name, .socket_id = SOCKET_ID_ANY,
		.max_v4_hosts = 64, .max_v4_prefixes = max_v4_prefixes,
		.max_v6_hosts = 64, .max_v6_prefixes = 16,
	};

	snprintf(name, sizeof(name), "dpb%u", table_seq++);
	f->table = sgt_table_create(&tp);
	assert_non_null(f->table);
	f->b = dp_bindings_create(f->table);
	assert_non_null(f->b);
}

static void
fixture_free(struct fixture *f)
{
	dp_bindings_free(f->b);
	sgt_table_free(f->table);
}

static struct binding
binding_of(const char *prefix, sgt_t sgt, enum binding_source src)
{
	struct binding b = { .sgt = sgt, .source = (uint8_t)src };
	char addr[64];
	const char *slash = strchr(prefix, '/');

	snprintf(addr, sizeof(addr), "%.*s", (int)(slash ? slash - prefix :
						  (long)strlen(prefix)), prefix);
	b.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(b.family, addr, b.addr), 1);
	b.prefix_len = (uint8_t)(slash ? atoi(slash + 1) :
				 b.family == AF_INET ? 32 : 128);
	return b;
}

/* The tables' answer for an address: its SGT, or -1 when unbound. */
static int
lookup(const struct fixture *f, const char *addr)
{
	sgt_t sgt;
	bool found;

	if (strchr(addr, ':')) {
		uint8_t a[1][16];

		assert_int_equal(inet_pton(AF_INET6, addr, a[0]), 1);
		sgt_table_lookup_v6_bulk(f->table, (const uint8_t (*)[16])a, 1,
					 &sgt, &found);
	} else {
		uint32_t a;

		assert_int_equal(inet_pton(AF_INET, addr, &a), 1);
		sgt_table_lookup_v4_bulk(f->table, &a, 1, &sgt, &found);
	}
	return found ? sgt : -1;
}

/* The shadow as "prefix=sgt/source ..." in its order. */
static const char *
listing(struct fixture *f, char *buf, size_t len)
{
	struct binding *b;
	uint32_t n;
	size_t used = 0;

	assert_int_equal(dp_bindings_list(f->b, &b, &n), 0);
	assert_int_equal(n, dp_bindings_count(f->b));
	buf[0] = '\0';
	for (uint32_t i = 0; i < n; i++) {
		char p[64];

		used += (size_t)snprintf(buf + used, len - used, "%s%s=%u/%s",
					 i ? " " : "",
					 binding_prefix_str(b[i].family, b[i].prefix_len,
							    b[i].addr, p, sizeof(p)),
					 b[i].sgt, binding_source_name(b[i].source));
	}
	free(b);
	return buf;
}

static void
add(struct fixture *f, const char *prefix, sgt_t sgt, enum binding_source src)
{
	struct binding b = binding_of(prefix, sgt, src);

	assert_int_equal(dp_bindings_add(f->b, &b), 0);
}

/* ---- tests ---- */

static void
test_add_replace_delete(void **state)
{
	struct fixture f;
	struct binding b;
	char buf[512];

	(void)state;
	fixture_new(&f, 16);
	add(&f, "10.1.0.0/16", 10, BINDING_SRC_CLI);
	add(&f, "10.1.0.5", 20, BINDING_SRC_SXP);
	add(&f, "2001:db8::/32", 30, BINDING_SRC_LOCAL);
	assert_int_equal(lookup(&f, "10.1.9.9"), 10);
	assert_int_equal(lookup(&f, "10.1.0.5"), 20);
	assert_int_equal(lookup(&f, "2001:db8::1"), 30);
	assert_int_equal(lookup(&f, "10.2.0.1"), -1);
	assert_string_equal(listing(&f, buf, sizeof(buf)),
			    "10.1.0.0/16=10/cli 10.1.0.5/32=20/sxp "
			    "2001:db8::/32=30/local");

	/* Another source names the prefix: one binding, the new source. */
	add(&f, "10.1.0.0/16", 11, BINDING_SRC_INTERNAL);
	add(&f, "10.1.0.5", 20, BINDING_SRC_CLI);
	assert_int_equal(lookup(&f, "10.1.9.9"), 11);
	assert_string_equal(listing(&f, buf, sizeof(buf)),
			    "10.1.0.0/16=11/internal 10.1.0.5/32=20/cli "
			    "2001:db8::/32=30/local");

	/* A delete goes by prefix, whatever SGT and source it names. */
	b = binding_of("10.1.0.5", 99, BINDING_SRC_SXP);
	assert_int_equal(dp_bindings_del(f.b, &b), 0);
	assert_int_equal(lookup(&f, "10.1.0.5"), 11);
	assert_int_equal(dp_bindings_del(f.b, &b), -ENOENT);
	b = binding_of("10.1.0.0/24", 0, BINDING_SRC_CLI);
	assert_int_equal(dp_bindings_del(f.b, &b), -ENOENT);
	assert_int_equal(dp_bindings_count(f.b), 2);
	fixture_free(&f);
}

static void
test_mark_and_sweep(void **state)
{
	struct fixture f;
	char buf[512];

	(void)state;
	fixture_new(&f, 16);
	add(&f, "10.1.0.0/16", 10, BINDING_SRC_CLI);
	add(&f, "10.2.0.0/16", 20, BINDING_SRC_SXP);
	add(&f, "10.3.0.5", 30, BINDING_SRC_SXP);
	add(&f, "2001:db8::5", 40, BINDING_SRC_LOCAL);
	dp_bindings_mark(f.b);
	/* Nothing changes for the workers until the sweep. */
	assert_int_equal(lookup(&f, "10.3.0.5"), 30);
	/* Repeated as it was, with another SGT, with another source; and a
	 * new one. */
	add(&f, "10.1.0.0/16", 10, BINDING_SRC_CLI);
	add(&f, "10.2.0.0/16", 21, BINDING_SRC_SXP);
	add(&f, "2001:db8::5", 40, BINDING_SRC_CLI);
	add(&f, "10.4.0.0/16", 50, BINDING_SRC_CLI);
	assert_int_equal(dp_bindings_sweep(f.b), 1);
	assert_int_equal(lookup(&f, "10.3.0.5"), -1);
	assert_int_equal(lookup(&f, "10.2.1.1"), 21);
	assert_int_equal(lookup(&f, "2001:db8::5"), 40);
	assert_string_equal(listing(&f, buf, sizeof(buf)),
			    "10.1.0.0/16=10/cli 10.2.0.0/16=21/sxp "
			    "10.4.0.0/16=50/cli 2001:db8::5/128=40/cli");

	/* A second round: marks from the first are gone. */
	dp_bindings_mark(f.b);
	assert_int_equal(dp_bindings_sweep(f.b), 4);
	assert_int_equal(dp_bindings_count(f.b), 0);
	assert_int_equal(lookup(&f, "10.1.0.1"), -1);
	fixture_free(&f);
}

static void
test_full_table_leaves_the_shadow(void **state)
{
	struct fixture f;
	struct binding b;
	char buf[256];

	(void)state;
	fixture_new(&f, 1);
	add(&f, "10.1.0.0/16", 10, BINDING_SRC_CLI);
	b = binding_of("10.2.0.0/16", 20, BINDING_SRC_CLI);
	assert_int_equal(dp_bindings_add(f.b, &b), -ENOSPC);
	assert_int_equal(lookup(&f, "10.2.0.1"), -1);
	assert_string_equal(listing(&f, buf, sizeof(buf)), "10.1.0.0/16=10/cli");
	/* Replacing what is there needs no room. */
	add(&f, "10.1.0.0/16", 11, BINDING_SRC_SXP);
	assert_int_equal(lookup(&f, "10.1.0.1"), 11);
	fixture_free(&f);
}

struct page {
	struct binding last;
	unsigned n, max;
};

static int
take(void *ctx, const struct binding *b)
{
	struct page *p = ctx;

	p->last = *b;
	return ++p->n == p->max;
}

static void
test_foreach_pages(void **state)
{
	struct fixture f;
	struct page p = { .max = 2 };
	char buf[64];

	(void)state;
	fixture_new(&f, 16);
	add(&f, "10.3.0.0/16", 3, BINDING_SRC_CLI);
	add(&f, "10.1.0.0/16", 1, BINDING_SRC_CLI);
	add(&f, "10.2.0.0/16", 2, BINDING_SRC_CLI);
	add(&f, "10.1.0.0/24", 4, BINDING_SRC_CLI);
	assert_int_equal(dp_bindings_foreach(f.b, NULL, take, &p), 1);
	assert_string_equal(binding_prefix_str(p.last.family, p.last.prefix_len,
					       p.last.addr, buf, sizeof(buf)),
			    "10.1.0.0/24");
	p.n = 0;
	assert_int_equal(dp_bindings_foreach(f.b, &p.last, take, &p), 1);
	assert_int_equal(p.last.sgt, 3);
	p.n = 0;
	assert_int_equal(dp_bindings_foreach(f.b, &p.last, take, &p), 0);
	assert_int_equal(p.n, 0);
	fixture_free(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_replace_delete),
		cmocka_unit_test(test_mark_and_sweep),
		cmocka_unit_test(test_full_table_leaves_the_shadow),
		cmocka_unit_test(test_foreach_pages),
	};

	return cmocka_run_group_tests_name("dp_bindings", tests, eal_setup,
					   eal_teardown);
}
