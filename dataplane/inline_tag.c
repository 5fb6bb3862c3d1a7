/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_byteorder.h>

#include "config.h"
#include "inline_tag.h"

#define CMD_TAG_LEN 8

static void
write_sgt(uint8_t *tag, sgt_t sgt)
{
	uint16_t be = rte_cpu_to_be_16(sgt);

	memcpy(tag + 6, &be, sizeof(be));
}

/* Open 8 bytes in front of the ethertype at l2_type_off by moving the MAC
 * addresses and VLAN tags into the headroom. */
static enum drop_reason
tag_insert(struct rte_mbuf *m, uint16_t l2_type_off, sgt_t sgt)
{
	static const uint8_t hdr[6] = { 0x89, 0x09, 0x01, 0x01, 0x00, 0x01 };
	uint8_t *data = (uint8_t *)rte_pktmbuf_prepend(m, CMD_TAG_LEN);

	if (data == NULL)
		return DROP_TAG_ROOM;
	memmove(data, data + CMD_TAG_LEN, l2_type_off);
	memcpy(data + l2_type_off, hdr, sizeof(hdr));
	write_sgt(data + l2_type_off, sgt);
	return DROP_NONE;
}

static void
tag_remove(struct rte_mbuf *m, uint16_t tag_off)
{
	uint8_t *data = rte_pktmbuf_mtod(m, uint8_t *);

	memmove(data + CMD_TAG_LEN, data, tag_off);
	rte_pktmbuf_adj(m, CMD_TAG_LEN);
}

enum drop_reason
inline_tag_apply(struct rte_mbuf *m, const struct pkt_meta *meta,
		 uint8_t egress_tag, sgt_t sgt)
{
	switch (egress_tag) {
	case CONFIG_TAG_ADD:
		if (meta->has_tag) {
			write_sgt(rte_pktmbuf_mtod_offset(m, uint8_t *,
							  meta->tag_off), sgt);
			return DROP_NONE;
		}
		return tag_insert(m, meta->l2_type_off, sgt);
	case CONFIG_TAG_STRIP:
		if (meta->has_tag)
			tag_remove(m, meta->tag_off);
		return DROP_NONE;
	default:
		return DROP_NONE;
	}
}
