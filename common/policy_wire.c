/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy snapshots as bytes. One walk of the model writes (or, with no
 * buffer, sizes) the blob; decoding reads it through a bounded reader that
 * remembers its first failure, so every check below is "read, then test",
 * and any failure frees the partial model.
 */
#include "policy_wire.h"

#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "crc32.h"
#include "err_msg.h"
#include "wire_buf.h"

#define HDR_BYTES 24u            /* magic .. n_cells */
#define CRC_BYTES 4u
#define OFF_LENGTH 8u
#define FLAG_MONITOR_ALL 0x0001u
#define FLAGS_KNOWN FLAG_MONITOR_ALL
/* The smallest blob: header, an empty default cell, the CRC. */
#define MIN_BYTES (HDR_BYTES + 6u + CRC_BYTES)

/* Smallest encoding of each repeated element, to bound counts by bytes. */
#define MIN_NAME 4u              /* u16 sgt, u8 len, 1 byte */
#define MIN_SGACL 6u             /* u8 len, 1 byte, u32 n_aces */
#define MIN_ACE 3u               /* u16 len, 1 byte */
#define MIN_CELL 10u             /* u16 src, u16 dst, 2 x u8, u32 n */
#define MIN_INDEX 4u

/* Far above any real policy; each is also bounded by the input's size. */
#define MAX_NAMES 65536u
#define MAX_SGACLS (1u << 20)
#define MAX_ACES (1u << 20)
#define MAX_CELLS (1u << 24)
#define MAX_CELL_SGACLS 65536u

