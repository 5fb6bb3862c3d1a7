/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Why a frame was dropped. One X-macro list so the enum, the telemetry keys
 * and the views never disagree; docs/telemetry.md explains each reason.
 */
#ifndef SGTGW_DROP_REASON_H
#define SGTGW_DROP_REASON_H

#define DROP_REASONS(X)   \
	X(RUNT, runt)         \
	X(BAD_VLAN, bad_vlan) \
	X(BAD_CMD, bad_cmd)   \
	X(BAD_IPV4, bad_ipv4) \
	X(BAD_IPV6, bad_ipv6) \
	X(BAD_L4, bad_l4)     \
	X(NON_IP, non_ip)     \
	X(POLICY, policy)     \
	X(NO_PEER, no_peer)   \
	X(TAG_ROOM, tag_room) \
	X(TX_FULL, tx_full)

enum drop_reason {
	DROP_NONE = 0,
#define DROP_ENUM(id, name) DROP_##id,
	DROP_REASONS(DROP_ENUM)
#undef DROP_ENUM
	DROP_REASON_MAX
};

const char *drop_reason_name(enum drop_reason r);

#endif
