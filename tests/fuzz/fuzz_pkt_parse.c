/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness for the fast-path parser: any bytes, any length, must
 * yield a verdict without reading outside the buffer (ASan checks) and with
 * offsets that stay inside the frame; and where the fast path takes a
 * frame, whole or as the first segment of a longer one, the reference
 * parser must accept it and find exactly the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pkt_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_fast_path(const uint8_t *frame, uint32_t seen, uint32_t frame_len)
{
	struct pkt_meta fast, full;

	if (pkt_parse_plain(frame, seen, frame_len, &fast) &&
	    (pkt_parse_full(frame, seen, frame_len, &full) != DROP_NONE ||
	     !pkt_meta_equal(&fast, &full)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_meta m;
	/* A private copy so ASan sees the exact end of the frame. */
	uint8_t *frame = malloc(size ? size : 1);

	if (frame == NULL || size > UINT16_MAX)
		goto out;
	memcpy(frame, data, size);
	check_fast_path(frame, (uint32_t)size, (uint32_t)size);
	/* The same bytes as the first segment of a frame up to 255 longer. */
	if (size > 0)
		check_fast_path(frame, (uint32_t)size,
				(uint32_t)size + data[size - 1]);
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
