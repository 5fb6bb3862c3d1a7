/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy compiler: compact indices, the default cell, catch-all fall-through,
 * disabled and monitor cells, first match across SGACLs, the match-all
 * short-circuit, model errors and a 4,096-SGT matrix. Every decision is
 * checked the way a worker reaches it: policy_cell_of, then policy_decide.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "policy.h"

/*
 * Building a model on the heap, as the config loader does, so that
 * policy_model_free is exercised on every test.
 */

/* Room for element n: capacity doubles at each power of two, so building
 * 65,534 cells stays linear. */
static void *
grow(void *arr, uint32_t n, size_t elem)
{
	void *p;

	if (n != 0 && (n & (n - 1)) != 0)
		return arr;
	p = realloc(arr, (size_t)(n ? 2 * n : 1) * elem);
	assert_non_null(p);
	return p;
}

static void
add_name(struct policy *p, sgt_t value, const char *name)
{
	p->names = grow(p->names, p->n_names, sizeof(*p->names));
	p->names[p->n_names].value = value;
	snprintf(p->names[p->n_names].name, POLICY_NAME_MAX, "%s", name);
	p->n_names++;
}

/* An SGACL from its lines (NULL-terminated list); returns its index. */
static uint32_t
add_sgacl(struct policy *p, const char *name, const char *const *lines)
{
	struct policy_sgacl *s;
	uint32_t n = 0;

	while (lines[n] != NULL)
		n++;
	p->sgacls = grow(p->sgacls, p->n_sgacls, sizeof(*p->sgacls));
	s = &p->sgacls[p->n_sgacls];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->n_aces = n;
	s->aces = calloc(n ? n : 1, sizeof(*s->aces));
	s->ace_text = calloc(n ? n : 1, sizeof(*s->ace_text));
	assert_non_null(s->aces);
	assert_non_null(s->ace_text);
	for (uint32_t i = 0; i < n; i++) {
		struct sgacl_error err;

		if (sgacl_ace_parse(lines[i], &s->aces[i], &err) != 0)
			fail_msg("'%s': %s", lines[i], err.msg);
		s->ace_text[i] = strdup(lines[i]);
		assert_non_null(s->ace_text[i]);
	}
	return p->n_sgacls++;
}

#define SGACL(p, name, ...) add_sgacl((p), (name), (const char *const[]){ __VA_ARGS__, NULL })

static void
set_sgacls(struct policy_cell *c, uint32_t n, const uint32_t *idx)
{
	c->n_sgacls = n;
	c->sgacls = n ? malloc(n * sizeof(*c->sgacls)) : NULL;
	if (n)
		assert_non_null(c->sgacls);
	for (uint32_t i = 0; i < n; i++)
		c->sgacls[i] = idx[i];
}

static void
add_cell(struct policy *p, sgt_t src, sgt_t dst, uint8_t catch_all,
	 uint8_t mode, uint32_t n, const uint32_t *idx)
{
	struct policy_cell *c;

	p->cells = grow(p->cells, p->n_cells, sizeof(*p->cells));
	c = &p->cells[p->n_cells++];
	memset(c, 0, sizeof(*c));
	c->src = src;
	c->dst = dst;
	c->catch_all = catch_all;
	c->mode = mode;
	set_sgacls(c, n, idx);
}

#define IDX(...) (sizeof((uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t)), (const uint32_t[]){ __VA_ARGS__ }
#define NO_SGACLS 0, NULL

#define NONE POLICY_CATCH_ALL_NONE
#define PERMIT_ALL POLICY_CATCH_ALL_PERMIT
#define DENY_ALL POLICY_CATCH_ALL_DENY
#define ENFORCE POLICY_CELL_ENFORCE
#define MONITOR POLICY_CELL_MONITOR
#define DISABLED POLICY_CELL_DISABLED

static void
set_default(struct policy *p, uint8_t catch_all, uint32_t n, const uint32_t *idx)
{
	free(p->default_cell.sgacls);
	p->default_cell.catch_all = catch_all;
	set_sgacls(&p->default_cell, n, idx);
}

static void assert_quick_agrees(const struct policy_compiled *pc);

static struct policy_compiled *
compile_ok(const struct policy *p)
{
	char err[256] = "";
	struct policy_compiled *pc = policy_compile(p, err, sizeof(err));

	if (pc == NULL)
		fail_msg("compile failed: %s", err);
	assert_quick_agrees(pc);
	return pc;
}

static void
compile_fails(const struct policy *p, const char *want)
{
	char err[256] = "";

	assert_null(policy_compile(p, err, sizeof(err)));
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' does not say '%s'", err, want);
	/* A caller may not want the message. */
	assert_null(policy_compile(p, NULL, 0));
}

/*
 * Packets and decisions.
 */

static struct sgacl_pkt
tcp(uint16_t dport)
{
	return (struct sgacl_pkt){ .proto = 6, .has_ports = true, .sport = 40000,
				   .dport = dport };
}

