/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy snapshots as bytes: the example configuration's policy and a
 * 4,096-SGT policy survive a round trip (same model, same compiled matrix,
 * same bytes when encoded again); every truncation and every byte flip is
 * refused; hand-built blobs with valid CRCs but bad contents are refused
 * with a message naming what is wrong; thousands of random buffers, and
 * random edits of a valid blob behind a fixed-up CRC, never crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "crc32.h"
#include "policy_wire.h"
#include "shm_channel.h"
#include "wire_buf.h"

#define EXAMPLE "../../config/sgtgw.example.yaml"
#define BIG_SGTS 4096u

/* A deterministic generator, so a failure can be replayed. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

/*
 * Models.
 */

static struct config *
example(void)
{
	char err[CONFIG_ERR_MAX];
	struct config *cfg = config_load(EXAMPLE, err, sizeof(err));

	if (cfg == NULL)
		fail_msg("%s", err);
	return cfg;
}

static void
big_sgacl(struct policy_sgacl *s, uint32_t i)
{
	static const char *const lines[] = {
		"permit tcp dst eq 443", "permit udp dst range 1000 2000 log",
		"deny tcp src neq 22", "permit icmp", "deny ip log",
	};
	uint32_t n = 1 + i % 4;

	snprintf(s->name, sizeof(s->name), "SGACL_%u", i);
	s->n_aces = n;
	s->aces = calloc(n, sizeof(*s->aces));
	s->ace_text = calloc(n, sizeof(*s->ace_text));
	assert_non_null(s->aces);
	assert_non_null(s->ace_text);
	for (uint32_t j = 0; j < n; j++) {
		struct sgacl_error e;

		s->ace_text[j] = strdup(lines[(i + j) % 5]);
		assert_non_null(s->ace_text[j]);
		assert_int_equal(sgacl_ace_parse(s->ace_text[j], &s->aces[j], &e), 0);
	}
}

/* 4,096 named SGTs, 32 SGACLs, 8 cells per source SGT. */
static void
big_policy(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	p->n_names = BIG_SGTS;
	p->names = calloc(BIG_SGTS, sizeof(*p->names));
	assert_non_null(p->names);
	for (uint32_t i = 0; i < BIG_SGTS; i++) {
		p->names[i].value = (sgt_t)(i + 2);
		snprintf(p->names[i].name, POLICY_NAME_MAX, "Group_%u", i + 2);
	}
	p->n_sgacls = 32;
	p->sgacls = calloc(32, sizeof(*p->sgacls));
	assert_non_null(p->sgacls);
	for (uint32_t i = 0; i < 32; i++)
		big_sgacl(&p->sgacls[i], i);
	p->n_cells = BIG_SGTS * 8;
	p->cells = calloc(p->n_cells, sizeof(*p->cells));
	assert_non_null(p->cells);
	for (uint32_t i = 0; i < p->n_cells; i++) {
		struct policy_cell *c = &p->cells[i];

		c->src = (sgt_t)(i / 8 + 2);
		c->dst = (sgt_t)((i / 8 + 1 + (i % 8) * 509) % BIG_SGTS + 2);
		c->catch_all = (uint8_t)(i % 3);
		c->mode = (uint8_t)(i % 7 == 0 ? POLICY_CELL_MONITOR : 0);
		c->n_sgacls = i % 3;
		c->sgacls = c->n_sgacls ? calloc(c->n_sgacls, sizeof(uint32_t)) : NULL;
		for (uint32_t k = 0; k < c->n_sgacls; k++)
			c->sgacls[k] = (i + k) % 32;
	}
	p->default_cell.catch_all = POLICY_CATCH_ALL_DENY;
	p->default_cell.n_sgacls = 1;
	p->default_cell.sgacls = calloc(1, sizeof(uint32_t));
	assert_non_null(p->default_cell.sgacls);
	p->default_cell.sgacls[0] = 3;
	p->monitor_all = true;
}

/*
 * Comparisons.
 */

