/* SPDX-License-Identifier: BSD-3-Clause */
#include "binding_wire.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "crc32.h"
#include "err_msg.h"
#include "wire_buf.h"

#define HDR_BYTES 12u
#define CRC_BYTES 4u

size_t
binding_wire_size(uint32_t n)
{
	return HDR_BYTES + (size_t)n * BINDING_WIRE_RECORD + CRC_BYTES;
}

static void
put_record(struct wire_writer *w, const struct binding *b)
{
	wire_put_u8(w, b->family == AF_INET ? 4 : 6);
	wire_put_u8(w, b->prefix_len);
	wire_put_u8(w, b->source);
	wire_put_u8(w, 0);
	wire_put_u16(w, b->sgt);
	wire_put_u16(w, 0);
	wire_put_bytes(w, b->addr, sizeof(b->addr));
}

int
binding_wire_encode(const struct binding *b, uint32_t n, uint8_t *buf,
		    size_t cap, char *err, size_t errlen)
{
	struct wire_writer w;
	char why[128];

	if (buf == NULL)
		return err_set(err, errlen, "no buffer for %u bindings", n);
	if (n > BINDING_WIRE_MAX)
		return err_set(err, errlen, "%u bindings: at most %u", n,
			       BINDING_WIRE_MAX);
	if (cap < binding_wire_size(n))
		return err_set(err, errlen, "%u bindings need %zu bytes, room "
			       "for %zu", n, binding_wire_size(n), cap);
	for (uint32_t i = 0; i < n; i++) {
		if (binding_check(&b[i], why, sizeof(why)) < 0)
			return err_set(err, errlen, "binding %u: %s", i, why);
	}
	wire_writer_init(&w, buf, cap);
	wire_put_u32(&w, BINDING_WIRE_MAGIC);
	wire_put_u16(&w, BINDING_WIRE_VERSION);
	wire_put_u16(&w, BINDING_WIRE_RECORD);
	wire_put_u32(&w, n);
	for (uint32_t i = 0; i < n; i++)
		put_record(&w, &b[i]);
	wire_put_u32(&w, sg_crc32(buf, w.pos));
	return 0;
}

static bool
get_record(struct wire_reader *r, struct binding *b, uint32_t i)
{
	uint8_t version, zero8;
	uint16_t zero16;
	char why[128];

	wire_get_u8(r, &version, "IP version");
	wire_get_u8(r, &b->prefix_len, "prefix length");
	wire_get_u8(r, &b->source, "source");
	wire_get_u8(r, &zero8, "reserved");
	wire_get_u16(r, &b->sgt, "SGT");
	wire_get_u16(r, &zero16, "reserved");
	if (!wire_get_bytes(r, b->addr, sizeof(b->addr), "address"))
		return false;
	if (version != 4 && version != 6)
		return wire_fail(r, "binding %u: IP version %u", i, version);
	if (zero8 != 0 || zero16 != 0)
		return wire_fail(r, "binding %u: reserved bytes set", i);
	b->family = version == 4 ? AF_INET : AF_INET6;
	if (binding_check(b, why, sizeof(why)) < 0)
		return wire_fail(r, "binding %u: %s", i, why);
	return true;
}

/* Magic, version, record size, count and CRC before any record. */
static bool
check_envelope(struct wire_reader *r, size_t len, uint32_t *n)
{
	uint32_t magic, crc_stored;
	uint16_t version, rec;
	struct wire_reader tail;

	if (len < HDR_BYTES + CRC_BYTES)
		return wire_fail(r, "binding list of %zu bytes is shorter than "
				 "the %u-byte minimum", len, HDR_BYTES + CRC_BYTES);
	wire_get_u32(r, &magic, "magic");
	wire_get_u16(r, &version, "version");
	wire_get_u16(r, &rec, "record size");
	wire_get_u32(r, n, "count");
	if (magic != BINDING_WIRE_MAGIC)
		return wire_fail(r, "not a binding list (magic 0x%08x)", magic);
	if (version != BINDING_WIRE_VERSION || rec != BINDING_WIRE_RECORD)
		return wire_fail(r, "binding list version %u with %u-byte records,"
				 " expected %u and %u", version, rec,
				 BINDING_WIRE_VERSION, BINDING_WIRE_RECORD);
	if (*n > BINDING_WIRE_MAX || binding_wire_size(*n) != len)
		return wire_fail(r, "binding list of %zu bytes cannot hold the %u "
				 "bindings its header says", len, *n);
	wire_reader_init(&tail, r->buf + len - CRC_BYTES, CRC_BYTES, NULL, 0);
	wire_get_u32(&tail, &crc_stored, "CRC");
	if (crc_stored != sg_crc32(r->buf, len - CRC_BYTES))
		return wire_fail(r, "binding list CRC 0x%08x does not match its "
				 "bytes (0x%08x)", crc_stored,
				 sg_crc32(r->buf, len - CRC_BYTES));
	return true;
}

int
binding_wire_decode(const uint8_t *blob, size_t len, struct binding **out,
		    uint32_t *n, char *err, size_t errlen)
{
	struct wire_reader r;
	struct binding *b = NULL;
	uint32_t count = 0;

	*out = NULL;
	*n = 0;
	wire_reader_init(&r, blob, len, err, errlen);
	if (!check_envelope(&r, len, &count))
		return -1;
	if (count > 0) {
		b = calloc(count, sizeof(*b));
		if (b == NULL)
			return err_set(err, errlen, "out of memory for %u bindings",
				       count);
	}
	for (uint32_t i = 0; i < count; i++) {
		if (!get_record(&r, &b[i], i)) {
			free(b);
			return -1;
		}
	}
	*out = b;
	*n = count;
	return 0;
}
