/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The binding database: priorities between sources and between SXP peers,
 * the exact reports a change produces (a takeover is one replace, never a
 * delete then an add), peer down, mark and sweep, keys of both families,
 * iteration order and paging, a million bindings, and a long random run
 * checked against a naive model.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "binding_db.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SEED 0x5eed5eed12345678ull

#define CLI BINDING_SRC_CLI
#define SXP BINDING_SRC_SXP
#define ISE BINDING_SRC_LOCAL   /* ISE sessions: IOS's LOCAL */
#define INT BINDING_SRC_INTERNAL

/* ---- keys ---------------------------------------------------------------- */

/* "10.0.0.0/8" or "2001:db8::/32" (which must be a valid key). */
static struct binding_key
K(const char *text)
{
	struct binding_key k;
	uint8_t addr[16] = { 0 };
	char buf[64];
	const char *slash = strchr(text, '/');
	uint8_t family;

	assert_non_null(slash);
	assert_true((size_t)(slash - text) < sizeof(buf));
	memcpy(buf, text, (size_t)(slash - text));
	buf[slash - text] = '\0';
	family = strchr(buf, ':') != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(family, buf, addr) != 1)
		fail_msg("bad address in test: %s", text);
	if (binding_key_init(&k, family, addr, (uint8_t)atoi(slash + 1)) != 0)
		fail_msg("not a valid key: %s", text);
	return k;
}

static const char *
key_str(const struct binding_key *k, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (inet_ntop(k->family, k->addr, a, sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "family-%u", k->family);
	snprintf(buf, len, "%s/%u", a, k->prefix_len);
	return buf;
}

/* The order the views promise, written out independently. */
static int
view_order(const struct binding_key *a, const struct binding_key *b)
{
	int fa = a->family == AF_INET ? 0 : 1, fb = b->family == AF_INET ? 0 : 1;
	int c;

	if (fa != fb)
		return fa - fb;
	c = memcmp(a->addr, b->addr, 16);
	if (c != 0)
		return c;
	return (int)a->prefix_len - (int)b->prefix_len;
}

static const char *
src_name(enum binding_source src)
{
	const char *name = binding_source_name(src);

	return name != NULL ? name : "?";
}

/* ---- recording reports ----------------------------------------------------- */

struct ev {
	struct binding_key k;
	sgt_t old_sgt;
	sgt_t new_sgt;
	bool had_old;
	bool has_new;
	enum binding_source src;
};

struct recorder {
	struct binding_db *db;
	bool keep;              /* store the events (else only count them) */
	bool check;             /* look each event's prefix up in the db */
	struct ev *evs;
	size_t n, cap;
	size_t adds, dels, reps;
	size_t bad;             /* events that broke the callback's contract */
};

/* Also checks, from inside the callback, that the db already says what the
 * event says: a reader woken by the report never sees the old state. */
static void
on_change(void *ctx, const struct binding_key *k, sgt_t old_sgt, bool had_old,
	  sgt_t new_sgt, bool has_new, enum binding_source src)
{
	struct recorder *r = ctx;
	enum binding_source s;
	sgt_t sgt;

	if (!had_old && !has_new)
		r->bad++;
	if (had_old && has_new && old_sgt == new_sgt)
		r->bad++;
	if (r->check) {
		int rc = binding_db_lookup(r->db, k, &sgt, &s);

		if (has_new ? (rc != 0 || sgt != new_sgt || s != src)
			    : rc != -ENOENT)
			r->bad++;
	}
	if (had_old && has_new)
		r->reps++;
	else if (has_new)
		r->adds++;
	else
		r->dels++;
	if (!r->keep)
		return;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct ev *n = realloc(r->evs, cap * sizeof(*n));

		if (n == NULL) {
			r->bad++;
			return;
		}
		r->evs = n;
		r->cap = cap;
	}
	r->evs[r->n++] = (struct ev){ *k, old_sgt, new_sgt, had_old, has_new,
				      src };
}

static struct binding_db *
db_new(struct recorder *r, uint64_t seed)
{
	struct binding_db_params p = { on_change, r, seed };

	memset(r, 0, sizeof(*r));
	r->keep = true;
	r->check = true;
	r->db = binding_db_create(&p);
	assert_non_null(r->db);
	return r->db;
}

static void
db_free(struct recorder *r)
{
	assert_int_equal(r->bad, 0);
	binding_db_destroy(r->db);
	free(r->evs);
}

/* Event literals: ADD("10.0.0.0/8", 10, CLI), REP(..., 10, 20, SXP), DEL. */
#define ADD(k, n, s)    { K(k), 0, (n), false, true, (s) }
#define REP(k, o, n, s) { K(k), (o), (n), true, true, (s) }
#define DEL(k, o, s)    { K(k), (o), 0, true, false, (s) }

static bool
ev_eq(const struct ev *a, const struct ev *b)
{
	return memcmp(&a->k, &b->k, sizeof(a->k)) == 0 &&
	       a->had_old == b->had_old && a->has_new == b->has_new &&
	       (!a->had_old || a->old_sgt == b->old_sgt) &&
	       (!a->has_new || a->new_sgt == b->new_sgt) && a->src == b->src;
}

static void
ev_print(const char *what, const struct ev *e)
{
	char b[80];

	print_message("  %s %s %s%u -> %s%u (%s)\n", what,
		      key_str(&e->k, b, sizeof(b)), e->had_old ? "" : "none/",
		      e->old_sgt, e->has_new ? "" : "none/", e->new_sgt,
		      src_name(e->src));
}

/* The recorded events are exactly want, in order; then forgets them. */
static void
expect_events(struct recorder *r, const struct ev *want, size_t n)
{
	bool same = r->n == n;

	for (size_t i = 0; same && i < n; i++)
		same = ev_eq(&r->evs[i], &want[i]);
	if (!same) {
		for (size_t i = 0; i < n; i++)
			ev_print("want", &want[i]);
		for (size_t i = 0; i < r->n; i++)
			ev_print("got ", &r->evs[i]);
		fail_msg("events differ (%zu wanted, %zu got)", n, r->n);
	}
	r->n = 0;
}

#define EXPECT(r, ...) do { \
	const struct ev want_[] = { __VA_ARGS__ }; \
	expect_events((r), want_, ARRAY_LEN(want_)); \
} while (0)
#define EXPECT_NONE(r) expect_events((r), NULL, 0)