static void
same_ace(const struct sgacl_ace *a, const struct sgacl_ace *b)
{
	assert_int_equal(a->action, b->action);
	assert_int_equal(a->log, b->log);
	assert_int_equal(a->proto, b->proto);
	assert_int_equal(a->src.lo, b->src.lo);
	assert_int_equal(a->src.hi, b->src.hi);
	assert_int_equal(a->src.invert, b->src.invert);
	assert_int_equal(a->src.present, b->src.present);
	assert_int_equal(a->dst.lo, b->dst.lo);
	assert_int_equal(a->dst.hi, b->dst.hi);
	assert_int_equal(a->dst.invert, b->dst.invert);
	assert_int_equal(a->dst.present, b->dst.present);
}

static void
same_cell(const struct policy_cell *a, const struct policy_cell *b)
{
	assert_int_equal(a->src, b->src);
	assert_int_equal(a->dst, b->dst);
	assert_int_equal(a->catch_all, b->catch_all);
	assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->n_sgacls, b->n_sgacls);
	for (uint32_t k = 0; k < a->n_sgacls; k++)
		assert_int_equal(a->sgacls[k], b->sgacls[k]);
}

static void
same_model(const struct policy *a, const struct policy *b)
{
	assert_int_equal(a->n_names, b->n_names);
	for (uint32_t i = 0; i < a->n_names; i++) {
		assert_int_equal(a->names[i].value, b->names[i].value);
		assert_string_equal(a->names[i].name, b->names[i].name);
	}
	assert_int_equal(a->n_sgacls, b->n_sgacls);
	for (uint32_t i = 0; i < a->n_sgacls; i++) {
		const struct policy_sgacl *x = &a->sgacls[i], *y = &b->sgacls[i];

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->n_aces, y->n_aces);
		for (uint32_t j = 0; j < x->n_aces; j++) {
			assert_string_equal(x->ace_text[j], y->ace_text[j]);
			same_ace(&x->aces[j], &y->aces[j]);
		}
	}
	assert_int_equal(a->n_cells, b->n_cells);
	for (uint32_t i = 0; i < a->n_cells; i++)
		same_cell(&a->cells[i], &b->cells[i]);
	same_cell(&a->default_cell, &b->default_cell);
	assert_int_equal(a->monitor_all, b->monitor_all);
}

static void
same_compiled(const struct policy *a, const struct policy *b)
{
	char err[256];
	struct policy_compiled *x = policy_compile(a, err, sizeof(err));
	struct policy_compiled *y = policy_compile(b, err, sizeof(err));

	if (x == NULL || y == NULL)
		fail_msg("compile: %s", err);
	assert_int_equal(x->n_idx, y->n_idx);
	assert_int_equal(x->n_cells, y->n_cells);
	assert_int_equal(x->n_aces, y->n_aces);
	assert_memory_equal(x->sgt_idx, y->sgt_idx, sizeof(x->sgt_idx));
	assert_int_equal(x->matrix == NULL, y->matrix == NULL);
	if (x->matrix != NULL)
		assert_memory_equal(x->matrix, y->matrix, (size_t)x->n_idx *
				    x->n_idx * sizeof(*x->matrix));
	else
		assert_memory_equal(x->buckets, y->buckets,
				    ((size_t)x->bucket_mask + 1) *
				    sizeof(*x->buckets));
	for (uint32_t i = 0; i < x->n_aces; i++)
		same_ace(&x->aces[i], &y->aces[i]);
	policy_compiled_free(x);
	policy_compiled_free(y);
}

/* Encode, decode, compare; returns the blob for further abuse. */
static uint8_t *
round_trip(const struct policy *p, size_t *len)
{
	uint8_t *blob, *again;
	size_t again_len;
	struct policy back;
	char err[512];

	if (policy_wire_encode(p, &blob, len, err, sizeof(err)) != 0)
		fail_msg("encode: %s", err);
	if (policy_wire_decode(blob, *len, &back, err, sizeof(err)) != 0)
		fail_msg("decode: %s", err);
	same_model(p, &back);
	same_compiled(p, &back);
	assert_int_equal(policy_wire_encode(&back, &again, &again_len, err,
					    sizeof(err)), 0);
	assert_int_equal(again_len, *len);
	assert_memory_equal(again, blob, *len);
	free(again);
	policy_model_free(&back);
	return blob;
}