static struct sgacl_pkt
udp(uint16_t dport)
{
	return (struct sgacl_pkt){ .proto = 17, .has_ports = true, .sport = 40000,
				   .dport = dport };
}

static const struct sgacl_pkt icmp4 = { .proto = 1 };

struct verdict {
	enum sgacl_action action;
	uint32_t hit;   /* compiled ACE index, UINT32_MAX for the final action */
	bool log;
	uint32_t cell;
};

static struct verdict
decide(const struct policy_compiled *pc, sgt_t src, sgt_t dst,
       struct sgacl_pkt pkt)
{
	struct verdict v;

	v.cell = policy_cell_of(pc, src, dst);
	assert_true(v.cell < pc->n_cells);
	v.action = policy_decide(pc, v.cell, &pkt, &v.hit, &v.log);
	return v;
}

/* The written ACE behind a decision: SGACL index and ACE index, or the
 * catch-all. */
static void
assert_origin(const struct policy_compiled *pc, const struct verdict *v,
	      uint32_t sgacl, uint32_t ace)
{
	const struct policy_ace_origin *o;

	if (v->hit == UINT32_MAX)
		o = &pc->final_origin[v->cell];
	else
		o = &pc->origin[v->hit];
	assert_int_equal(o->sgacl, sgacl);
	assert_int_equal(o->ace, ace);
}

#define CATCH_ALL_OF(cell) POLICY_ORIGIN_CATCH_ALL, (cell)

/* Every compiled policy: a cell's quick word, which is all a worker
 * reads of a cell, decides as policy_decide does for any packet (verdict
 * as counted, whether it logs, which ACE); a cell without ACEs needs no
 * run, one with ACEs names a run that holds exactly its ACEs. */
static void
assert_quick_agrees(const struct policy_compiled *pc)
{
	const struct sgacl_pkt pkts[] = {
		tcp(80), tcp(443), tcp(22), udp(53), udp(54), icmp4,
		{ .proto = 17, .later_frag = true },
	};

	assert_non_null(pc->quick);
	assert_int_equal(pc->runs[0].ace_count, 0);
	for (uint32_t id = 0; id < pc->n_cells; id++) {
		const struct policy_compiled_cell *c = &pc->cells[id];
		uint32_t q = pc->quick[id];
		uint32_t run = q >> POLICY_QUICK_RUN_SHIFT;

		assert_true(run < pc->n_runs);
		if (c->ace_count == 0) {
			assert_int_equal(q & ~(uint32_t)(POLICY_QUICK_VERDICT |
							 POLICY_QUICK_LOG), 0);
		} else {
			assert_true(q & POLICY_QUICK_ACES);
			assert_int_equal(pc->runs[run].ace_first, c->ace_first);
			assert_int_equal(pc->runs[run].ace_count, c->ace_count);
		}
		for (size_t k = 0; k < sizeof(pkts) / sizeof(pkts[0]); k++) {
			uint32_t hit, quick_hit;
			bool log;
			enum sgacl_action a = policy_decide(pc, id, &pkts[k],
							    &hit, &log);
			uint8_t v = policy_decide_quick(pc, q, &pkts[k],
							&quick_hit);

			assert_int_equal(v & POLICY_QUICK_VERDICT,
					 policy_verdict_of(a, c->monitor));
			assert_int_equal((v & POLICY_QUICK_LOG) != 0, log);
			assert_int_equal(quick_hit, hit);
		}
	}
}

/*
 * Tests.
 */

