/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bounded byte buffers for the formats sgtgw writes and reads back (policy
 * snapshots, cache files, control-socket messages): integers little-endian
 * whatever the host, every read checked against the end. As in FRR's
 * stream.h, no caller does pointer arithmetic on untrusted bytes: a reader
 * that runs short fails once, remembers the first failure, and every later
 * read fails too, so a decoder checks at the end (or wherever convenient)
 * instead of after every field.
 */
#ifndef SGTGW_WIRE_BUF_H
#define SGTGW_WIRE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A writer with buf == NULL only counts: the same code sizes and fills. */
struct wire_writer {
	uint8_t *buf;
	size_t cap;
	size_t pos;             /* bytes written (or that would have been) */
	bool overflow;          /* a write went past cap */
};

void wire_writer_init(struct wire_writer *w, uint8_t *buf, size_t cap);
void wire_put_u8(struct wire_writer *w, uint8_t v);
void wire_put_u16(struct wire_writer *w, uint16_t v);
void wire_put_u32(struct wire_writer *w, uint32_t v);
void wire_put_u64(struct wire_writer *w, uint64_t v);
void wire_put_bytes(struct wire_writer *w, const void *p, size_t n);
/* Room for n bytes that the caller fills itself (another encoder writing
 * in place); NULL when counting or out of room (then w->overflow is set). */
uint8_t *wire_reserve(struct wire_writer *w, size_t n);
/* Overwrite 4 bytes at off (already written), e.g. a length or a CRC. */
void wire_patch_u32(struct wire_writer *w, size_t off, uint32_t v);

struct wire_reader {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	bool failed;
	char *err;              /* the first failure's message goes here */
	size_t errlen;
};

void wire_reader_init(struct wire_reader *r, const uint8_t *buf, size_t len,
		      char *err, size_t errlen);
/* Each returns false (and leaves *v zero) once the reader has failed;
 * what names the field in the message ("truncated at byte 12 reading
 * SGACL count"). */
bool wire_get_u8(struct wire_reader *r, uint8_t *v, const char *what);
bool wire_get_u16(struct wire_reader *r, uint16_t *v, const char *what);
bool wire_get_u32(struct wire_reader *r, uint32_t *v, const char *what);
bool wire_get_u64(struct wire_reader *r, uint64_t *v, const char *what);
bool wire_get_bytes(struct wire_reader *r, void *p, size_t n, const char *what);
/* n bytes in place (NULL on failure): for text copied out right away. */
const uint8_t *wire_get_ptr(struct wire_reader *r, size_t n, const char *what);
size_t wire_left(const struct wire_reader *r);
/* Fail the reader with a message of the caller's (the first one stays). */
bool wire_fail(struct wire_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * A count read from untrusted bytes, each element taking at least
 * min_elem bytes: fails unless count <= max and the elements could fit in
 * what is left. This bounds every allocation a decoder makes by the size
 * of its input.
 */
bool wire_check_count(struct wire_reader *r, uint32_t count, uint32_t max,
		      size_t min_elem, const char *what);

#endif
