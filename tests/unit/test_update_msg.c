/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Update messages and bindings: the 32-byte layout, the builders, and a
 * table of messages that update_msg_check must accept or refuse, each
 * refusal with a message naming what was wrong. Source priority follows
 * IOS.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "binding.h"
#include "update_msg.h"

static struct binding
mk(uint8_t family, const char *addr, uint8_t len, sgt_t sgt, uint8_t src)
{
	struct binding b;

	/* memset, so that the padding compares equal too */
	memset(&b, 0, sizeof(b));
	b.family = family;
	b.prefix_len = len;
	b.sgt = sgt;
	b.source = src;

	assert_int_equal(inet_pton(family, addr, b.addr), 1);
	return b;
}

static void
test_layout(void **state)
{
	struct update_msg m;

	(void)state;
	assert_int_equal(sizeof(m), 32);
	assert_int_equal(offsetof(struct update_msg, generation), 8);
	assert_int_equal(offsetof(struct update_msg, addr), 16);
	assert_int_equal(offsetof(struct update_msg, snapshot.slot), 16);
	assert_int_equal(offsetof(struct update_msg, snapshot.length), 20);
	assert_int_equal(offsetof(struct update_msg, snapshot.crc32), 24);
}

static void
test_builders(void **state)
{
	struct binding b = mk(AF_INET6, "2001:db8:100::", 64, 10, BINDING_SRC_SXP);
	struct binding back;
	struct update_msg m;

	(void)state;
	update_msg_binding(&m, UPDATE_BINDING_ADD, &b, 7);
	assert_int_equal(update_msg_check(&m, NULL, 0), 0);
	update_msg_to_binding(&m, &back);
	assert_memory_equal(&b, &back, sizeof(b));

	update_msg_snapshot(&m, 1, 4096, 0xdeadbeef, 9);
	assert_int_equal(update_msg_check(&m, NULL, 0), 0);
	assert_int_equal(m.snapshot.slot, 1);
	assert_int_equal(m.snapshot.length, 4096);
	assert_int_equal(m.snapshot.crc32, 0xdeadbeef);

	update_msg_resync(&m, UPDATE_RESYNC_END, 12);
	assert_int_equal(update_msg_check(&m, NULL, 0), 0);
	assert_string_equal(update_type_name(m.type), "resync-end");
}

/* A table case: a message built from a valid one by a change. */
struct check_case {
	const char *name;
	void (*mutate)(struct update_msg *m);
	const char *want;        /* substring of the error; NULL: accepted */
};

static void base_v4(struct update_msg *m)
{
	struct binding b = mk(AF_INET, "10.10.0.0", 16, 4, BINDING_SRC_CLI);

	update_msg_binding(m, UPDATE_BINDING_ADD, &b, 1);
}

static void ok(struct update_msg *m) { (void)m; }
static void host32(struct update_msg *m) { m->prefix_len = 32; }
static void len0(struct update_msg *m) { memset(m->addr, 0, 4); m->prefix_len = 0; }
static void del(struct update_msg *m) { m->type = UPDATE_BINDING_DEL; }
static void sgt0(struct update_msg *m) { m->sgt = 0; }
static void sgt_max(struct update_msg *m) { m->sgt = SGT_MAX; }
static void type0(struct update_msg *m) { m->type = 0; }
static void type9(struct update_msg *m) { m->type = 9; }
static void fam7(struct update_msg *m) { m->family = 7; }
static void len33(struct update_msg *m) { m->prefix_len = 33; }
static void hostbits(struct update_msg *m) { m->prefix_len = 8; }
static void tail(struct update_msg *m) { m->addr[15] = 1; m->prefix_len = 32; }
static void sgt_ffff(struct update_msg *m) { m->sgt = 0xFFFF; }
static void src0(struct update_msg *m) { m->source = 0; }
static void src9(struct update_msg *m) { m->source = 9; }
static void gen0(struct update_msg *m) { m->generation = 0; }
static void rsvd(struct update_msg *m) { m->reserved = 1; }

static void
v6(struct update_msg *m)
{
	struct binding b = mk(AF_INET6, "2001:db8::1", 128, 5, BINDING_SRC_LOCAL);

	update_msg_binding(m, UPDATE_BINDING_ADD, &b, 3);
}

static void v6_len129(struct update_msg *m) { v6(m); m->prefix_len = 129; }
static void v6_hostbits(struct update_msg *m) { v6(m); m->prefix_len = 127; }

static void snap(struct update_msg *m) { update_msg_snapshot(m, 0, 100, 1, 2); }
static void snap_empty(struct update_msg *m) { snap(m); m->snapshot.length = 0; }
static void snap_sgt(struct update_msg *m) { snap(m); m->sgt = 4; }
static void snap_rsvd(struct update_msg *m) { snap(m); m->snapshot.reserved = 1; }
static void rs(struct update_msg *m) { update_msg_resync(m, UPDATE_RESYNC_BEGIN, 5); }
static void rs_addr(struct update_msg *m) { rs(m); m->addr[3] = 1; }
static void rs_family(struct update_msg *m) { rs(m); m->family = AF_INET; }