static void
test_indices(void **state)
{
	struct policy p = { 0 };
	struct policy_compiled *pc;
	uint32_t web = SGACL(&p, "web", "permit tcp dst eq 80");

	(void)state;
	set_default(&p, DENY_ALL, NO_SGACLS);
	add_cell(&p, 10, 20, DENY_ALL, ENFORCE, IDX(web));
	add_cell(&p, 40, 50, DENY_ALL, DISABLED, IDX(web));
	add_cell(&p, 20, 30, DENY_ALL, MONITOR, IDX(web));
	add_cell(&p, 0, 20, PERMIT_ALL, ENFORCE, NO_SGACLS);
	pc = compile_ok(&p);

	/* Order of first appearance in enabled cells; the rest share 0. */
	assert_int_equal(pc->n_idx, 5);
	assert_int_equal(pc->sgt_idx[10], 1);
	assert_int_equal(pc->sgt_idx[20], 2);
	assert_int_equal(pc->sgt_idx[30], 3);
	assert_int_equal(pc->sgt_idx[0], 4);
	assert_int_equal(pc->sgt_idx[40], 0);
	assert_int_equal(pc->sgt_idx[50], 0);
	assert_int_equal(pc->sgt_idx[65535], 0);
	assert_int_equal(pc->n_cells, 4); /* default + three enabled */
	assert_ptr_equal(pc->model, &p);
	assert_int_equal(pc->generation, 0);

	/* Compiled cells follow the model's order, skipping disabled ones. */
	assert_true(pc->cells[0].is_default);
	assert_int_equal(policy_cell_of(pc, 10, 20), 1);
	assert_int_equal(policy_cell_of(pc, 20, 30), 2);
	assert_int_equal(policy_cell_of(pc, 0, 20), 3);
	assert_int_equal(pc->cells[1].src, 10);
	assert_int_equal(pc->cells[1].dst, 20);
	assert_false(pc->cells[1].is_default);

	/* Pairs without a cell, and unnamed SGTs, take the default cell. */
	assert_int_equal(policy_cell_of(pc, 20, 10), POLICY_DEFAULT_CELL);
	assert_int_equal(policy_cell_of(pc, 10, 30), POLICY_DEFAULT_CELL);
	assert_int_equal(policy_cell_of(pc, 7, 99), POLICY_DEFAULT_CELL);
	assert_int_equal(policy_cell_of(pc, 10, 99), POLICY_DEFAULT_CELL);
	assert_int_equal(policy_cell_of(pc, 40, 50), POLICY_DEFAULT_CELL);

	assert_int_equal(decide(pc, 10, 20, tcp(80)).action, SGACL_PERMIT);
	assert_int_equal(decide(pc, 10, 20, tcp(81)).action, SGACL_DENY);
	assert_int_equal(decide(pc, 7, 99, tcp(80)).action, SGACL_DENY);
	assert_int_equal(decide(pc, 0, 20, tcp(1)).action, SGACL_PERMIT);
	assert_int_equal(decide(pc, 0, 30, tcp(1)).action, SGACL_DENY);
	policy_compiled_free(pc);
	policy_model_free(&p);
	assert_int_equal(p.n_sgacls, 0);
	assert_null(p.cells);
}

static void
test_default_cell(void **state)
{
	struct policy p = { 0 };
	struct policy_compiled *pc;
	struct verdict v;
	uint32_t telnet = SGACL(&p, "no-telnet", "deny tcp dst eq 23 log");

	(void)state;
	set_default(&p, PERMIT_ALL, IDX(telnet));
	pc = compile_ok(&p);
	assert_int_equal(pc->n_idx, 1);
	assert_int_equal(pc->n_cells, 1);
	assert_true(pc->cells[0].is_default);
	assert_int_equal(pc->cells[0].ace_count, 1);
	assert_int_equal(pc->cells[0].final_action, SGACL_PERMIT);
	assert_false(pc->cells[0].final_log);

	v = decide(pc, 5, 6, tcp(23));
	assert_int_equal(v.cell, POLICY_DEFAULT_CELL);
	assert_int_equal(v.action, SGACL_DENY);
	assert_true(v.log);
	assert_origin(pc, &v, telnet, 0);

	assert_int_equal(decide(pc, 5, 6, icmp4).action, SGACL_PERMIT);
	v = decide(pc, 5, 6, tcp(80));
	assert_int_equal(v.action, SGACL_PERMIT);
	assert_int_equal(v.hit, UINT32_MAX);
	assert_false(v.log);
	assert_origin(pc, &v, CATCH_ALL_OF(POLICY_DEFAULT_CELL));
	policy_compiled_free(pc);
	policy_model_free(&p);
}

static void
test_catch_all_none_falls_through(void **state)
{
	struct policy p = { 0 };
	struct policy_compiled *pc;
	struct verdict v;
	uint32_t https = SGACL(&p, "https", "permit tcp dst eq 443");
	uint32_t dns = SGACL(&p, "no-dns", "deny udp dst eq 53", "permit udp log");

	(void)state;
	set_default(&p, DENY_ALL, IDX(dns));
	add_cell(&p, 10, 20, NONE, ENFORCE, IDX(https));
	add_cell(&p, 10, 30, NONE, ENFORCE, NO_SGACLS);
	add_cell(&p, 10, 40, PERMIT_ALL, ENFORCE, IDX(https));
	pc = compile_ok(&p);

	/* Own ACEs, then the default's, then the default's catch-all. */
	assert_int_equal(pc->cells[1].ace_count, 3);
	v = decide(pc, 10, 20, tcp(443));
	assert_int_equal(v.action, SGACL_PERMIT);
	assert_origin(pc, &v, https, 0);
	v = decide(pc, 10, 20, udp(53));
	assert_int_equal(v.action, SGACL_DENY);
	assert_origin(pc, &v, dns, 0);
	v = decide(pc, 10, 20, udp(54));
	assert_int_equal(v.action, SGACL_PERMIT);
	assert_true(v.log);
	assert_origin(pc, &v, dns, 1);
	v = decide(pc, 10, 20, tcp(80));
	assert_int_equal(v.action, SGACL_DENY);
	assert_int_equal(v.hit, UINT32_MAX);
	assert_origin(pc, &v, CATCH_ALL_OF(POLICY_DEFAULT_CELL));

	/* An empty cell that falls through decides exactly as the default. */
	assert_int_equal(pc->cells[2].ace_count, pc->cells[0].ace_count);
	/* ... and shares its ACEs rather than copying them: default 2 + own
	 * and default 3 + the permit cell's 1. */
	assert_int_equal(pc->cells[2].ace_first, pc->cells[0].ace_first);
	assert_int_equal(pc->n_aces, 6);
	assert_int_equal(decide(pc, 10, 30, udp(53)).action, SGACL_DENY);
	assert_int_equal(decide(pc, 10, 30, udp(99)).action, SGACL_PERMIT);
	assert_int_equal(decide(pc, 10, 30, tcp(443)).action, SGACL_DENY);
	assert_int_equal(decide(pc, 10, 30, tcp(443)).cell, 2);

	/* A catch-all of its own stops before the default. */
	assert_int_equal(pc->cells[3].ace_count, 1);
	v = decide(pc, 10, 40, udp(53));
	assert_int_equal(v.action, SGACL_PERMIT);
	assert_origin(pc, &v, CATCH_ALL_OF(3));
	policy_compiled_free(pc);
	policy_model_free(&p);
}