/* Each call must fail with a message and leave *out empty. */
static void
refused(const uint8_t *blob, size_t len, const char *want)
{
	struct policy out;
	char err[512] = "";

	if (policy_wire_decode(blob, len, &out, err, sizeof(err)) == 0) {
		policy_model_free(&out);
		fail_msg("%zu bytes decoded (expected '%s')", len,
			 want ? want : "a refusal");
	}
	if (err[0] == '\0')
		fail_msg("refused without a message");
	if (want != NULL && strstr(err, want) == NULL)
		fail_msg("'%s' does not say '%s'", err, want);
	assert_int_equal(out.n_names + out.n_sgacls + out.n_cells, 0);
	assert_null(out.names);
	assert_null(out.sgacls);
	assert_null(out.cells);
}

static void
test_example_round_trip(void **state)
{
	struct config *cfg = example();
	uint8_t *blob, *buf;
	size_t len, len2;
	char err[256] = "";

	(void)state;
	blob = round_trip(&cfg->policy, &len);
	/* encode_into: exact room works, one byte less is refused. */
	buf = malloc(len);
	assert_non_null(buf);
	assert_int_equal(policy_wire_encode_into(&cfg->policy, buf, len, &len2,
						 err, sizeof(err)), 0);
	assert_memory_equal(buf, blob, len);
	assert_int_equal(policy_wire_encode_into(&cfg->policy, buf, len - 1, &len2,
						 err, sizeof(err)), -1);
	assert_int_equal(len2, len);
	assert_non_null(strstr(err, "needs"));
	free(buf);
	free(blob);
	config_free(cfg);
}

static void
test_big_round_trip(void **state)
{
	struct policy p;
	uint8_t *blob;
	size_t len;

	(void)state;
	big_policy(&p);
	blob = round_trip(&p, &len);
	print_message("4,096-SGT policy, %u cells: %zu bytes\n", p.n_cells, len);
	/* It fits a snapshot slot of the default size. */
	assert_true(len < SHM_CHANNEL_SLOT_DEFAULT);
	free(blob);
	policy_model_free(&p);
}

static void
test_every_truncation(void **state)
{
	struct config *cfg = example();
	struct policy big;
	uint8_t *blob;
	size_t len;

	(void)state;
	blob = round_trip(&cfg->policy, &len);
	for (size_t n = 0; n < len; n++)
		refused(blob, n, NULL);
	free(blob);
	config_free(cfg);

	big_policy(&big);
	blob = round_trip(&big, &len);
	for (size_t n = 0; n < len; n += 4093)
		refused(blob, n, NULL);
	for (size_t n = len - 64; n < len; n++)
		refused(blob, n, NULL);
	free(blob);
	policy_model_free(&big);
}

static void
test_byte_flips(void **state)
{
	struct config *cfg = example();
	uint8_t *blob;
	size_t len;

	(void)state;
	blob = round_trip(&cfg->policy, &len);
	for (int i = 0; i < 5000; i++) {
		size_t at = rnd() % len;
		uint8_t x = (uint8_t)(1 + rnd() % 255);

		blob[at] ^= x;
		refused(blob, len, NULL);
		blob[at] ^= x;
	}
	/* Past the length field, a flip can only be the CRC's to catch. */
	blob[len / 2] ^= 0x10;
	refused(blob, len, "CRC");
	free(blob);
	config_free(cfg);
}

/* Random buffers: most die at the magic; some start like a blob. */
static void
test_random_buffers(void **state)
{
	uint8_t buf[2048];

	(void)state;
	for (int i = 0; i < 5000; i++) {
		size_t len = rnd() % sizeof(buf);
		struct policy out;

		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)rnd();
		if (i % 2 && len >= 12) {
			struct wire_writer w;

			wire_writer_init(&w, buf, 12);
			wire_put_u32(&w, POLICY_WIRE_MAGIC);
			wire_put_u16(&w, POLICY_WIRE_VERSION);
			wire_put_u16(&w, 0);
			wire_put_u32(&w, (uint32_t)len);
		}
		if (policy_wire_decode(buf, len, &out, NULL, 0) == 0)
			policy_model_free(&out);
	}
}

static void
fix_crc(uint8_t *blob, size_t len)
{
	struct wire_writer w;

	wire_writer_init(&w, blob + len - 4, 4);
	wire_put_u32(&w, sg_crc32(blob, len - 4));
}

/*
 * Random edits of a valid blob with the CRC fixed up, so the body parser
 * itself meets bad counts, lengths, indices and text. Whatever decodes
 * encodes back to the same bytes and compiles or is refused cleanly.
 */