static int
ev_cmp(const void *a, const void *b)
{
	return view_order(&((const struct ev *)a)->k, &((const struct ev *)b)->k);
}

/* For walks over many prefixes: the same set of events, in any order. */
static void
expect_events_unordered(struct recorder *r, struct ev *want, size_t n)
{
	if (r->n != 0)
		qsort(r->evs, r->n, sizeof(*r->evs), ev_cmp);
	if (n != 0)
		qsort(want, n, sizeof(*want), ev_cmp);
	expect_events(r, want, n);
}

#define EXPECT_SET(r, ...) do { \
	struct ev want_[] = { __VA_ARGS__ }; \
	expect_events_unordered((r), want_, ARRAY_LEN(want_)); \
} while (0)

static void
expect_winner(struct binding_db *db, const char *key, sgt_t sgt,
	      enum binding_source src)
{
	struct binding_key k = K(key);
	enum binding_source s;
	sgt_t got;

	if (binding_db_lookup(db, &k, &got, &s) != 0)
		fail_msg("%s: no winner, wanted %u from %s", key, sgt,
			 src_name(src));
	if (got != sgt || s != src)
		fail_msg("%s: winner %u from %s, wanted %u from %s", key, got,
			 src_name(s), sgt, src_name(src));
}

static void
expect_absent(struct binding_db *db, const char *key)
{
	struct binding_key k = K(key);

	assert_int_equal(binding_db_lookup(db, &k, NULL, NULL), -ENOENT);
}

static void
set_ok(struct binding_db *db, const char *key, enum binding_source src,
       uint32_t inst, sgt_t sgt, uint8_t psl)
{
	struct binding_key k = K(key);

	assert_int_equal(binding_db_set(db, &k, src, inst, sgt, psl), 0);
}

static void
withdraw_ok(struct binding_db *db, const char *key, enum binding_source src,
	    uint32_t inst)
{
	struct binding_key k = K(key);

	assert_int_equal(binding_db_withdraw(db, &k, src, inst), 0);
}

/* ---- keys and arguments ---------------------------------------------------- */

struct key_case {
	uint8_t family;
	const char *addr;
	uint8_t len;
	int rc;
};

static void
test_key_rules(void **state)
{
	static const struct key_case cases[] = {
		{ AF_INET, "10.0.0.1", 32, 0 },
		{ AF_INET, "10.0.0.0", 8, 0 },
		{ AF_INET, "0.0.0.0", 0, 0 },
		{ AF_INET, "10.0.0.128", 25, 0 },
		{ AF_INET, "10.0.0.1", 31, -EINVAL },   /* host bit */
		{ AF_INET, "10.0.0.128", 24, -EINVAL },
		{ AF_INET, "10.1.0.0", 8, -EINVAL },
		{ AF_INET, "1.0.0.0", 0, -EINVAL },
		{ AF_INET, "10.0.0.1", 33, -EINVAL },   /* past the width */
		{ AF_INET6, "2001:db8::1", 128, 0 },
		{ AF_INET6, "2001:db8::", 32, 0 },
		{ AF_INET6, "::", 0, 0 },
		{ AF_INET6, "2001:db8::8000:0:0:0", 65, 0 },
		{ AF_INET6, "2001:db8::1", 64, -EINVAL },
		{ AF_INET6, "2001:db8::1", 127, -EINVAL },
		{ AF_INET6, "2001:db8::", 129, -EINVAL },
		{ 0, "10.0.0.1", 32, -EINVAL },         /* no such family */
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const struct key_case *c = &cases[i];
		uint8_t fam = c->family ? c->family : AF_INET;
		uint8_t addr[16] = { 0 };
		struct binding_key k;
		int rc;

		assert_int_equal(inet_pton(fam, c->addr, addr), 1);
		rc = binding_key_init(&k, c->family, addr, c->len);
		if (rc != c->rc)
			fail_msg("case %zu (%s/%u): %d, wanted %d", i, c->addr,
				 c->len, rc, c->rc);
		assert_int_equal(binding_key_valid(&k), c->rc == 0);
	}
}

/* Everything the db refuses leaves it untouched and reports nothing. */
static void
test_refusals(void **state)
{
	struct recorder r;
	struct binding_db *db = db_new(&r, SEED);
	struct binding_key v4 = K("10.0.0.1/32");
	struct binding_key junk = v4;
	struct binding_key host_bits = K("10.0.0.0/24");
	struct binding_db_counts c;
	(void)state;

	junk.addr[7] = 1;               /* IPv4 bytes 4..15 must be zero */
	host_bits.addr[3] = 1;
	assert_int_equal(binding_db_set(db, &junk, CLI, 0, 10, 0), -EINVAL);
	assert_int_equal(binding_db_set(db, &host_bits, CLI, 0, 10, 0), -EINVAL);
	assert_int_equal(binding_db_set(db, &v4, BINDING_SRC_NONE, 0, 10, 0),
			 -EINVAL);
	assert_int_equal(binding_db_set(db, &v4, (enum binding_source)99, 0, 10,
					0), -EINVAL);
	assert_int_equal(binding_db_set(db, &v4, CLI, 0, SGT_INVALID, 0),
			 -EINVAL);
	assert_int_equal(binding_db_set(db, &v4, CLI, 0, 10, 1), -EINVAL);
	assert_int_equal(binding_db_set(db, &v4, ISE, 0, 10, 2), -EINVAL);
	assert_int_equal(binding_db_withdraw(db, &junk, CLI, 0), -EINVAL);
	assert_int_equal(binding_db_withdraw(db, &v4, BINDING_SRC_NONE, 0),
			 -EINVAL);
	assert_int_equal(binding_db_lookup(db, &junk, NULL, NULL), -EINVAL);
	assert_int_equal(binding_db_withdraw_instance(db, BINDING_SRC_NONE, 0),
			 0);
	binding_db_counts(db, &c);
	assert_int_equal(c.prefixes, 0);
	EXPECT_NONE(&r);

	/* The edges that are accepted. */
	assert_int_equal(binding_db_set(db, &v4, CLI, 0, SGT_MAX, 0), 0);
	assert_int_equal(binding_db_set(db, &v4, SXP, 1, 0, 255), 0);
	EXPECT(&r, ADD("10.0.0.1/32", SGT_MAX, CLI),
	       REP("10.0.0.1/32", SGT_MAX, 0, SXP));
	/* Absent prefix, absent view. */
	host_bits = K("10.0.0.0/24");
	assert_int_equal(binding_db_withdraw(db, &host_bits, CLI, 0), -ENOENT);
	assert_int_equal(binding_db_withdraw(db, &v4, SXP, 2), -ENOENT);
	assert_int_equal(binding_db_withdraw(db, &v4, ISE, 1), -ENOENT);
	EXPECT_NONE(&r);
	db_free(&r);
}