static void
test_disabled_cell(void **state)
{
	struct policy p = { 0 };
	struct policy_compiled *pc;
	uint32_t deny = SGACL(&p, "deny-all", "deny ip");

	(void)state;
	set_default(&p, PERMIT_ALL, NO_SGACLS);
	add_cell(&p, 10, 20, DENY_ALL, DISABLED, IDX(deny));
	add_cell(&p, 10, 30, DENY_ALL, ENFORCE, IDX(deny));
	pc = compile_ok(&p);
	assert_int_equal(pc->n_cells, 2);
	assert_int_equal(decide(pc, 10, 20, tcp(1)).cell, POLICY_DEFAULT_CELL);
	assert_int_equal(decide(pc, 10, 20, tcp(1)).action, SGACL_PERMIT);
	assert_int_equal(decide(pc, 10, 30, tcp(1)).action, SGACL_DENY);
	/* 20 appears only in the disabled cell. */
	assert_int_equal(pc->sgt_idx[20], 0);
	policy_compiled_free(pc);
	policy_model_free(&p);
}

static void
test_monitor(void **state)
{
	struct policy p = { 0 };
	struct policy_compiled *pc;
	uint32_t deny = SGACL(&p, "deny-all", "deny ip");

	(void)state;
	set_default(&p, DENY_ALL, NO_SGACLS);
	add_cell(&p, 10, 20, DENY_ALL, MONITOR, IDX(deny));
	add_cell(&p, 10, 30, DENY_ALL, ENFORCE, IDX(deny));
	pc = compile_ok(&p);
	assert_true(pc->cells[policy_cell_of(pc, 10, 20)].monitor);
	assert_false(pc->cells[policy_cell_of(pc, 10, 30)].monitor);
	assert_false(pc->cells[POLICY_DEFAULT_CELL].monitor);
	/* Counted as monitored (forwarded), denied (dropped). */
	assert_int_equal(pc->quick[policy_cell_of(pc, 10, 20)],
			 POLICY_VERDICT_MONITOR);
	assert_int_equal(pc->quick[policy_cell_of(pc, 10, 30)],
			 POLICY_VERDICT_DENY);
	/* Monitor still judges: the decision is deny, the worker counts it. */
	assert_int_equal(decide(pc, 10, 20, tcp(1)).action, SGACL_DENY);
	policy_compiled_free(pc);

	p.monitor_all = true;
	pc = compile_ok(&p);
	for (uint32_t i = 0; i < pc->n_cells; i++)
		assert_true(pc->cells[i].monitor);
	policy_compiled_free(pc);
	policy_model_free(&p);
}

static void
test_first_match_across_sgacls(void **state)
{
	struct policy p = { 0 };
	struct policy_compiled *pc;
	struct verdict v;
	uint32_t a = SGACL(&p, "A", "permit tcp dst eq 80", "deny tcp dst range 1 1024");
	uint32_t b = SGACL(&p, "B", "permit tcp dst eq 443", "deny udp log");

	(void)state;
	set_default(&p, DENY_ALL, NO_SGACLS);
	add_cell(&p, 1, 2, PERMIT_ALL, ENFORCE, IDX(a, b));
	add_cell(&p, 2, 1, PERMIT_ALL, ENFORCE, IDX(b, a));
	pc = compile_ok(&p);
	assert_int_equal(pc->cells[1].ace_count, 4);

	v = decide(pc, 1, 2, tcp(443)); /* A's range comes first */
	assert_int_equal(v.action, SGACL_DENY);
	assert_origin(pc, &v, a, 1);
	v = decide(pc, 1, 2, tcp(80));
	assert_int_equal(v.action, SGACL_PERMIT);
	assert_origin(pc, &v, a, 0);
	v = decide(pc, 1, 2, udp(53));
	assert_int_equal(v.action, SGACL_DENY);
	assert_true(v.log);
	assert_origin(pc, &v, b, 1);
	v = decide(pc, 1, 2, tcp(2000));
	assert_int_equal(v.action, SGACL_PERMIT);
	assert_origin(pc, &v, CATCH_ALL_OF(1));

	v = decide(pc, 2, 1, tcp(443)); /* B first: permitted */
	assert_int_equal(v.action, SGACL_PERMIT);
	assert_origin(pc, &v, b, 0);
	policy_compiled_free(pc);
	policy_model_free(&p);
}

