/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Security Group Tag basics shared by every part of sgtgw.
 */
#ifndef SGTGW_SGT_H
#define SGTGW_SGT_H

#include <stdint.h>

typedef uint16_t sgt_t;

#define SGT_UNKNOWN 0u        /* "Unknown" group: no binding, no tag */
#define SGT_INVALID 0xFFFFu   /* reserved: never valid on the wire or in config */
#define SGT_MAX     0xFFFEu   /* highest value accepted from config or a tag */

/* Short names for what a binding or SGT came from (printed in views). */
enum sgt_source {
	SGT_SRC_NONE = 0,   /* no binding matched */
	SGT_SRC_TAG,        /* trusted inline tag (Cisco Meta Data) */
	SGT_SRC_CLI,        /* static binding from the YAML config */
	SGT_SRC_PORT,       /* port default SGT */
};

#endif