/* ---- priorities ------------------------------------------------------------ */

struct set_op {
	enum binding_source src;
	uint32_t inst;
	sgt_t sgt;
	uint8_t psl;
};

struct prio_case {
	const char *name;
	size_t n;
	struct set_op ops[5];
	sgt_t sgt;
	enum binding_source src;
};

static void
test_priorities(void **state)
{
	static const struct prio_case cases[] = {
		{ "SXP beats CLI", 2, { { CLI, 0, 10, 0 }, { SXP, 1, 20, 1 } },
		  20, SXP },
		{ "whatever the order", 2, { { SXP, 1, 20, 1 }, { CLI, 0, 10, 0 } },
		  20, SXP },
		{ "ISE (LOCAL) beats SXP", 3,
		  { { CLI, 0, 10, 0 }, { ISE, 7, 30, 0 }, { SXP, 1, 20, 1 } },
		  30, ISE },
		{ "INTERNAL beats all", 4,
		  { { INT, 0, 40, 0 }, { ISE, 7, 30, 0 }, { SXP, 1, 20, 1 },
		    { CLI, 0, 10, 0 } },
		  40, INT },
		{ "shorter peer sequence wins", 2,
		  { { SXP, 1, 20, 2 }, { SXP, 2, 21, 1 } }, 21, SXP },
		{ "even when older", 2,
		  { { SXP, 2, 21, 1 }, { SXP, 1, 20, 2 } }, 21, SXP },
		{ "equal sequences: most recent", 2,
		  { { SXP, 1, 20, 1 }, { SXP, 2, 21, 1 } }, 21, SXP },
		{ "a changed SGT is recent", 3,
		  { { SXP, 1, 20, 1 }, { SXP, 2, 21, 1 }, { SXP, 1, 22, 1 } },
		  22, SXP },
		{ "a repeat is not", 3,
		  { { SXP, 1, 20, 1 }, { SXP, 2, 21, 1 }, { SXP, 1, 20, 1 } },
		  21, SXP },
		{ "a peer's path gets shorter", 3,
		  { { SXP, 1, 20, 3 }, { SXP, 2, 21, 2 }, { SXP, 1, 20, 1 } },
		  20, SXP },
		{ "a peer's path gets longer", 3,
		  { { SXP, 1, 20, 1 }, { SXP, 2, 21, 2 }, { SXP, 1, 20, 3 } },
		  21, SXP },
		{ "two ISE sessions: most recent", 2,
		  { { ISE, 1, 30, 0 }, { ISE, 2, 31, 0 } }, 31, ISE },
		{ "peer sequence is only SXP's tie-break", 2,
		  { { SXP, 1, 20, 1 }, { CLI, 0, 10, 0 } }, 20, SXP },
	};
	(void)state;

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const struct prio_case *c = &cases[i];
		struct recorder r;
		struct binding_db *db = db_new(&r, SEED + i);
		struct binding_db_counts cnt;

		print_message("%s\n", c->name);
		for (size_t j = 0; j < c->n; j++)
			set_ok(db, "192.0.2.0/24", c->ops[j].src, c->ops[j].inst,
			       c->ops[j].sgt, c->ops[j].psl);
		expect_winner(db, "192.0.2.0/24", c->sgt, c->src);
		binding_db_counts(db, &cnt);
		assert_int_equal(cnt.prefixes, 1);
		for (int s = 0; s < BINDING_DB_NSRC; s++)
			assert_int_equal(cnt.winners[s], s == (int)c->src);
		db_free(&r);
	}
}

/* ---- what each change reports ---------------------------------------------- */

static void
test_set_reports(void **state)
{
	struct recorder r;
	struct binding_db *db = db_new(&r, SEED);
	(void)state;

	set_ok(db, "10.1.0.0/16", CLI, 0, 10, 0);
	EXPECT(&r, ADD("10.1.0.0/16", 10, CLI));
	set_ok(db, "10.1.0.0/16", CLI, 0, 10, 0);       /* same again */
	EXPECT_NONE(&r);
	set_ok(db, "10.1.0.0/16", CLI, 0, 11, 0);       /* new SGT */
	EXPECT(&r, REP("10.1.0.0/16", 10, 11, CLI));
	set_ok(db, "10.1.0.0/16", SXP, 1, 11, 1);       /* takes over, same SGT */
	EXPECT_NONE(&r);
	expect_winner(db, "10.1.0.0/16", 11, SXP);
	set_ok(db, "10.1.0.0/16", CLI, 0, 12, 0);       /* loser changes */
	EXPECT_NONE(&r);
	set_ok(db, "10.1.0.0/16", ISE, 3, 30, 0);       /* takes over */
	EXPECT(&r, REP("10.1.0.0/16", 11, 30, ISE));
	set_ok(db, "10.1.0.0/16", SXP, 1, 21, 2);       /* loser changes */
	EXPECT_NONE(&r);
	expect_winner(db, "10.1.0.0/16", 30, ISE);
	db_free(&r);
}

