/* SPDX-License-Identifier: BSD-3-Clause */
#include "wire_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
wire_writer_init(struct wire_writer *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = buf != NULL ? cap : 0;
	w->pos = 0;
	w->overflow = false;
}

void
wire_put_bytes(struct wire_writer *w, const void *p, size_t n)
{
	if (w->buf != NULL) {
		if (w->overflow || n > w->cap - w->pos) {
			w->overflow = true;
		} else if (n > 0) {
			memcpy(w->buf + w->pos, p, n);
		}
	}
	w->pos += n;
}

uint8_t *
wire_reserve(struct wire_writer *w, size_t n)
{
	uint8_t *p = NULL;

	if (w->buf != NULL && !w->overflow && n <= w->cap - w->pos)
		p = w->buf + w->pos;
	else if (w->buf != NULL)
		w->overflow = true;
	w->pos += n;
	return p;
}

void
wire_put_u8(struct wire_writer *w, uint8_t v)
{
	wire_put_bytes(w, &v, 1);
}

void
wire_put_u16(struct wire_writer *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	wire_put_bytes(w, b, sizeof(b));
}

void
wire_put_u32(struct wire_writer *w, uint32_t v)
{
	uint8_t b[4];

	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	wire_put_bytes(w, b, sizeof(b));
}

void
wire_put_u64(struct wire_writer *w, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	wire_put_bytes(w, b, sizeof(b));
}

void
wire_patch_u32(struct wire_writer *w, size_t off, uint32_t v)
{
	if (w->buf == NULL || w->overflow || off > w->pos || w->pos - off < 4)
		return;
	for (int i = 0; i < 4; i++)
		w->buf[off + i] = (uint8_t)(v >> (8 * i));
}

void
wire_reader_init(struct wire_reader *r, const uint8_t *buf, size_t len,
		 char *err, size_t errlen)
{
	r->buf = buf;
	r->len = buf != NULL ? len : 0;
	r->pos = 0;
	r->failed = false;
	r->err = err;
	r->errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
}

bool
wire_fail(struct wire_reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->failed)
		return false;
	r->failed = true;
	if (r->err != NULL && r->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(r->err, r->errlen, fmt, ap);
		va_end(ap);
	}
	return false;
}

size_t
wire_left(const struct wire_reader *r)
{
	return r->failed ? 0 : r->len - r->pos;
}

const uint8_t *
wire_get_ptr(struct wire_reader *r, size_t n, const char *what)
{
	const uint8_t *p;

	if (r->failed)
		return NULL;
	if (n > r->len - r->pos) {
		wire_fail(r, "truncated at byte %zu reading %s (%zu bytes, %zu left)",
			  r->pos, what, n, r->len - r->pos);
		return NULL;
	}
	p = r->buf + r->pos;
	r->pos += n;
	return p;
}

bool
wire_get_bytes(struct wire_reader *r, void *p, size_t n, const char *what)
{
	const uint8_t *src = wire_get_ptr(r, n, what);

	if (src == NULL) {
		memset(p, 0, n);
		return false;
	}
	if (n > 0)
		memcpy(p, src, n);
	return true;
}

/* Little-endian value of n bytes, or 0 after a failure. */
static uint64_t
get_le(struct wire_reader *r, size_t n, const char *what, bool *ok)
{
	const uint8_t *p = wire_get_ptr(r, n, what);
	uint64_t v = 0;

	*ok = p != NULL;
	for (size_t i = 0; p != NULL && i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

bool
wire_get_u8(struct wire_reader *r, uint8_t *v, const char *what)
{
	bool ok;

	*v = (uint8_t)get_le(r, 1, what, &ok);
	return ok;
}

bool
wire_get_u16(struct wire_reader *r, uint16_t *v, const char *what)
{
	bool ok;

	*v = (uint16_t)get_le(r, 2, what, &ok);
	return ok;
}

bool
wire_get_u32(struct wire_reader *r, uint32_t *v, const char *what)
{
	bool ok;

	*v = (uint32_t)get_le(r, 4, what, &ok);
	return ok;
}

bool
wire_get_u64(struct wire_reader *r, uint64_t *v, const char *what)
{
	bool ok;

	*v = get_le(r, 8, what, &ok);
	return ok;
}

bool
wire_check_count(struct wire_reader *r, uint32_t count, uint32_t max,
		 size_t min_elem, const char *what)
{
	if (r->failed)
		return false;
	if (count > max)
		return wire_fail(r, "%s: %u is more than %u", what, count, max);
	if (min_elem > 0 && count > wire_left(r) / min_elem)
		return wire_fail(r, "%s: %u cannot fit in the %zu bytes left",
				 what, count, wire_left(r));
	return true;
}