/* Cells whose ACE lists are the same share one copy; each still decides
 * by its own catch-all, and every hit names the SGACL line it came from. */
static void
test_shared_ace_lists(void **state)
{
	struct policy p = { 0 };
	struct policy_compiled *pc;
	struct verdict v;
	uint32_t web = SGACL(&p, "web", "permit tcp dst eq 80", "permit tcp dst eq 443");
	uint32_t dns = SGACL(&p, "dns", "permit udp dst eq 53 log");
	uint32_t ssh = SGACL(&p, "ssh", "deny tcp dst eq 22");
	const struct policy_compiled_cell *c;
	uint32_t hit;

	(void)state;
	set_default(&p, DENY_ALL, IDX(dns));
	add_cell(&p, 10, 20, DENY_ALL, ENFORCE, IDX(web));     /* 1 */
	add_cell(&p, 10, 30, PERMIT_ALL, ENFORCE, IDX(web));   /* 2: as 1 */
	add_cell(&p, 10, 40, DENY_ALL, ENFORCE, IDX(web, dns)); /* 3: own */
	add_cell(&p, 10, 50, NONE, ENFORCE, IDX(web));         /* 4: web + dns */
	add_cell(&p, 10, 60, NONE, MONITOR, IDX(web));         /* 5: as 3, 4 */
	add_cell(&p, 10, 70, PERMIT_ALL, ENFORCE, IDX(dns));   /* 6: as default */
	add_cell(&p, 10, 80, PERMIT_ALL, ENFORCE, IDX(ssh));   /* 7 */
	add_cell(&p, 10, 90, PERMIT_ALL, MONITOR, IDX(ssh));   /* 8: as 7 */
	pc = compile_ok(&p);
	assert_quick_agrees(pc);

	c = pc->cells;
	assert_int_equal(c[2].ace_first, c[1].ace_first);
	assert_int_equal(c[2].ace_count, 2);
	assert_int_equal(c[4].ace_first, c[3].ace_first);
	assert_int_equal(c[5].ace_first, c[3].ace_first);
	assert_int_equal(c[5].ace_count, 3);
	assert_int_equal(c[6].ace_first, c[0].ace_first);
	assert_int_not_equal(c[3].ace_first, c[1].ace_first);
	assert_int_equal(c[8].ace_first, c[7].ace_first);
	/* default 1, web 2, web + dns 3, ssh 1: nothing else kept. */
	assert_int_equal(pc->n_aces, 7);
	assert_int_equal(pc->n_runs, 5);

	/* Shared ACEs, each cell's own final action and mode. */
	assert_int_equal(decide(pc, 10, 20, tcp(22)).action, SGACL_DENY);
	v = decide(pc, 10, 30, tcp(22));
	assert_int_equal(v.action, SGACL_PERMIT);
	assert_origin(pc, &v, CATCH_ALL_OF(2));
	v = decide(pc, 10, 30, tcp(443));
	assert_int_equal(v.action, SGACL_PERMIT);
	assert_origin(pc, &v, web, 1);
	v = decide(pc, 10, 50, udp(53));
	assert_int_equal(v.action, SGACL_PERMIT);
	assert_true(v.log);
	assert_origin(pc, &v, dns, 0);
	v = decide(pc, 10, 50, udp(54));
	assert_int_equal(v.action, SGACL_DENY);
	assert_origin(pc, &v, CATCH_ALL_OF(POLICY_DEFAULT_CELL));
	assert_true(pc->cells[5].monitor);
	assert_false(pc->cells[4].monitor);
	v = decide(pc, 10, 70, udp(54));
	assert_int_equal(v.action, SGACL_PERMIT);
	assert_origin(pc, &v, CATCH_ALL_OF(6));
	v = decide(pc, 10, 70, udp(53));
	assert_origin(pc, &v, dns, 0);
	/* One shared deny ACE: dropped by one cell, monitored by the other. */
	assert_int_equal(policy_decide_quick(pc, pc->quick[7], &(struct sgacl_pkt){
		.proto = 6, .has_ports = true, .dport = 22 }, &hit),
		POLICY_VERDICT_DENY);
	assert_int_equal(hit, c[7].ace_first);
	assert_int_equal(policy_decide_quick(pc, pc->quick[8], &(struct sgacl_pkt){
		.proto = 6, .has_ports = true, .dport = 22 }, &hit),
		POLICY_VERDICT_MONITOR);
	policy_compiled_free(pc);
	policy_model_free(&p);
}