/* The winner goes; the next takes over in one replace, nothing between. */
static void
test_withdraw_handover(void **state)
{
	struct recorder r;
	struct binding_db *db = db_new(&r, SEED);
	struct binding_db_counts c;
	(void)state;

	set_ok(db, "10.0.0.5/32", CLI, 0, 10, 0);
	set_ok(db, "10.0.0.5/32", SXP, 1, 20, 2);
	set_ok(db, "10.0.0.5/32", SXP, 2, 21, 3);
	set_ok(db, "10.0.0.5/32", ISE, 9, 30, 0);
	EXPECT(&r, ADD("10.0.0.5/32", 10, CLI), REP("10.0.0.5/32", 10, 20, SXP),
	       REP("10.0.0.5/32", 20, 30, ISE));

	withdraw_ok(db, "10.0.0.5/32", ISE, 9);
	EXPECT(&r, REP("10.0.0.5/32", 30, 20, SXP));
	withdraw_ok(db, "10.0.0.5/32", SXP, 1);         /* next peer */
	EXPECT(&r, REP("10.0.0.5/32", 20, 21, SXP));
	expect_winner(db, "10.0.0.5/32", 21, SXP);
	withdraw_ok(db, "10.0.0.5/32", SXP, 2);         /* static config */
	EXPECT(&r, REP("10.0.0.5/32", 21, 10, CLI));
	withdraw_ok(db, "10.0.0.5/32", CLI, 0);         /* the last: gone */
	EXPECT(&r, DEL("10.0.0.5/32", 10, CLI));
	expect_absent(db, "10.0.0.5/32");

	/* Same SGT underneath: nothing to tell the dataplane. */
	set_ok(db, "2001:db8::5/128", CLI, 0, 10, 0);
	set_ok(db, "2001:db8::5/128", SXP, 4, 10, 1);
	EXPECT(&r, ADD("2001:db8::5/128", 10, CLI));
	expect_winner(db, "2001:db8::5/128", 10, SXP);
	withdraw_ok(db, "2001:db8::5/128", SXP, 4);
	EXPECT_NONE(&r);
	expect_winner(db, "2001:db8::5/128", 10, CLI);

	/* A loser goes: nothing. */
	set_ok(db, "2001:db8::5/128", SXP, 4, 20, 1);
	EXPECT(&r, REP("2001:db8::5/128", 10, 20, SXP));
	withdraw_ok(db, "2001:db8::5/128", CLI, 0);
	EXPECT_NONE(&r);
	expect_winner(db, "2001:db8::5/128", 20, SXP);
	binding_db_counts(db, &c);
	assert_int_equal(c.prefixes, 1);
	assert_int_equal(c.views[CLI], 0);
	assert_int_equal(c.views[SXP], 1);
	assert_int_equal(c.winners[SXP], 1);
	db_free(&r);
}

/* Peer down / PURGE_ALL: every prefix the peer held changes in one step. */
static void
test_withdraw_instance(void **state)
{
	struct recorder r;
	struct binding_db *db = db_new(&r, SEED);
	struct binding_db_counts c;
	(void)state;

	set_ok(db, "10.0.0.1/32", SXP, 1, 20, 1);       /* peer 1 alone */
	set_ok(db, "10.0.0.2/32", SXP, 2, 22, 2);       /* peer 1 wins over 2 */
	set_ok(db, "10.0.0.2/32", SXP, 1, 21, 1);
	set_ok(db, "10.0.0.3/32", SXP, 1, 21, 2);       /* peer 1 loses to 2 */
	set_ok(db, "10.0.0.3/32", SXP, 2, 23, 1);
	set_ok(db, "10.0.0.4/32", CLI, 0, 10, 0);       /* over static config */
	set_ok(db, "10.0.0.4/32", SXP, 1, 24, 1);
	set_ok(db, "10.0.0.5/32", CLI, 0, 25, 0);       /* same SGT below */
	set_ok(db, "10.0.0.5/32", SXP, 1, 25, 1);
	set_ok(db, "10.0.0.6/32", SXP, 2, 26, 1);       /* peer 2 only */
	set_ok(db, "2001:db8::/64", SXP, 1, 27, 1);
	set_ok(db, "2001:db8::/64", SXP, 3, 28, 1);     /* most recent: 3 */
	set_ok(db, "2001:db8::/64", ISE, 1, 29, 0);     /* ISE 1 is no peer */
	r.n = 0;

	assert_int_equal(binding_db_withdraw_instance(db, SXP, 1), 6);
	EXPECT_SET(&r, DEL("10.0.0.1/32", 20, SXP), REP("10.0.0.2/32", 21, 22, SXP),
		   REP("10.0.0.4/32", 24, 10, CLI));
	expect_absent(db, "10.0.0.1/32");
	expect_winner(db, "10.0.0.3/32", 23, SXP);
	expect_winner(db, "10.0.0.5/32", 25, CLI);
	expect_winner(db, "10.0.0.6/32", 26, SXP);
	expect_winner(db, "2001:db8::/64", 29, ISE);
	assert_int_equal(binding_db_withdraw_instance(db, SXP, 1), 0);
	EXPECT_NONE(&r);

	assert_int_equal(binding_db_withdraw_instance(db, SXP, 2), 3);
	EXPECT_SET(&r, DEL("10.0.0.2/32", 22, SXP), DEL("10.0.0.3/32", 23, SXP),
		   DEL("10.0.0.6/32", 26, SXP));
	binding_db_counts(db, &c);
	assert_int_equal(c.prefixes, 3);
	assert_int_equal(c.views[SXP], 1);
	assert_int_equal(c.winners[CLI], 2);
	assert_int_equal(c.winners[ISE], 1);
	db_free(&r);
}

