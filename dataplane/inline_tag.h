/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Egress handling of the Cisco Meta Data inline tag (ethertype 0x8909):
 * add (or rewrite) it with the packet's SGT, strip it, or keep the frame as
 * received. The tag goes after the MAC addresses and any 802.1Q tags.
 */
#ifndef SGTGW_INLINE_TAG_H
#define SGTGW_INLINE_TAG_H

#include <rte_mbuf.h>

#include "drop_reason.h"
#include "pkt_parse.h"
#include "sgt.h"

/* egress_tag is enum config_egress_tag. Returns DROP_NONE or DROP_TAG_ROOM
 * when the mbuf has no headroom left for a new tag. */
enum drop_reason inline_tag_apply(struct rte_mbuf *m,
				  const struct pkt_meta *meta,
				  uint8_t egress_tag, sgt_t sgt);

#endif