static void
test_match_all_short_circuit(void **state)
{
	struct policy p = { 0 };
	struct policy_compiled *pc;
	struct verdict v;
	uint32_t pip = SGACL(&p, "permit-ip", "permit ip");
	uint32_t dip = SGACL(&p, "deny-ip-log", "deny ip log");
	uint32_t ssh = SGACL(&p, "ssh-only", "permit tcp dst eq 22", "deny ip",
			     "permit udp");
	uint32_t web = SGACL(&p, "web", "permit tcp dst eq 80");

	(void)state;
	set_default(&p, DENY_ALL, IDX(web));
	add_cell(&p, 1, 2, DENY_ALL, ENFORCE, IDX(pip));
	add_cell(&p, 1, 3, PERMIT_ALL, ENFORCE, IDX(dip));
	add_cell(&p, 1, 4, PERMIT_ALL, ENFORCE, IDX(ssh, web));
	add_cell(&p, 1, 5, NONE, ENFORCE, IDX(pip));
	pc = compile_ok(&p);

	/* "permit ip" alone: no ACEs, the catch-all never reached. */
	assert_int_equal(pc->cells[1].ace_count, 0);
	v = decide(pc, 1, 2, udp(9));
	assert_int_equal(v.action, SGACL_PERMIT);
	assert_false(v.log);
	assert_origin(pc, &v, pip, 0);

	/* "deny ip log": the log travels to the final action. */
	assert_int_equal(pc->cells[2].ace_count, 0);
	assert_true(pc->cells[2].final_log);
	assert_int_equal(pc->quick[2], POLICY_VERDICT_DENY | POLICY_QUICK_LOG);
	assert_int_equal(pc->quick[1], POLICY_VERDICT_PERMIT);
	v = decide(pc, 1, 3, tcp(80));
	assert_int_equal(v.action, SGACL_DENY);
	assert_true(v.log);
	assert_origin(pc, &v, dip, 0);

	/* Everything after "deny ip" is dropped, the later SGACL included. */
	assert_int_equal(pc->cells[3].ace_count, 1);
	assert_int_equal(decide(pc, 1, 4, tcp(22)).action, SGACL_PERMIT);
	v = decide(pc, 1, 4, tcp(80));
	assert_int_equal(v.action, SGACL_DENY);
	assert_origin(pc, &v, ssh, 1);
	assert_int_equal(decide(pc, 1, 4, udp(1)).action, SGACL_DENY);

	/* A match-all before a "none" catch-all: no fall-through. */
	assert_int_equal(pc->cells[4].ace_count, 0);
	assert_int_equal(decide(pc, 1, 5, tcp(1)).action, SGACL_PERMIT);
	policy_compiled_free(pc);

	/* The same holds in the default cell, over its catch-all. */
	set_default(&p, DENY_ALL, IDX(pip, web));
	pc = compile_ok(&p);
	assert_int_equal(pc->cells[0].ace_count, 0);
	v = decide(pc, 9, 9, tcp(1));
	assert_int_equal(v.action, SGACL_PERMIT);
	assert_origin(pc, &v, pip, 0);
	/* A cell falling through inherits it. */
	assert_int_equal(decide(pc, 1, 5, tcp(1)).action, SGACL_PERMIT);
	policy_compiled_free(pc);
	policy_model_free(&p);
}

static void
test_model_errors(void **state)
{
	struct policy p = { 0 };
	uint32_t web = SGACL(&p, "web", "permit tcp dst eq 80");

	(void)state;
	compile_fails(&p, "default policy needs a catch-all of permit or deny");
	set_default(&p, 7, NO_SGACLS);
	compile_fails(&p, "default policy needs a catch-all of permit or deny");
	set_default(&p, DENY_ALL, IDX(5));
	compile_fails(&p, "default cell: SGACL index 5 out of range");
	set_default(&p, DENY_ALL, NO_SGACLS);

	add_cell(&p, 10, 20, DENY_ALL, ENFORCE, IDX(web));
	add_cell(&p, 10, 30, DENY_ALL, ENFORCE, IDX(web));
	add_cell(&p, 10, 20, PERMIT_ALL, DISABLED, NO_SGACLS);
	compile_fails(&p, "duplicate cell 10 -> 20");
	p.cells[2].dst = 40;
	policy_compiled_free(compile_ok(&p));

	p.cells[1].sgacls[0] = 1;
	compile_fails(&p, "cell 10 -> 30: SGACL index 1 out of range");
	p.cells[1].sgacls[0] = web;
	p.cells[1].catch_all = 3;
	compile_fails(&p, "cell 10 -> 30: catch-all 3");
	p.cells[1].catch_all = NONE;
	p.cells[1].mode = 3;
	compile_fails(&p, "cell 10 -> 30: mode 3");
	p.cells[1].mode = ENFORCE;
	p.sgacls[web].aces[0].action = 2;
	compile_fails(&p, "SGACL 'web' ACE 1: bad action 2");
	p.sgacls[web].aces[0].action = SGACL_PERMIT;

	/* A message cut to a tiny buffer is still a string. */
	char tiny[8];
	p.default_cell.catch_all = NONE;
	assert_null(policy_compile(&p, tiny, sizeof(tiny)));
	assert_string_equal(tiny, "default");
	policy_model_free(&p);
}