/* Config reload and SXP reconciliation: replay, only the difference shows. */
static void
test_refresh(void **state)
{
	struct recorder r;
	struct binding_db *db = db_new(&r, SEED);
	(void)state;

	set_ok(db, "10.0.0.1/32", CLI, 0, 10, 0);
	set_ok(db, "10.0.0.2/32", CLI, 0, 11, 0);
	set_ok(db, "10.0.0.3/32", CLI, 0, 12, 0);
	set_ok(db, "10.0.0.4/32", CLI, 0, 13, 0);
	set_ok(db, "10.0.0.4/32", SXP, 1, 20, 1);       /* hides the CLI line */
	set_ok(db, "10.0.0.5/32", SXP, 1, 21, 1);
	r.n = 0;

	assert_int_equal(binding_db_begin_refresh(db, CLI, 0), 4);
	EXPECT_NONE(&r);
	set_ok(db, "10.0.0.1/32", CLI, 0, 10, 0);       /* unchanged */
	EXPECT_NONE(&r);
	set_ok(db, "10.0.0.2/32", CLI, 0, 99, 0);       /* changed */
	EXPECT(&r, REP("10.0.0.2/32", 11, 99, CLI));
	set_ok(db, "10.0.0.6/32", CLI, 0, 14, 0);       /* new */
	EXPECT(&r, ADD("10.0.0.6/32", 14, CLI));
	set_ok(db, "10.0.0.5/32", CLI, 0, 15, 0);       /* new, under SXP */
	EXPECT_NONE(&r);
	/* 10.0.0.3 and 10.0.0.4 were not replayed. */
	assert_int_equal(binding_db_end_refresh(db, CLI, 0), 2);
	EXPECT(&r, DEL("10.0.0.3/32", 12, CLI));
	expect_winner(db, "10.0.0.1/32", 10, CLI);
	expect_winner(db, "10.0.0.2/32", 99, CLI);
	expect_absent(db, "10.0.0.3/32");
	expect_winner(db, "10.0.0.4/32", 20, SXP);
	expect_winner(db, "10.0.0.5/32", 21, SXP);
	/* A sweep with nothing marked removes nothing. */
	assert_int_equal(binding_db_end_refresh(db, CLI, 0), 0);

	/* Two peers reconcile independently; a sweep hands over to CLI. */
	set_ok(db, "10.0.0.7/32", SXP, 2, 22, 1);
	r.n = 0;
	assert_int_equal(binding_db_begin_refresh(db, SXP, 1), 2);
	assert_int_equal(binding_db_begin_refresh(db, SXP, 2), 1);
	set_ok(db, "10.0.0.4/32", SXP, 1, 20, 1);
	assert_int_equal(binding_db_end_refresh(db, SXP, 2), 1);
	EXPECT(&r, DEL("10.0.0.7/32", 22, SXP));
	assert_int_equal(binding_db_end_refresh(db, SXP, 1), 1);
	EXPECT(&r, REP("10.0.0.5/32", 21, 15, CLI));
	expect_winner(db, "10.0.0.4/32", 20, SXP);
	/* Withdrawn while marked: gone, and the sweep has nothing left. */
	assert_int_equal(binding_db_begin_refresh(db, SXP, 1), 1);
	withdraw_ok(db, "10.0.0.4/32", SXP, 1);
	EXPECT(&r, DEL("10.0.0.4/32", 20, SXP));
	assert_int_equal(binding_db_end_refresh(db, SXP, 1), 0);
	db_free(&r);
}

/* The same bytes under both families, default routes, hosts. */
static void
test_families(void **state)
{
	struct recorder r;
	struct binding_db *db = db_new(&r, SEED);
	struct binding_key v4 = K("10.0.0.1/32");
	struct binding_key v6 = K("a00:1::/32");
	(void)state;

	/* Identical address bytes and length: only the family differs. */
	assert_memory_equal(v4.addr, v6.addr, 16);
	assert_int_equal(binding_db_set(db, &v4, CLI, 0, 4, 0), 0);
	assert_int_equal(binding_db_set(db, &v6, CLI, 0, 6, 0), 0);
	set_ok(db, "0.0.0.0/0", CLI, 0, 40, 0);
	set_ok(db, "::/0", CLI, 0, 60, 0);
	set_ok(db, "2001:db8::1/128", SXP, 1, 61, 1);
	set_ok(db, "2001:db8::/127", SXP, 1, 62, 1);
	expect_winner(db, "10.0.0.1/32", 4, CLI);
	expect_winner(db, "a00:1::/32", 6, CLI);
	expect_winner(db, "0.0.0.0/0", 40, CLI);
	expect_winner(db, "::/0", 60, CLI);
	expect_winner(db, "2001:db8::1/128", 61, SXP);
	expect_winner(db, "2001:db8::/127", 62, SXP);
	withdraw_ok(db, "a00:1::/32", CLI, 0);
	EXPECT(&r, ADD("10.0.0.1/32", 4, CLI), ADD("a00:1::/32", 6, CLI),
	       ADD("0.0.0.0/0", 40, CLI), ADD("::/0", 60, CLI),
	       ADD("2001:db8::1/128", 61, SXP), ADD("2001:db8::/127", 62, SXP),
	       DEL("a00:1::/32", 6, CLI));
	expect_winner(db, "10.0.0.1/32", 4, CLI);
	db_free(&r);
}

/* Exact match only: lookup is no longest-prefix match. */
static void
test_lookup_exact(void **state)
{
	struct recorder r;
	struct binding_db *db = db_new(&r, SEED);
	(void)state;

	set_ok(db, "10.0.0.0/8", CLI, 0, 10, 0);
	expect_winner(db, "10.0.0.0/8", 10, CLI);
	expect_absent(db, "10.0.0.0/16");
	expect_absent(db, "10.0.0.0/7");
	expect_absent(db, "10.0.0.1/32");
	expect_absent(db, "a00::/8");
	db_free(&r);
}

/* ---- iteration -------------------------------------------------------------- */

struct collect {
	char keys[16][INET6_ADDRSTRLEN + 8];
	sgt_t sgt[16];
	enum binding_source src[16];
	size_t n;
	size_t stop_after;      /* 0: never stop */
};

static int
collect_fn(void *ctx, const struct binding_key *k, sgt_t sgt,
	   enum binding_source src)
{
	struct collect *c = ctx;

	if (c->n == ARRAY_LEN(c->keys))
		return -1;
	key_str(k, c->keys[c->n], sizeof(c->keys[0]));
	c->sgt[c->n] = sgt;
	c->src[c->n] = src;
	c->n++;
	return c->stop_after != 0 && c->n == c->stop_after ? 42 : 0;
}