static void
test_edits_behind_crc(void **state)
{
	struct config *cfg = example();
	uint8_t *blob, *copy, *again;
	size_t len, again_len;
	int decoded = 0;

	(void)state;
	blob = round_trip(&cfg->policy, &len);
	copy = malloc(len);
	assert_non_null(copy);
	for (int i = 0; i < 20000; i++) {
		struct policy out;
		struct policy_compiled *pc;
		char err[512];

		memcpy(copy, blob, len);
		for (uint32_t k = 1 + rnd() % 3; k > 0; k--)
			copy[12 + rnd() % (len - 16)] = (uint8_t)rnd();
		fix_crc(copy, len);
		if (policy_wire_decode(copy, len, &out, err, sizeof(err)) != 0) {
			assert_true(strlen(err) > 0);
			continue;
		}
		decoded++;
		assert_int_equal(policy_wire_encode(&out, &again, &again_len, err,
						    sizeof(err)), 0);
		assert_int_equal(again_len, len);
		assert_memory_equal(again, copy, len);
		free(again);
		pc = policy_compile(&out, err, sizeof(err));
		policy_compiled_free(pc);
		policy_model_free(&out);
	}
	print_message("%d of 20000 edited blobs still decoded\n", decoded);
	free(copy);
	free(blob);
	config_free(cfg);
}

/*
 * Hand-built blobs: valid envelope, bad contents.
 */

struct blob {
	uint8_t buf[1024];
	struct wire_writer w;
};

static void
begin(struct blob *b, uint16_t version, uint16_t flags, uint32_t n_names,
      uint32_t n_sgacls, uint32_t n_cells)
{
	wire_writer_init(&b->w, b->buf, sizeof(b->buf));
	wire_put_u32(&b->w, POLICY_WIRE_MAGIC);
	wire_put_u16(&b->w, version);
	wire_put_u16(&b->w, flags);
	wire_put_u32(&b->w, 0);
	wire_put_u32(&b->w, n_names);
	wire_put_u32(&b->w, n_sgacls);
	wire_put_u32(&b->w, n_cells);
}

static void
put_str8(struct blob *b, const char *s)
{
	wire_put_u8(&b->w, (uint8_t)strlen(s));
	wire_put_bytes(&b->w, s, strlen(s));
}

static void
put_cell(struct blob *b, uint8_t catch_all, uint8_t mode, uint32_t n,
	 uint32_t idx)
{
	wire_put_u8(&b->w, catch_all);
	wire_put_u8(&b->w, mode);
	wire_put_u32(&b->w, n);
	for (uint32_t i = 0; i < n; i++)
		wire_put_u32(&b->w, idx);
}

static size_t
finish(struct blob *b)
{
	size_t len = b->w.pos + 4;

	assert_false(b->w.overflow);
	wire_patch_u32(&b->w, 8, (uint32_t)len);
	wire_put_u32(&b->w, sg_crc32(b->buf, b->w.pos));
	assert_false(b->w.overflow);
	return len;
}

/* One SGACL "S" with one ACE of the given text (length as given). */
static void
one_sgacl(struct blob *b, const char *text, size_t text_len)
{
	put_str8(b, "S");
	wire_put_u32(&b->w, 1);
	wire_put_u16(&b->w, (uint16_t)text_len);
	wire_put_bytes(&b->w, text, text_len);
}

static void
test_minimal_blob(void **state)
{
	struct blob b;
	struct policy out;
	size_t len;

	(void)state;
	begin(&b, 1, 0, 0, 0, 0);
	put_cell(&b, POLICY_CATCH_ALL_PERMIT, 0, 0, 0);
	len = finish(&b);
	assert_int_equal(policy_wire_decode(b.buf, len, &out, NULL, 0), 0);
	assert_int_equal(out.default_cell.catch_all, POLICY_CATCH_ALL_PERMIT);
	policy_model_free(&out);
}