/* Names are printed in views and logs: no control characters. */
static bool
name_ok(const char *s, size_t len)
{
	if (len == 0 || len >= POLICY_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

/* "default cell" or "cell 3 (4 -> 10)", for messages only. */
static const char *
cell_label(const struct policy_cell *c, int64_t i, char *buf, size_t len)
{
	if (i < 0)
		snprintf(buf, len, "default cell");
	else
		snprintf(buf, len, "cell %lld (%u -> %u)", (long long)i, c->src,
			 c->dst);
	return buf;
}

/*
 * Encoding.
 */

struct enc {
	struct wire_writer w;
	const struct policy *p;
	char *err;
	size_t errlen;
};

static int
put_name(struct enc *e, const char *name, const char *what, uint32_t i)
{
	size_t len = strnlen(name, POLICY_NAME_MAX);

	if (!name_ok(name, len))
		return err_set(e->err, e->errlen, "%s %u: name is empty, longer "
			       "than %u bytes or has control characters", what,
			       i, POLICY_NAME_MAX - 1);
	wire_put_u8(&e->w, (uint8_t)len);
	wire_put_bytes(&e->w, name, len);
	return 0;
}

static int
put_names(struct enc *e)
{
	const struct policy *p = e->p;

	for (uint32_t i = 0; i < p->n_names; i++) {
		if (p->names[i].value > SGT_MAX)
			return err_set(e->err, e->errlen, "SGT name %u: value %u "
				       "is reserved", i, p->names[i].value);
		wire_put_u16(&e->w, p->names[i].value);
		if (put_name(e, p->names[i].name, "SGT name", i) < 0)
			return -1;
	}
	return 0;
}

/* The line as written, or (for a model built without text) its canonical
 * form; either way it must parse, since the receiver parses it. */
static int
put_ace(struct enc *e, const struct policy_sgacl *s, uint32_t j)
{
	char formatted[256];
	const char *text = s->ace_text != NULL ? s->ace_text[j] : NULL;
	struct sgacl_ace ace;
	struct sgacl_error perr;
	size_t len;

	if (text == NULL) {
		if (sgacl_ace_format(&s->aces[j], formatted, sizeof(formatted)) < 0)
			return err_set(e->err, e->errlen, "SGACL '%s' ACE %u has "
				       "no text and no textual form", s->name,
				       j + 1);
		text = formatted;
	}
	len = strlen(text);
	if (len == 0 || len > POLICY_WIRE_TEXT_MAX)
		return err_set(e->err, e->errlen, "SGACL '%s' ACE %u: text of "
			       "%zu bytes (1..%u)", s->name, j + 1, len,
			       POLICY_WIRE_TEXT_MAX);
	if (sgacl_ace_parse(text, &ace, &perr) < 0)
		return err_set(e->err, e->errlen, "SGACL '%s' ACE %u '%s': %s",
			       s->name, j + 1, text, perr.msg);
	wire_put_u16(&e->w, (uint16_t)len);
	wire_put_bytes(&e->w, text, len);
	return 0;
}

static int
put_sgacls(struct enc *e)
{
	const struct policy *p = e->p;

	for (uint32_t i = 0; i < p->n_sgacls; i++) {
		const struct policy_sgacl *s = &p->sgacls[i];

		if (put_name(e, s->name, "SGACL", i) < 0)
			return -1;
		if (s->n_aces > MAX_ACES || (s->n_aces > 0 && s->aces == NULL))
			return err_set(e->err, e->errlen, "SGACL '%s': %u ACEs "
				       "missing or more than %u", s->name,
				       s->n_aces, MAX_ACES);
		wire_put_u32(&e->w, s->n_aces);
		for (uint32_t j = 0; j < s->n_aces; j++) {
			if (put_ace(e, s, j) < 0)
				return -1;
		}
	}
	return 0;
}

/* i < 0: the default cell. */
static int
put_cell(struct enc *e, const struct policy_cell *c, int64_t i)
{
	char what[48];

	if (i >= 0 && (c->src > SGT_MAX || c->dst > SGT_MAX))
		return err_set(e->err, e->errlen, "%s: SGT 65535 is reserved",
			       cell_label(c, i, what, sizeof(what)));
	if (c->catch_all > POLICY_CATCH_ALL_DENY || c->mode > POLICY_CELL_DISABLED)
		return err_set(e->err, e->errlen, "%s: catch-all %u or mode %u "
			       "unknown", cell_label(c, i, what, sizeof(what)),
			       c->catch_all, c->mode);
	if (c->n_sgacls > MAX_CELL_SGACLS || (c->n_sgacls > 0 && c->sgacls == NULL))
		return err_set(e->err, e->errlen, "%s: %u SGACLs missing or "
			       "more than %u", cell_label(c, i, what, sizeof(what)),
			       c->n_sgacls, MAX_CELL_SGACLS);
	if (i >= 0) {
		wire_put_u16(&e->w, c->src);
		wire_put_u16(&e->w, c->dst);
	}
	wire_put_u8(&e->w, c->catch_all);
	wire_put_u8(&e->w, c->mode);
	wire_put_u32(&e->w, c->n_sgacls);
	for (uint32_t k = 0; k < c->n_sgacls; k++) {
		if (c->sgacls[k] >= e->p->n_sgacls)
			return err_set(e->err, e->errlen, "%s: SGACL index %u "
				       "out of range (%u SGACLs)",
				       cell_label(c, i, what, sizeof(what)),
				       c->sgacls[k], e->p->n_sgacls);
		wire_put_u32(&e->w, c->sgacls[k]);
	}
	return 0;
}

static int
put_cells(struct enc *e)
{
	const struct policy *p = e->p;

	if (p->default_cell.catch_all == POLICY_CATCH_ALL_NONE)
		return err_set(e->err, e->errlen, "default cell: catch-all must "
			       "be permit or deny");
	if (put_cell(e, &p->default_cell, -1) < 0)
		return -1;
	for (uint32_t i = 0; i < p->n_cells; i++) {
		if (put_cell(e, &p->cells[i], i) < 0)
			return -1;
	}
	return 0;
}

static int
check_counts(struct enc *e)
{
	const struct policy *p = e->p;

	if (p->n_names > MAX_NAMES || (p->n_names > 0 && p->names == NULL))
		return err_set(e->err, e->errlen, "%u SGT names: missing or more "
			       "than %u", p->n_names, MAX_NAMES);
	if (p->n_sgacls > MAX_SGACLS || (p->n_sgacls > 0 && p->sgacls == NULL))
		return err_set(e->err, e->errlen, "%u SGACLs: missing or more "
			       "than %u", p->n_sgacls, MAX_SGACLS);
	if (p->n_cells > MAX_CELLS || (p->n_cells > 0 && p->cells == NULL))
		return err_set(e->err, e->errlen, "%u cells: missing or more "
			       "than %u", p->n_cells, MAX_CELLS);
	return 0;
}

/* One pass: with a NULL buffer it only sizes (total in e->w.pos). */
static int
encode(struct enc *e)
{
	const struct policy *p = e->p;

	if (check_counts(e) < 0)
		return -1;
	wire_put_u32(&e->w, POLICY_WIRE_MAGIC);
	wire_put_u16(&e->w, POLICY_WIRE_VERSION);
	wire_put_u16(&e->w, p->monitor_all ? FLAG_MONITOR_ALL : 0);
	wire_put_u32(&e->w, 0); /* total length, patched below */
	wire_put_u32(&e->w, p->n_names);
	wire_put_u32(&e->w, p->n_sgacls);
	wire_put_u32(&e->w, p->n_cells);
	if (put_names(e) < 0 || put_sgacls(e) < 0 || put_cells(e) < 0)
		return -1;
	if (e->w.pos + CRC_BYTES > POLICY_WIRE_MAX_BYTES)
		return err_set(e->err, e->errlen, "policy of %zu bytes is larger "
			       "than %u", e->w.pos + CRC_BYTES,
			       POLICY_WIRE_MAX_BYTES);
	wire_patch_u32(&e->w, OFF_LENGTH, (uint32_t)(e->w.pos + CRC_BYTES));
	wire_put_u32(&e->w, e->w.buf != NULL && !e->w.overflow ?
		     sg_crc32(e->w.buf, e->w.pos) : 0);
	return 0;
}

int
policy_wire_encode_into(const struct policy *p, uint8_t *buf, size_t cap,
			size_t *len, char *err, size_t errlen)
{
	struct enc e = { .p = p, .err = err, .errlen = errlen };

	*len = 0;
	wire_writer_init(&e.w, NULL, 0);
	if (encode(&e) < 0)
		return -1;
	*len = e.w.pos;
	if (*len > cap)
		return err_set(err, errlen, "policy needs %zu bytes, room for %zu",
			       *len, cap);
	wire_writer_init(&e.w, buf, cap);
	if (encode(&e) < 0 || e.w.overflow || e.w.pos != *len)
		return err_set(err, errlen, "policy changed while encoding");
	return 0;
}

int
policy_wire_encode(const struct policy *p, uint8_t **blob, size_t *len,
		   char *err, size_t errlen)
{
	struct enc e = { .p = p, .err = err, .errlen = errlen };
	uint8_t *buf;

	*blob = NULL;
	*len = 0;
	wire_writer_init(&e.w, NULL, 0);
	if (encode(&e) < 0)
		return -1;
	buf = malloc(e.w.pos);
	if (buf == NULL)
		return err_set(err, errlen, "out of memory for a %zu-byte policy",
			       e.w.pos);
	if (policy_wire_encode_into(p, buf, e.w.pos, len, err, errlen) < 0) {
		free(buf);
		return -1;
	}
	*blob = buf;
	return 0;
}

/*
 * Decoding.
 */

struct dec {
	struct wire_reader r;
	struct policy *p;
};

/* A length-prefixed name into out (NUL-terminated). */
static bool
get_name(struct dec *d, char out[POLICY_NAME_MAX], const char *what,
	 uint32_t i)
{
	uint8_t len;
	const uint8_t *s;

	if (!wire_get_u8(&d->r, &len, what))
		return false;
	s = wire_get_ptr(&d->r, len, what);
	if (s == NULL)
		return false;
	if (!name_ok((const char *)s, len))
		return wire_fail(&d->r, "%s %u: name of %u bytes is empty, longer "
				 "than %u or has control characters", what, i,
				 len, POLICY_NAME_MAX - 1);
	memcpy(out, s, len);
	out[len] = '\0';
	return true;
}

static bool
get_names(struct dec *d, uint32_t n)
{
	struct policy *p = d->p;
	uint8_t *seen;
	bool ok = true;

	if (!wire_check_count(&d->r, n, MAX_NAMES, MIN_NAME, "SGT names"))
		return false;
	if (n == 0)
		return true;
	p->names = calloc(n, sizeof(*p->names));
	seen = calloc(65536, 1);
	if (p->names == NULL || seen == NULL) {
		free(seen);
		return wire_fail(&d->r, "out of memory for %u SGT names", n);
	}
	p->n_names = n;
	for (uint32_t i = 0; ok && i < n; i++) {
		uint16_t v;

		ok = wire_get_u16(&d->r, &v, "SGT value") &&
		     get_name(d, p->names[i].name, "SGT name", i);
		if (ok && (v > SGT_MAX || seen[v]))
			ok = wire_fail(&d->r, "SGT name %u: value %u %s", i, v,
				       v > SGT_MAX ? "is reserved" : "is named twice");
		if (ok) {
			seen[v] = 1;
			p->names[i].value = v;
		}
	}
	free(seen);
	return ok;
}

static bool
get_ace(struct dec *d, struct policy_sgacl *s, uint32_t j)
{
	struct sgacl_error perr;
	const uint8_t *t;
	uint16_t len;
	char *text;

	if (!wire_get_u16(&d->r, &len, "ACE length"))
		return false;
	if (len == 0 || len > POLICY_WIRE_TEXT_MAX)
		return wire_fail(&d->r, "SGACL '%s' ACE %u: text of %u bytes "
				 "(1..%u)", s->name, j + 1, len,
				 POLICY_WIRE_TEXT_MAX);
	t = wire_get_ptr(&d->r, len, "ACE text");
	if (t == NULL)
		return false;
	if (memchr(t, '\0', len) != NULL)
		return wire_fail(&d->r, "SGACL '%s' ACE %u: NUL in the text",
				 s->name, j + 1);
	text = strndup((const char *)t, len);
	if (text == NULL)
		return wire_fail(&d->r, "out of memory for ACE text");
	s->ace_text[j] = text;
	if (sgacl_ace_parse(text, &s->aces[j], &perr) < 0)
		return wire_fail(&d->r, "SGACL '%s' ACE %u '%s': %s", s->name,
				 j + 1, text, perr.msg);
	return true;
}

static bool
get_sgacl(struct dec *d, struct policy_sgacl *s, uint32_t i)
{
	uint32_t n;

	if (!get_name(d, s->name, "SGACL", i) ||
	    !wire_get_u32(&d->r, &n, "ACE count") ||
	    !wire_check_count(&d->r, n, MAX_ACES, MIN_ACE, "ACEs"))
		return false;
	if (n == 0)
		return true;
	s->aces = calloc(n, sizeof(*s->aces));
	s->ace_text = calloc(n, sizeof(*s->ace_text));
	if (s->aces == NULL || s->ace_text == NULL)
		return wire_fail(&d->r, "out of memory for %u ACEs", n);
	/* Set only now: policy_model_free walks ace_text up to n_aces. */
	s->n_aces = n;
	for (uint32_t j = 0; j < n; j++) {
		if (!get_ace(d, s, j))
			return false;
	}
	return true;
}

static bool
get_sgacls(struct dec *d, uint32_t n)
{
	struct policy *p = d->p;

	if (!wire_check_count(&d->r, n, MAX_SGACLS, MIN_SGACL, "SGACLs"))
		return false;
	if (n == 0)
		return true;
	p->sgacls = calloc(n, sizeof(*p->sgacls));
	if (p->sgacls == NULL)
		return wire_fail(&d->r, "out of memory for %u SGACLs", n);
	p->n_sgacls = n;
	for (uint32_t i = 0; i < n; i++) {
		if (!get_sgacl(d, &p->sgacls[i], i))
			return false;
	}
	return true;
}

static bool
get_cell_sgacls(struct dec *d, struct policy_cell *c, int64_t i, uint32_t n)
{
	char what[48];

	if (!wire_check_count(&d->r, n, MAX_CELL_SGACLS, MIN_INDEX,
			      cell_label(c, i, what, sizeof(what))))
		return false;
	if (n == 0)
		return true;
	c->sgacls = calloc(n, sizeof(*c->sgacls));
	if (c->sgacls == NULL)
		return wire_fail(&d->r, "%s: out of memory for %u SGACLs", what, n);
	c->n_sgacls = n;
	for (uint32_t k = 0; k < n; k++) {
		if (!wire_get_u32(&d->r, &c->sgacls[k], "SGACL index"))
			return false;
		if (c->sgacls[k] >= d->p->n_sgacls)
			return wire_fail(&d->r, "%s: SGACL index %u out of range "
					 "(%u SGACLs)", what, c->sgacls[k],
					 d->p->n_sgacls);
	}
	return true;
}

/* i < 0: the default cell, which has no src and dst on the wire. */
static bool
get_cell(struct dec *d, struct policy_cell *c, int64_t i)
{
	char what[48];
	uint32_t n;

	if (i >= 0) {
		if (!wire_get_u16(&d->r, &c->src, "cell source") ||
		    !wire_get_u16(&d->r, &c->dst, "cell destination"))
			return false;
		if (c->src > SGT_MAX || c->dst > SGT_MAX)
			return wire_fail(&d->r, "%s: SGT 65535 is reserved",
					 cell_label(c, i, what, sizeof(what)));
	}
	if (!wire_get_u8(&d->r, &c->catch_all, "catch-all") ||
	    !wire_get_u8(&d->r, &c->mode, "cell mode") ||
	    !wire_get_u32(&d->r, &n, "cell SGACL count"))
		return false;
	if (c->catch_all > POLICY_CATCH_ALL_DENY || c->mode > POLICY_CELL_DISABLED)
		return wire_fail(&d->r, "%s: catch-all %u or mode %u unknown",
				 cell_label(c, i, what, sizeof(what)),
				 c->catch_all, c->mode);
	return get_cell_sgacls(d, c, i, n);
}

static bool
get_cells(struct dec *d, uint32_t n)
{
	struct policy *p = d->p;

	if (!get_cell(d, &p->default_cell, -1))
		return false;
	if (p->default_cell.catch_all == POLICY_CATCH_ALL_NONE)
		return wire_fail(&d->r, "default cell: catch-all must be permit "
				 "or deny");
	if (!wire_check_count(&d->r, n, MAX_CELLS, MIN_CELL, "cells"))
		return false;
	if (n == 0)
		return true;
	p->cells = calloc(n, sizeof(*p->cells));
	if (p->cells == NULL)
		return wire_fail(&d->r, "out of memory for %u cells", n);
	p->n_cells = n;
	for (uint32_t i = 0; i < n; i++) {
		if (!get_cell(d, &p->cells[i], i))
			return false;
	}
	return true;
}

/* Magic, version, length and CRC, before anything else is believed. */
static bool
check_envelope(struct wire_reader *r, size_t len, uint16_t *flags)
{
	uint32_t magic, total, crc_stored, crc_real;
	struct wire_reader tail;
	uint16_t version;

	if (len < MIN_BYTES)
		return wire_fail(r, "policy blob of %zu bytes is shorter than the "
				 "%u-byte minimum", len, MIN_BYTES);
	wire_get_u32(r, &magic, "magic");
	wire_get_u16(r, &version, "version");
	wire_get_u16(r, flags, "flags");
	wire_get_u32(r, &total, "length");
	if (magic != POLICY_WIRE_MAGIC)
		return wire_fail(r, "not a policy blob (magic 0x%08x)", magic);
	if (version != POLICY_WIRE_VERSION)
		return wire_fail(r, "policy format version %u, expected %u",
				 version, POLICY_WIRE_VERSION);
	if (total != len)
		return wire_fail(r, "policy blob is %zu bytes, its header says %u",
				 len, total);
	wire_reader_init(&tail, r->buf + len - CRC_BYTES, CRC_BYTES, NULL, 0);
	wire_get_u32(&tail, &crc_stored, "CRC");
	crc_real = sg_crc32(r->buf, len - CRC_BYTES);
	if (crc_stored != crc_real)
		return wire_fail(r, "policy blob CRC 0x%08x, computed 0x%08x",
				 crc_stored, crc_real);
	if ((*flags & ~FLAGS_KNOWN) != 0)
		return wire_fail(r, "unknown policy flags 0x%04x", *flags);
	return true;
}

int
policy_wire_decode(const uint8_t *blob, size_t len, struct policy *out,
		   char *err, size_t errlen)
{
	struct dec d = { .p = out };
	uint32_t n_names, n_sgacls, n_cells;
	uint16_t flags = 0;

	memset(out, 0, sizeof(*out));
	if (blob == NULL)
		return err_set(err, errlen, "no policy blob");
	wire_reader_init(&d.r, blob, len, err, errlen);
	if (!check_envelope(&d.r, len, &flags))
		return -1;
	/* The body ends where the CRC starts. */
	d.r.len = len - CRC_BYTES;
	out->monitor_all = (flags & FLAG_MONITOR_ALL) != 0;
	wire_get_u32(&d.r, &n_names, "name count");
	wire_get_u32(&d.r, &n_sgacls, "SGACL count");
	wire_get_u32(&d.r, &n_cells, "cell count");
	if (get_names(&d, n_names) && get_sgacls(&d, n_sgacls) &&
	    get_cells(&d, n_cells) && wire_left(&d.r) != 0)
		wire_fail(&d.r, "%zu bytes after the last cell", wire_left(&d.r));
	if (d.r.failed) {
		policy_model_free(out);
		return -1;
	}
	return 0;
}