static void
expect_walk(struct binding_db *db, const char *after, const char *const *want,
	    size_t n)
{
	struct collect c = { .n = 0 };
	struct binding_key k;

	if (after != NULL)
		k = K(after);
	assert_int_equal(binding_db_foreach(db, after ? &k : NULL, collect_fn, &c),
			 0);
	assert_int_equal(c.n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(c.keys[i], want[i]);
}

static void
test_iteration_order(void **state)
{
	static const char *const scrambled[] = {
		"2001:db8::1/128", "10.0.0.0/24", "::/0", "192.168.1.0/24",
		"10.0.0.1/32", "2001:db8::/32", "0.0.0.0/0", "9.255.255.255/32",
		"10.0.0.0/8", "fe80::/10", "255.255.255.255/32", "::1/128",
	};
	static const char *const sorted[] = {
		"0.0.0.0/0", "9.255.255.255/32", "10.0.0.0/8", "10.0.0.0/24",
		"10.0.0.1/32", "192.168.1.0/24", "255.255.255.255/32", "::/0",
		"::1/128", "2001:db8::/32", "2001:db8::1/128", "fe80::/10",
	};
	static const char *const removed[] = {
		"0.0.0.0/0", "9.255.255.255/32", "10.0.0.0/8", "10.0.0.0/24",
		"192.168.1.0/24", "255.255.255.255/32", "::/0", "::1/128",
		"2001:db8::/32", "2001:db8::1/128", "fe80::/10",
	};
	static const char *const changed[] = {
		"0.0.0.0/0", "9.255.255.255/32", "10.0.0.0/8", "10.0.0.0/16",
		"10.0.0.0/24", "192.168.1.0/24", "255.255.255.255/32", "::/0",
		"::1/128", "2001:db8::/32", "2001:db8::1/128", "fe80::/10",
	};
	struct recorder r;
	struct binding_db *db = db_new(&r, SEED);
	struct collect c = { .n = 0, .stop_after = 3 };
	(void)state;

	expect_walk(db, NULL, NULL, 0);
	for (size_t i = 0; i < ARRAY_LEN(scrambled); i++)
		set_ok(db, scrambled[i], i % 2 ? CLI : SXP, 1, (sgt_t)(100 + i),
		       i % 2 ? 0 : 1);
	set_ok(db, "10.0.0.0/24", ISE, 1, 7, 0);
	expect_walk(db, NULL, sorted, ARRAY_LEN(sorted));
	/* The winner is what the walk shows. */
	assert_int_equal(binding_db_foreach(db, NULL, collect_fn, &c), 42);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.keys[2], "10.0.0.0/8");
	assert_int_equal(c.sgt[2], 108);
	assert_int_equal(c.src[2], SXP);

	/* Paging: after a present key, after an absent one, after the end. */
	expect_walk(db, "10.0.0.1/32", sorted + 5, ARRAY_LEN(sorted) - 5);
	expect_walk(db, "10.0.0.0/9", sorted + 3, ARRAY_LEN(sorted) - 3);
	expect_walk(db, "fe80::/10", NULL, 0);
	expect_walk(db, "ff00::/8", NULL, 0);
	expect_walk(db, "0.0.0.0/0", sorted + 1, ARRAY_LEN(sorted) - 1);

	/* A prefix goes, then one comes: the cached order follows. */
	withdraw_ok(db, "10.0.0.1/32", SXP, 1);
	expect_walk(db, NULL, removed, ARRAY_LEN(removed));
	expect_walk(db, "10.0.0.0/24", sorted + 5, ARRAY_LEN(sorted) - 5);
	set_ok(db, "10.0.0.0/16", CLI, 0, 5, 0);
	expect_walk(db, NULL, changed, ARRAY_LEN(changed));
	db_free(&r);
}

/* ---- scale ------------------------------------------------------------------ */

#define SCALE_N 1000000u

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Key i: one in ten IPv6 hosts, the rest IPv4 hosts. */
static struct binding_key
scale_key(uint32_t i)
{
	struct binding_key k = { 0 };

	if (i % 10 == 0) {
		k.family = AF_INET6;
		k.prefix_len = 128;
		k.addr[0] = 0x20;
		k.addr[1] = 0x01;
		k.addr[2] = 0x0d;
		k.addr[3] = 0xb8;
		memcpy(&k.addr[12], &(uint32_t){ htonl(i) }, 4);
	} else {
		k.family = AF_INET;
		k.prefix_len = 32;
		memcpy(k.addr, &(uint32_t){ htonl(0x0a000000u + i) }, 4);
	}
	return k;
}

struct walk_check {
	struct binding_key prev;
	size_t n;
	size_t out_of_order;
};

static int
walk_check_fn(void *ctx, const struct binding_key *k, sgt_t sgt,
	      enum binding_source src)
{
	struct walk_check *w = ctx;

	(void)sgt;
	(void)src;
	if (w->n != 0 && view_order(&w->prev, k) >= 0)
		w->out_of_order++;
	w->prev = *k;
	w->n++;
	return 0;
}

static void
test_million(void **state)
{
	struct recorder r;
	struct binding_db *db = db_new(&r, SEED);
	struct walk_check w = { .n = 0 };
	struct binding_db_counts c;
	double t, t_ins, t_look, t_walk1, t_walk2, t_sxp, t_sxp_down, t_wd,
	       t_wdi;
	size_t mem1, mem2;
	(void)state;

	/* Count only: the figures are the db's, not the test's callback. */
	r.keep = false;
	r.check = false;
	t = now_s();
	for (uint32_t i = 0; i < SCALE_N; i++) {
		struct binding_key k = scale_key(i);

		if (binding_db_set(db, &k, CLI, 0, (sgt_t)(2 + i % 1000), 0) != 0)
			fail_msg("insert %u failed", i);
	}
	t_ins = now_s() - t;
	mem1 = binding_db_memory(db);
	assert_int_equal(r.adds, SCALE_N);

	t = now_s();
	for (uint32_t i = 0; i < SCALE_N; i++) {
		struct binding_key k = scale_key(i);
		sgt_t sgt;

		if (binding_db_lookup(db, &k, &sgt, NULL) != 0 ||
		    sgt != 2 + i % 1000)
			fail_msg("lookup %u", i);
	}
	t_look = now_s() - t;

	t = now_s();
	assert_int_equal(binding_db_foreach(db, NULL, walk_check_fn, &w), 0);
	t_walk1 = now_s() - t;
	assert_int_equal(w.n, SCALE_N);
	assert_int_equal(w.out_of_order, 0);
	w.n = 0;
	t = now_s();
	assert_int_equal(binding_db_foreach(db, NULL, walk_check_fn, &w), 0);
	t_walk2 = now_s() - t;
	assert_int_equal(w.n, SCALE_N);

	/* One SXP peer covers everything, then goes down: 2M takeovers. */
	t = now_s();
	for (uint32_t i = 0; i < SCALE_N; i++) {
		struct binding_key k = scale_key(i);

		if (binding_db_set(db, &k, SXP, 1, 5000, 1) != 0)
			fail_msg("SXP set %u failed", i);
	}
	t_sxp = now_s() - t;
	mem2 = binding_db_memory(db);
	assert_int_equal(r.reps, SCALE_N);
	t = now_s();
	assert_int_equal(binding_db_withdraw_instance(db, SXP, 1), SCALE_N);
	t_sxp_down = now_s() - t;
	assert_int_equal(r.reps, 2 * SCALE_N);
	assert_int_equal(r.dels, 0);

	/* Half withdrawn one by one, the rest as an instance. */
	t = now_s();
	for (uint32_t i = 0; i < SCALE_N; i += 2) {
		struct binding_key k = scale_key(i);

		if (binding_db_withdraw(db, &k, CLI, 0) != 0)
			fail_msg("withdraw %u failed", i);
	}
	t_wd = now_s() - t;
	t = now_s();
	assert_int_equal(binding_db_withdraw_instance(db, CLI, 0), SCALE_N / 2);
	t_wdi = now_s() - t;
	binding_db_counts(db, &c);
	assert_int_equal(c.prefixes, 0);
	assert_int_equal(r.adds, SCALE_N);
	assert_int_equal(r.dels, SCALE_N);
	assert_int_equal(r.reps, 2 * SCALE_N);

	print_message("1M bindings (90%% IPv4 /32, 10%% IPv6 /128):\n"
		      "  insert            %7.3f s (%.0f ns each)\n"
		      "  lookup            %7.3f s\n"
		      "  walk (sort)       %7.3f s\n"
		      "  walk (cached)     %7.3f s\n"
		      "  SXP over all      %7.3f s (1M replace events)\n"
		      "  SXP peer down     %7.3f s (1M replace events)\n"
		      "  withdraw 500k     %7.3f s\n"
		      "  withdraw inst 500k%7.3f s\n"
		      "  memory: %.1f bytes/binding with one view each "
		      "(%.1f MiB), %.1f with two\n",
		      t_ins, t_ins * 1e9 / SCALE_N, t_look, t_walk1, t_walk2,
		      t_sxp, t_sxp_down, t_wd, t_wdi,
		      (double)mem1 / SCALE_N, (double)mem1 / (1 << 20),
		      (double)mem2 / SCALE_N);
	db_free(&r);
}

