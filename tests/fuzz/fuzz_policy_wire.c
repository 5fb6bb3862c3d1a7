/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for policy snapshots (policy_wire.h): bytes that arrive
 * from the controlplane's shared-memory slot and from the cache file on
 * disk. Beyond not crashing it checks the decoder's promises: a refusal
 * says why; a blob that decodes encodes back to exactly the same bytes,
 * and the policy it holds can be handed to the compiler.
 *
 * The first input byte picks a mode: even, the rest is decoded as is (the
 * envelope's checks); odd, the magic, version, length and CRC are fixed up
 * first, so that the fuzzer spends its time in the body parser.
 *
 *   meson setup build-fuzz -Dfuzz=true (CC=clang)
 *   build-fuzz/tests/fuzz/fuzz_policy_wire -max_total_time=30
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "policy_wire.h"
#include "wire_buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Give a body a valid envelope: header fields and trailing CRC. */
static void
fix_envelope(uint8_t *buf, size_t len)
{
	struct wire_writer w;

	if (len < 16)
		return;
	wire_writer_init(&w, buf, 12);
	wire_put_u32(&w, POLICY_WIRE_MAGIC);
	wire_put_u16(&w, POLICY_WIRE_VERSION);
	wire_put_u16(&w, (uint16_t)(buf[6] | buf[7] << 8)); /* flags: the fuzzer's */
	wire_put_u32(&w, (uint32_t)len);
	wire_writer_init(&w, buf + len - 4, 4);
	wire_put_u32(&w, sg_crc32(buf, len - 4));
}

static void
check_decoded(struct policy *p, const uint8_t *buf, size_t len)
{
	struct policy_compiled *pc;
	uint8_t *again;
	size_t again_len;
	char err[512];

	if (policy_wire_encode(p, &again, &again_len, err, sizeof(err)) != 0)
		abort(); /* decoded, so it must encode */
	if (again_len != len || memcmp(again, buf, len) != 0)
		abort(); /* the encoding is canonical */
	free(again);
	pc = policy_compile(p, err, sizeof(err));
	policy_compiled_free(pc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy p;
	char err[512] = "";
	uint8_t *buf;

	if (size == 0)
		return 0;
	buf = malloc(size - 1 ? size - 1 : 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data + 1, size - 1);
	if (data[0] & 1)
		fix_envelope(buf, size - 1);
	if (policy_wire_decode(buf, size - 1, &p, err, sizeof(err)) == 0) {
		check_decoded(&p, buf, size - 1);
		policy_model_free(&p);
	} else if (err[0] == '\0' || p.names != NULL || p.sgacls != NULL ||
		   p.cells != NULL) {
		abort(); /* a refusal says why and leaves nothing behind */
	}
	free(buf);
	return 0;
}