static void
test_limits(void **state)
{
	struct policy p = { 0 };
	struct policy_compiled *pc;

	(void)state;
	set_default(&p, PERMIT_ALL, NO_SGACLS);
	/* One SGT too many, each in a cell of its own. */
	for (uint32_t i = 1; i <= POLICY_MAX_SGTS + 1; i++)
		add_cell(&p, (sgt_t)i, (sgt_t)i, DENY_ALL, ENFORCE, NO_SGACLS);
	compile_fails(&p, "more than 8192 SGTs");
	/* Disabled cells do not count. */
	p.cells[p.n_cells - 1].mode = DISABLED;
	pc = compile_ok(&p);
	assert_int_equal(pc->n_idx, POLICY_MAX_SGTS + 1);
	assert_int_equal(decide(pc, POLICY_MAX_SGTS, POLICY_MAX_SGTS, tcp(1)).action,
			 SGACL_DENY);
	assert_int_equal(decide(pc, POLICY_MAX_SGTS + 1, POLICY_MAX_SGTS + 1, tcp(1)).action,
			 SGACL_PERMIT);
	policy_compiled_free(pc);
	policy_model_free(&p);

	/* Compiled cells: the default plus at most POLICY_MAX_CELLS - 1. */
	set_default(&p, PERMIT_ALL, NO_SGACLS);
	for (uint32_t i = 0; i < POLICY_MAX_CELLS; i++)
		add_cell(&p, (sgt_t)(i / 256), (sgt_t)(i % 256), DENY_ALL, ENFORCE,
			 NO_SGACLS);
	compile_fails(&p, "65534 enabled cells");
	p.cells[0].mode = DISABLED;
	pc = compile_ok(&p);
	assert_int_equal(pc->n_cells, POLICY_MAX_CELLS);
	assert_int_equal(decide(pc, 255, 253, tcp(1)).cell, POLICY_MAX_CELLS - 1);
	assert_int_equal(decide(pc, 0, 0, tcp(1)).cell, POLICY_DEFAULT_CELL);
	policy_compiled_free(pc);
	policy_model_free(&p);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 4,096 SGTs in a ring of cells: SGT 100+i may talk to 100+i+1 on one
 * SGACL or the other; every other pair takes the default. */
static void
test_4096_sgts(void **state)
{
	enum { N = 4096, BASE = 100 };
	struct policy p = { 0 };
	struct policy_compiled *pc;
	uint32_t web = SGACL(&p, "web", "permit tcp dst eq 80", "permit tcp dst eq 443");
	uint32_t dns = SGACL(&p, "dns", "permit udp dst eq 53 log");
	double t0;

	(void)state;
	set_default(&p, DENY_ALL, NO_SGACLS);
	for (uint32_t i = 0; i < N; i++)
		add_cell(&p, (sgt_t)(BASE + i), (sgt_t)(BASE + (i + 1) % N),
			 i % 2 ? NONE : DENY_ALL, ENFORCE,
			 IDX(i % 2 ? dns : web));
	t0 = now_s();
	pc = compile_ok(&p);
	assert_true(now_s() - t0 < 1.0);
	assert_int_equal(pc->n_idx, N + 1);
	assert_int_equal(pc->n_cells, N + 1);
	/* 4,096 cells, two ACE lists. */
	assert_int_equal(pc->n_aces, 3);

	static const uint32_t samples[] = { 0, 1, 2, 1000, 2047, 4094, 4095 };
	for (size_t s = 0; s < sizeof(samples) / sizeof(samples[0]); s++) {
		uint32_t i = samples[s];
		sgt_t src = (sgt_t)(BASE + i), dst = (sgt_t)(BASE + (i + 1) % N);
		struct verdict v;

		assert_int_equal(pc->sgt_idx[src], i + 1);
		assert_int_equal(decide(pc, src, dst, tcp(443)).action,
				 i % 2 ? SGACL_DENY : SGACL_PERMIT);
		v = decide(pc, src, dst, udp(53));
		assert_int_equal(v.action, i % 2 ? SGACL_PERMIT : SGACL_DENY);
		assert_int_equal(v.log, i % 2 == 1);
		assert_int_equal(v.cell, i + 1);
		/* The reverse direction has no cell. */
		assert_int_equal(decide(pc, dst, src, tcp(80)).cell,
				 POLICY_DEFAULT_CELL);
	}
	assert_int_equal(decide(pc, BASE, BASE + 2, tcp(80)).action, SGACL_DENY);
	assert_int_equal(decide(pc, 1, BASE + 1, tcp(80)).action, SGACL_DENY);
	policy_compiled_free(pc);
	policy_model_free(&p);
}

/* Above POLICY_DENSE_MAX the matrix is a hash of the enabled pairs: every
 * pair of 800 SGTs must find what a dense matrix would hold. */
static void
test_sparse_matrix_every_pair(void **state)
{
	enum { N = 800, BASE = 2, CELLS = 6000 };
	static uint16_t want[N][N];
	struct policy p = { 0 };
	struct policy_compiled *pc;
	uint64_t rs = 0x5350415253ULL;
	uint32_t made = 0, i, j;

	(void)state;
	memset(want, 0, sizeof(want));
	set_default(&p, DENY_ALL, NO_SGACLS);
	/* Every SGT in some cell, so that all N get an index. */
	for (i = 0; i < N; i++) {
		add_cell(&p, (sgt_t)(BASE + i), (sgt_t)(BASE + i), PERMIT_ALL,
			 ENFORCE, NO_SGACLS);
		want[i][i] = (uint16_t)++made;
	}
	while (made < CELLS) {
		rs = rs * 6364136223846793005ULL + 1442695040888963407ULL;
		i = (uint32_t)(rs >> 33) % N;
		j = (uint32_t)(rs >> 17) % N;
		if (want[i][j] != 0)
			continue;
		add_cell(&p, (sgt_t)(BASE + i), (sgt_t)(BASE + j), PERMIT_ALL,
			 ENFORCE, NO_SGACLS);
		want[i][j] = (uint16_t)++made;
	}
	pc = compile_ok(&p);
	assert_null(pc->matrix);
	assert_non_null(pc->buckets);
	assert_true((pc->bucket_mask + 1) * POLICY_BUCKET_PAIRS >= 2 * CELLS);
	for (i = 0; i < N; i++)
		for (j = 0; j < N; j++)
			if (policy_cell_of(pc, (sgt_t)(BASE + i), (sgt_t)(BASE + j)) !=
			    want[i][j])
				fail_msg("%u -> %u: cell %u, want %u", BASE + i,
					 BASE + j, policy_cell_of(pc, (sgt_t)(BASE + i),
					 (sgt_t)(BASE + j)), want[i][j]);
	/* SGTs in no cell, on either side. */
	assert_int_equal(policy_cell_of(pc, 1, BASE), POLICY_DEFAULT_CELL);
	assert_int_equal(policy_cell_of(pc, BASE, 1), POLICY_DEFAULT_CELL);
	assert_int_equal(policy_cell_of(pc, 65535, 0), POLICY_DEFAULT_CELL);
	policy_compiled_free(pc);
	policy_model_free(&p);

	/* A small policy keeps the dense matrix. */
	set_default(&p, DENY_ALL, NO_SGACLS);
	add_cell(&p, 10, 20, PERMIT_ALL, ENFORCE, NO_SGACLS);
	pc = compile_ok(&p);
	assert_non_null(pc->matrix);
	assert_null(pc->buckets);
	assert_int_equal(policy_cell_of(pc, 10, 20), 1);
	policy_compiled_free(pc);
	policy_model_free(&p);
}

static void
test_names(void **state)
{
	struct policy p = { 0 };

	(void)state;
	add_name(&p, 10, "Employees");
	add_name(&p, 20, "Servers");
	add_name(&p, 0, "Unknown");
	SGACL(&p, "web", "permit tcp dst eq 80");
	SGACL(&p, "dns", "permit udp dst eq 53");

	assert_string_equal(policy_sgt_name(&p, 10), "Employees");
	assert_string_equal(policy_sgt_name(&p, 0), "Unknown");
	assert_null(policy_sgt_name(&p, 30));
	assert_int_equal(policy_sgt_by_name(&p, "Servers"), 20);
	assert_int_equal(policy_sgt_by_name(&p, "Unknown"), 0);
	assert_int_equal(policy_sgt_by_name(&p, "servers"), -1);
	assert_int_equal(policy_sgt_by_name(&p, "Serv"), -1);
	assert_int_equal(policy_sgacl_by_name(&p, "dns"), 1);
	assert_int_equal(policy_sgacl_by_name(&p, "web"), 0);
	assert_int_equal(policy_sgacl_by_name(&p, "ssh"), -1);
	policy_model_free(&p);
	assert_int_equal(p.n_names, 0);
	assert_null(policy_sgt_name(&p, 10));
	/* Freeing twice, or nothing, is harmless. */
	policy_model_free(&p);
	policy_model_free(NULL);
	policy_compiled_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_indices),
		cmocka_unit_test(test_default_cell),
		cmocka_unit_test(test_catch_all_none_falls_through),
		cmocka_unit_test(test_disabled_cell),
		cmocka_unit_test(test_monitor),
		cmocka_unit_test(test_first_match_across_sgacls),
		cmocka_unit_test(test_shared_ace_lists),
		cmocka_unit_test(test_match_all_short_circuit),
		cmocka_unit_test(test_model_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_4096_sgts),
		cmocka_unit_test(test_sparse_matrix_every_pair),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