/* ---- a random run against a naive model -------------------------------------- */

/* The (source, instance) pairs the run uses. */
static const struct {
	enum binding_source src;
	uint32_t inst;
} who[] = {
	{ CLI, 0 }, { SXP, 1 }, { SXP, 2 }, { SXP, 3 }, { ISE, 1 }, { ISE, 2 },
	{ INT, 0 },
};
#define N_WHO ARRAY_LEN(who)

struct mview {
	bool present;
	bool marked;
	sgt_t sgt;
	uint8_t psl;
	uint64_t seq;
};

struct model {
	size_t n_keys;
	struct binding_key *keys;       /* sorted in view order */
	struct mview (*v)[N_WHO];
	uint64_t seq;
};

struct mwin {
	bool present;
	sgt_t sgt;
	enum binding_source src;
};

static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* IOS's order, written out here rather than taken from the code under
 * test. */
static int
model_rank(enum binding_source src)
{
	switch (src) {
	case CLI:
		return 1;
	case SXP:
		return 2;
	case ISE:
		return 3;
	case INT:
		return 4;
	default:
		return 0;
	}
}

/* The rules, written as plainly as possible. */
static struct mwin
model_winner(const struct model *m, size_t key)
{
	struct mwin w = { false, 0, CLI };
	const struct mview *best = NULL;

	for (size_t j = 0; j < N_WHO; j++) {
		const struct mview *v = &m->v[key][j];
		bool better;

		if (!v->present)
			continue;
		if (best == NULL)
			better = true;
		else if (who[j].src != w.src)
			better = model_rank(who[j].src) > model_rank(w.src);
		else if (v->psl != best->psl)
			better = v->psl < best->psl;
		else
			better = v->seq > best->seq;
		if (better) {
			best = v;
			w.present = true;
			w.sgt = v->sgt;
			w.src = who[j].src;
		}
	}
	return w;
}

static int
key_qsort_cmp(const void *a, const void *b)
{
	return view_order(a, b);
}

/* spread: how many low address bits vary (few: prefixes nest and share
 * addresses; many: a big, busy index). */
static struct binding_key
random_key(uint64_t *s, unsigned spread)
{
	static const uint8_t v4_lens[] = { 0, 8, 16, 23, 24, 31, 32, 32, 32 };
	static const uint8_t v6_lens[] = { 0, 32, 48, 64, 127, 128, 128 };
	struct binding_key k = { 0 };
	uint64_t a = rnd(s), b = rnd(s);

	if (rnd(s) % 2) {
		k.family = AF_INET;
		k.prefix_len = v4_lens[rnd(s) % ARRAY_LEN(v4_lens)];
		/* A narrow range, so prefixes nest and share addresses. */
		a = 0x0a000000u | (a & ((1u << spread) - 1));
		a = k.prefix_len ? a & (0xffffffffu << (32 - k.prefix_len)) : 0;
		memcpy(k.addr, &(uint32_t){ htonl((uint32_t)a) }, 4);
	} else {
		k.family = AF_INET6;
		k.prefix_len = v6_lens[rnd(s) % ARRAY_LEN(v6_lens)];
		k.addr[0] = 0x20;
		k.addr[1] = 0x01;
		a &= (1u << spread) - 1;
		k.addr[13] = (uint8_t)(a >> 16);
		k.addr[14] = (uint8_t)(a >> 8);
		k.addr[15] = (uint8_t)a;
		(void)b;
		for (unsigned bit = k.prefix_len; bit < 128; bit++)
			k.addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	}
	assert_true(binding_key_valid(&k));
	return k;
}

static void
model_init(struct model *m, size_t want, unsigned spread, uint64_t *s)
{
	size_t n = 1;

	m->keys = calloc(want, sizeof(*m->keys));
	assert_non_null(m->keys);
	for (size_t i = 0; i < want; i++)
		m->keys[i] = random_key(s, spread);
	qsort(m->keys, want, sizeof(*m->keys), key_qsort_cmp);
	for (size_t i = 1; i < want; i++)
		if (view_order(&m->keys[i], &m->keys[n - 1]) != 0)
			m->keys[n++] = m->keys[i];
	m->n_keys = n;
	m->v = calloc(n, sizeof(*m->v));
	assert_non_null(m->v);
	m->seq = 0;
}

/* Adds to *want the report key's change implies, if any. */
static void
model_expect(const struct model *m, size_t key, const struct mwin *before,
	     struct ev *want, size_t *n)
{
	struct mwin after = model_winner(m, key);

