/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for control-socket datagrams (ctl_proto.h): what the
 * other process, or anything that connects to the socket, sends. Beyond not
 * crashing it checks: a refusal says why and is one of the documented
 * codes; a message that decodes at this version encodes back to exactly
 * the same bytes.
 *
 * The first input byte picks a mode: even, the rest is decoded as is; odd,
 * the header's version and length are fixed up first, so that the fuzzer
 * reaches the bodies.
 *
 *   build-fuzz/tests/fuzz/fuzz_ctl_proto -max_total_time=30
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "wire_buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fix_header(uint8_t *buf, size_t len)
{
	struct wire_writer w;

	if (len < CTL_HDR_BYTES)
		return;
	wire_writer_init(&w, buf, 8);
	wire_put_u16(&w, CTL_PROTO_VERSION);
	wire_put_u16(&w, (uint16_t)(buf[2] | buf[3] << 8)); /* type: the fuzzer's */
	wire_put_u32(&w, (uint32_t)(len - CTL_HDR_BYTES));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[CTL_MSG_MAX + 64], again[CTL_MSG_MAX];
	struct ctl_msg m;
	char err[256] = "";
	size_t len, again_len;
	int rc;

	if (size == 0 || size - 1 > sizeof(buf))
		return 0;
	len = size - 1;
	memcpy(buf, data + 1, len);
	if (data[0] & 1)
		fix_header(buf, len);
	rc = ctl_msg_decode(buf, len, &m, err, sizeof(err));
	if (rc != 0) {
		if ((rc != -EBADMSG && rc != -EPROTONOSUPPORT) || err[0] == '\0')
			abort();
		return 0;
	}
	if (m.hdr.version != CTL_PROTO_VERSION)
		return 0; /* an ERROR of another version: readable, not ours */
	if (ctl_msg_encode(&m, again, sizeof(again), &again_len, err,
			   sizeof(err)) != 0)
		abort();
	if (again_len != len || memcmp(again, buf, len) != 0)
		abort();
	return 0;
}