static const struct check_case cases[] = {
	{ "v4 prefix", ok, NULL },
	{ "v4 host bits past /32 none", host32, NULL },
	{ "default route", len0, NULL },
	{ "delete", del, NULL },
	{ "SGT 0 (Unknown)", sgt0, NULL },
	{ "SGT_MAX", sgt_max, NULL },
	{ "v6 host", v6, NULL },
	{ "snapshot", snap, NULL },
	{ "resync", rs, NULL },
	{ "type 0", type0, "type 0 is unknown" },
	{ "type 9", type9, "type 9 is unknown" },
	{ "family 7", fam7, "family 7" },
	{ "v4 /33", len33, "prefix length 33" },
	{ "v4 host bits", hostbits, "host bits set past the length in 10.10.0.0/8" },
	{ "v4 stray bytes", tail, "past the fourth" },
	{ "SGT 0xFFFF", sgt_ffff, "SGT 65535 is reserved" },
	{ "source 0", src0, "source 0 is unknown" },
	{ "source 9", src9, "source 9 is unknown" },
	{ "generation 0", gen0, "generation 0" },
	{ "reserved", rsvd, "reserved field" },
	{ "v6 /129", v6_len129, "prefix length 129" },
	{ "v6 host bits", v6_hostbits, "host bits set" },
	{ "empty snapshot", snap_empty, "empty snapshot" },
	{ "snapshot with SGT", snap_sgt, "binding fields set" },
	{ "snapshot reserved", snap_rsvd, "binding fields set" },
	{ "resync with address", rs_addr, "unused fields set" },
	{ "resync with family", rs_family, "unused fields set" },
};

static void
test_check_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct update_msg m;
		char err[160] = "";
		int rc;

		base_v4(&m);
		cases[i].mutate(&m);
		rc = update_msg_check(&m, err, sizeof(err));
		if (cases[i].want == NULL) {
			if (rc != 0)
				fail_msg("%s: refused: %s", cases[i].name, err);
		} else if (rc == 0) {
			fail_msg("%s: accepted", cases[i].name);
		} else if (strstr(err, cases[i].want) == NULL) {
			fail_msg("%s: '%s' does not say '%s'", cases[i].name, err,
				 cases[i].want);
		}
	}
}

/* Every single-bit corruption of a valid binding message that changes a
 * field the checker sees as fixed (type, reserved, unused bytes of an IPv4
 * address) is refused, so a torn element is not applied. */
static void
test_torn_fields_refused(void **state)
{
	static const size_t fixed[] = { 0, 6, 7, 20, 24, 31 };

	(void)state;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		for (int bit = 0; bit < 8; bit++) {
			struct update_msg m;
			uint8_t *raw = (uint8_t *)&m;

			base_v4(&m);
			/* No single flip turns type 1 into 2 (a valid delete):
			 * it gives 0, 3, 5, 9, ... whose other fields then fail. */
			raw[fixed[i]] ^= (uint8_t)(1u << bit);
			assert_int_not_equal(update_msg_check(&m, NULL, 0), 0);
		}
	}
}

static void
test_source_priority(void **state)
{
	(void)state;
	/* IOS, lowest to highest: VLAN, CLI, L3IF, SXP, IP_ARP, LOCAL, INTERNAL */
	assert_true(binding_source_rank(BINDING_SRC_CLI) <
		    binding_source_rank(BINDING_SRC_SXP));
	assert_true(binding_source_rank(BINDING_SRC_SXP) <
		    binding_source_rank(BINDING_SRC_LOCAL));
	assert_true(binding_source_rank(BINDING_SRC_LOCAL) <
		    binding_source_rank(BINDING_SRC_INTERNAL));
	assert_int_equal(binding_source_rank(BINDING_SRC_NONE), 0);
	assert_int_equal(binding_source_rank(99), 0);
	assert_string_equal(binding_source_name(BINDING_SRC_SXP), "sxp");
	assert_null(binding_source_name(0));
	assert_null(update_type_name(0));
	assert_null(update_type_name(6));
}

static void
test_prefix_str(void **state)
{
	struct binding b = mk(AF_INET6, "2001:db8::", 32, 1, BINDING_SRC_CLI);
	char buf[64];

	(void)state;
	assert_string_equal(binding_prefix_str(b.family, b.prefix_len, b.addr,
					       buf, sizeof(buf)), "2001:db8::/32");
	assert_string_equal(binding_prefix_str(9, 1, b.addr, buf, sizeof(buf)),
			    "(family 9)/1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_builders),
		cmocka_unit_test(test_check_table),
		cmocka_unit_test(test_torn_fields_refused),
		cmocka_unit_test(test_source_priority),
		cmocka_unit_test(test_prefix_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
