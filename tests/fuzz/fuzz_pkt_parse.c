/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for the fast-path parser: any bytes, any length, must
 * yield a verdict without reading outside the buffer (ASan checks) and with
 * offsets that stay inside the frame.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pkt_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_meta m;
	/* A private copy so ASan sees the exact end of the frame. */
	uint8_t *frame = malloc(size ? size : 1);

	if (frame == NULL || size > UINT16_MAX)
		goto out;
	memcpy(frame, data, size);
	if (pkt_parse(frame, (uint32_t)size, &m) == DROP_NONE) {
		if (m.l3_off > size || m.l2_type_off + 2 > size)
			abort();
		if (m.has_tag && (m.tag_off + 8u > size || m.tag_sgt == SGT_INVALID))
			abort();
	}
out:
	free(frame);
	return 0;
}