	if (before->present == after.present &&
	    (!after.present || before->sgt == after.sgt))
		return;
	want[(*n)++] = (struct ev){ m->keys[key], before->sgt, after.sgt,
				    before->present, after.present,
				    after.present ? after.src : before->src };
}

/* Walks the db alongside the model's sorted keys. */
struct model_walk {
	const struct model *m;
	size_t next;            /* model key to look at next */
	size_t n;
};

static int
model_walk_fn(void *ctx, const struct binding_key *k, sgt_t sgt,
	      enum binding_source src)
{
	struct model_walk *w = ctx;
	struct mwin mw = { false, 0, CLI };

	while (w->next < w->m->n_keys) {
		mw = model_winner(w->m, w->next++);
		if (mw.present)
			break;
	}
	if (!mw.present)
		fail_msg("walk yields more prefixes than the model has");
	assert_memory_equal(k, &w->m->keys[w->next - 1], sizeof(*k));
	assert_int_equal(sgt, mw.sgt);
	assert_int_equal(src, mw.src);
	w->n++;
	return 0;
}

static void
model_check_all(struct recorder *r, const struct model *m)
{
	struct binding_db_counts c, mc = { 0 };
	struct model_walk w = { m, 0, 0 };

	for (size_t i = 0; i < m->n_keys; i++) {
		struct mwin mw = model_winner(m, i);
		enum binding_source src;
		sgt_t sgt;
		int rc = binding_db_lookup(r->db, &m->keys[i], &sgt, &src);

		for (size_t j = 0; j < N_WHO; j++)
			mc.views[who[j].src] += m->v[i][j].present;
		if (!mw.present) {
			assert_int_equal(rc, -ENOENT);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(sgt, mw.sgt);
		assert_int_equal(src, mw.src);
		mc.prefixes++;
		mc.winners[mw.src]++;
	}
	binding_db_counts(r->db, &c);
	assert_memory_equal(&c, &mc, sizeof(c));
	assert_int_equal(binding_db_foreach(r->db, NULL, model_walk_fn, &w), 0);
	assert_int_equal(w.n, mc.prefixes);
}

/* One random operation on db and model; the reports must match. */
static void
random_step(struct recorder *r, struct model *m, uint64_t *s, struct ev *want,
	    bool rare_whole)
{
	unsigned op = (unsigned)(rnd(s) % 100);

	/* Whole-instance steps walk every key of the model: fewer when the
	 * model is big. */
	if (op >= 85 && rare_whole && rnd(s) % 16 != 0)
		op = (unsigned)(rnd(s) % 85);
	size_t key = rnd(s) % m->n_keys;
	size_t j = rnd(s) % N_WHO;
	struct mview *v = &m->v[key][j];
	struct mwin before = model_winner(m, key);
	size_t n = 0;

	if (op < 55) {
		sgt_t sgt = (sgt_t)(10 + rnd(s) % 3);
		uint8_t psl = who[j].src == SXP ? (uint8_t)(1 + rnd(s) % 3) : 0;

		assert_int_equal(binding_db_set(r->db, &m->keys[key], who[j].src,
						who[j].inst, sgt, psl), 0);
		m->seq++;
		if (!v->present || v->sgt != sgt || v->psl != psl)
			*v = (struct mview){ true, false, sgt, psl, m->seq };
		v->marked = false;
		model_expect(m, key, &before, want, &n);
	} else if (op < 85) {
		int rc = binding_db_withdraw(r->db, &m->keys[key], who[j].src,
					     who[j].inst);

		assert_int_equal(rc, v->present ? 0 : -ENOENT);
		v->present = false;
		model_expect(m, key, &before, want, &n);
	} else {
		/* A whole-instance operation: withdraw, mark or sweep. */
		size_t count = 0;
		size_t got;

		for (size_t i = 0; i < m->n_keys; i++) {
			struct mview *iv = &m->v[i][j];
			struct mwin b = model_winner(m, i);

			if (!iv->present)
				continue;
			if (op < 89) {
				iv->present = false;
			} else if (op < 95) {
				iv->marked = true;
			} else if (iv->marked) {
				iv->present = false;
			} else {
				continue;
			}
			count++;
			model_expect(m, i, &b, want, &n);
		}
		if (op < 89)
			got = binding_db_withdraw_instance(r->db, who[j].src,
							   who[j].inst);
		else if (op < 95)
			got = binding_db_begin_refresh(r->db, who[j].src,
						       who[j].inst);
		else
			got = binding_db_end_refresh(r->db, who[j].src,
						     who[j].inst);
		assert_int_equal(got, count);
		expect_events_unordered(r, want, n);
		return;
	}
	expect_events(r, want, n);
}

static void
random_run(size_t n_keys, unsigned spread, size_t steps, uint64_t seed)
{
	struct recorder r;
	struct model m;
	uint64_t s = seed;
	struct ev *want;

	db_new(&r, seed);
	model_init(&m, n_keys, spread, &s);
	want = calloc(m.n_keys, sizeof(*want));
	assert_non_null(want);
	for (size_t i = 0; i < steps; i++) {
		random_step(&r, &m, &s, want, m.n_keys > 1000);
		if (i % 997 == 0)
			model_check_all(&r, &m);
	}
	model_check_all(&r, &m);
	print_message("%zu keys, %zu steps: %zu adds, %zu replaces, %zu deletes\n",
		      m.n_keys, steps, r.adds, r.reps, r.dels);
	free(want);
	free(m.keys);
	free(m.v);
	db_free(&r);
}

/* Few keys, many views each: priorities, ties, marks. */
static void
test_random_small(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 4; seed++)
		random_run(48, 10, 20000, seed);
}

/* Many keys: growth, probing and deletion in a busy index. */
static void
test_random_large(void **state)
{
	(void)state;
	random_run(20000, 20, 300000, 77);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_rules),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_priorities),
		cmocka_unit_test(test_set_reports),
		cmocka_unit_test(test_withdraw_handover),
		cmocka_unit_test(test_withdraw_instance),
		cmocka_unit_test(test_refresh),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_lookup_exact),
		cmocka_unit_test(test_iteration_order),
		cmocka_unit_test(test_million),
		cmocka_unit_test(test_random_small),
		cmocka_unit_test(test_random_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