static void
test_bad_contents(void **state)
{
	struct blob b;

	(void)state;
	begin(&b, 1, 0, 2, 0, 0);
	wire_put_u16(&b.w, 5);
	put_str8(&b, "A");
	wire_put_u16(&b.w, 5);
	put_str8(&b, "B");
	put_cell(&b, POLICY_CATCH_ALL_PERMIT, 0, 0, 0);
	refused(b.buf, finish(&b), "value 5 is named twice");

	begin(&b, 1, 0, 1, 0, 0);
	wire_put_u16(&b.w, 0xFFFF);
	put_str8(&b, "X");
	put_cell(&b, POLICY_CATCH_ALL_PERMIT, 0, 0, 0);
	refused(b.buf, finish(&b), "value 65535 is reserved");

	begin(&b, 1, 0, 1, 0, 0);
	wire_put_u16(&b.w, 5);
	put_str8(&b, "A\tB");
	put_cell(&b, POLICY_CATCH_ALL_PERMIT, 0, 0, 0);
	refused(b.buf, finish(&b), "control characters");

	begin(&b, 1, 0, 1, 0, 0);
	wire_put_u16(&b.w, 5);
	put_str8(&b, "");
	put_cell(&b, POLICY_CATCH_ALL_PERMIT, 0, 0, 0);
	refused(b.buf, finish(&b), "name of 0 bytes");

	begin(&b, 1, 0, 0, 1, 0);
	one_sgacl(&b, "permit foo", 10);
	put_cell(&b, POLICY_CATCH_ALL_PERMIT, 0, 0, 0);
	refused(b.buf, finish(&b), "SGACL 'S' ACE 1 'permit foo'");

	begin(&b, 1, 0, 0, 1, 0);
	one_sgacl(&b, "permit ip\0x", 11);
	put_cell(&b, POLICY_CATCH_ALL_PERMIT, 0, 0, 0);
	refused(b.buf, finish(&b), "NUL in the text");

	begin(&b, 1, 0, 0, 1, 0);
	one_sgacl(&b, "", 0);
	put_cell(&b, POLICY_CATCH_ALL_PERMIT, 0, 0, 0);
	refused(b.buf, finish(&b), "text of 0 bytes");

	begin(&b, 1, 0, 0, 1, 1);
	one_sgacl(&b, "permit ip", 9);
	put_cell(&b, POLICY_CATCH_ALL_PERMIT, 0, 0, 0);
	wire_put_u16(&b.w, 4);
	wire_put_u16(&b.w, 10);
	put_cell(&b, POLICY_CATCH_ALL_DENY, 0, 1, 3);
	refused(b.buf, finish(&b), "cell 0 (4 -> 10): SGACL index 3 out of range");

	begin(&b, 1, 0, 0, 0, 1);
	put_cell(&b, POLICY_CATCH_ALL_PERMIT, 0, 0, 0);
	wire_put_u16(&b.w, 0xFFFF);
	wire_put_u16(&b.w, 10);
	put_cell(&b, POLICY_CATCH_ALL_DENY, 0, 0, 0);
	refused(b.buf, finish(&b), "SGT 65535 is reserved");

	begin(&b, 1, 0, 0, 0, 0);
	put_cell(&b, POLICY_CATCH_ALL_NONE, 0, 0, 0);
	refused(b.buf, finish(&b), "default cell: catch-all must be permit or deny");

	begin(&b, 1, 0, 0, 0, 0);
	put_cell(&b, 3, 0, 0, 0);
	refused(b.buf, finish(&b), "default cell: catch-all 3");

	begin(&b, 1, 0, 0, 0, 0);
	put_cell(&b, POLICY_CATCH_ALL_DENY, 9, 0, 0);
	refused(b.buf, finish(&b), "mode 9 unknown");

	begin(&b, 1, 0, 0, 0, 0);
	put_cell(&b, POLICY_CATCH_ALL_PERMIT, 0, 0, 0);
	wire_put_u8(&b.w, 0);
	refused(b.buf, finish(&b), "1 bytes after the last cell");

	begin(&b, 1, 0, 0, 0, 0xFFFFFFFF);
	put_cell(&b, POLICY_CATCH_ALL_PERMIT, 0, 0, 0);
	refused(b.buf, finish(&b), "cells: 4294967295 is more than");

	begin(&b, 1, 0, 0x10000, 0, 0);
	put_cell(&b, POLICY_CATCH_ALL_PERMIT, 0, 0, 0);
	refused(b.buf, finish(&b), "SGT names: 65536 cannot fit");

	begin(&b, 1, 0, 0, 0, 0);
	put_cell(&b, POLICY_CATCH_ALL_PERMIT, 0, 0, 0);
	wire_patch_u32(&b.w, b.w.pos - 4, 70000); /* the count, no indices */
	refused(b.buf, finish(&b), "default cell: 70000 is more than 65536");
}

static void
test_bad_envelope(void **state)
{
	struct blob b;
	size_t len;

	(void)state;
	begin(&b, 2, 0, 0, 0, 0);
	put_cell(&b, POLICY_CATCH_ALL_PERMIT, 0, 0, 0);
	refused(b.buf, finish(&b), "format version 2, expected 1");

	begin(&b, 1, 0x8000, 0, 0, 0);
	put_cell(&b, POLICY_CATCH_ALL_PERMIT, 0, 0, 0);
	refused(b.buf, finish(&b), "unknown policy flags 0x8000");

	begin(&b, 1, 0, 0, 0, 0);
	put_cell(&b, POLICY_CATCH_ALL_PERMIT, 0, 0, 0);
	len = finish(&b);
	b.buf[0] = 'X';
	fix_crc(b.buf, len);
	refused(b.buf, len, "not a policy blob");

	begin(&b, 1, 0, 0, 0, 0);
	put_cell(&b, POLICY_CATCH_ALL_PERMIT, 0, 0, 0);
	len = finish(&b);
	b.buf[len] = 0;
	refused(b.buf, len + 1, "its header says");
	refused(b.buf, len - 1, "shorter than the 34-byte minimum");
	b.buf[len - 1] ^= 1;
	refused(b.buf, len, "CRC");
	refused(b.buf, 3, "shorter than");
	refused(NULL, 100, "no policy blob");
}

/* What the encoder refuses rather than write something undecodable. */
static void
test_encoder_refuses(void **state)
{
	struct config *cfg = example();
	struct policy *p = &cfg->policy;
	uint8_t *blob;
	size_t len;
	char err[256] = "", *saved;
	uint8_t catch_all;

	(void)state;
	p->names[0].name[0] = '\n';
	assert_int_equal(policy_wire_encode(p, &blob, &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "SGT name 0"));
	assert_null(blob);
	p->names[0].name[0] = 'U';

	saved = p->sgacls[0].ace_text[0];
	p->sgacls[0].ace_text[0] = "permit tcp dst eq 99999";
	assert_int_equal(policy_wire_encode(p, &blob, &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "SGACL 'Allow_Web' ACE 1"));
	p->sgacls[0].ace_text[0] = saved;

	catch_all = p->default_cell.catch_all;
	p->default_cell.catch_all = POLICY_CATCH_ALL_NONE;
	assert_int_equal(policy_wire_encode(p, &blob, &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "default cell"));
	p->default_cell.catch_all = catch_all;

	p->cells[0].sgacls[0] = 1000;
	assert_int_equal(policy_wire_encode(p, &blob, &len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "SGACL index 1000 out of range"));
	config_free(cfg);
}

/* A model built without text is sent in canonical text. */
static void
test_text_from_parsed_aces(void **state)
{
	struct config *cfg = example();
	struct policy *p = &cfg->policy, back;
	struct policy_sgacl *s = &p->sgacls[1];
	char **text = s->ace_text;
	uint8_t *blob;
	size_t len;
	char err[256];

	(void)state;
	s->ace_text = NULL;
	assert_int_equal(policy_wire_encode(p, &blob, &len, err, sizeof(err)), 0);
	s->ace_text = text;
	assert_int_equal(policy_wire_decode(blob, len, &back, err, sizeof(err)), 0);
	assert_string_equal(back.sgacls[1].ace_text[0],
			    "permit tcp dst eq 5432 log");
	same_ace(&back.sgacls[1].aces[1], &s->aces[1]);
	policy_model_free(&back);
	free(blob);
	config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_round_trip),
		cmocka_unit_test(test_big_round_trip),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_byte_flips),
		cmocka_unit_test(test_random_buffers),
		cmocka_unit_test(test_edits_behind_crc),
		cmocka_unit_test(test_minimal_blob),
		cmocka_unit_test(test_bad_contents),
		cmocka_unit_test(test_bad_envelope),
		cmocka_unit_test(test_encoder_refuses),
		cmocka_unit_test(test_text_from_parsed_aces),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
