/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control-socket protocol between sgtgw-controlplane and
 * sgtgw-dataplane, over a Unix SOCK_SEQPACKET socket (one message per
 * datagram, boundaries kept by the kernel).
 *
 *   controlplane                          dataplane
 *   HELLO {pid}                  ----->
 *                                <-----   WELCOME {region sizes, applied
 *                                           generations, cache state}
 *                                           + the memfd (SCM_RIGHTS)
 *   updates go through the shared-memory ring from here on
 *                                <-----   ACK {stream, result, generation}
 *                                <-----   RESYNC_REQUEST {reason, text}
 *   KEEPALIVE                    <---->   KEEPALIVE
 *   ERROR {code, text}           <---->   ERROR {code, text}, then close
 *
 * Every message is a 24-byte header then a body whose length is exact for
 * its type; nothing is larger than CTL_MSG_MAX. Integers are little-endian
 * (wire_buf.h). The header and the ERROR body never change between
 * versions, so a peer of another version can always read why it was
 * refused: ERROR decodes whatever the header's version, every other type
 * only at CTL_PROTO_VERSION.
 */
#ifndef SGTGW_CTL_PROTO_H
#define SGTGW_CTL_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define CTL_PROTO_VERSION 1u
#define CTL_MSG_MAX 4096u         /* header included */
#define CTL_HDR_BYTES 24u
#define CTL_TEXT_MAX 512u         /* bytes of text in ERROR / RESYNC_REQUEST */

enum ctl_type {
	CTL_HELLO = 1,
	CTL_WELCOME = 2,
	CTL_ACK = 3,
	CTL_RESYNC_REQUEST = 4,
	CTL_KEEPALIVE = 5,
	CTL_ERROR = 6,
};
#define CTL_TYPE_MAX CTL_ERROR

struct ctl_hdr {
	uint16_t version;         /* written as CTL_PROTO_VERSION */
	uint16_t type;            /* enum ctl_type */
	uint32_t length;          /* body bytes; set by the encoder */
	uint64_t session_id;      /* the dataplane's; 0 in HELLO */
	uint64_t seq;             /* the sender's counter, for logs and acks */
};

struct ctl_hello {
	uint32_t pid;             /* the controlplane's */
};

/* What the dataplane says about the cache it started from. */
enum ctl_cache_state {
	CTL_CACHE_NONE = 0,       /* no cache file: started empty */
	CTL_CACHE_LOADED = 1,     /* enforcing from the cache */
	CTL_CACHE_REFUSED = 2,    /* the file failed its checks: started empty */
};

struct ctl_welcome {
	uint64_t shm_size;        /* bytes of the region the memfd holds */
	uint32_t ring_count;      /* update ring slots (power of two) */
	uint32_t msg_size;        /* sizeof(struct update_msg) */
	uint32_t n_slots;         /* policy snapshot slots */
	uint32_t slot_size;       /* bytes per snapshot slot */
	uint64_t bindings_generation; /* last applied */
	uint64_t policy_generation;   /* last applied */
	uint32_t cache_state;     /* enum ctl_cache_state */
	uint32_t pid;             /* the dataplane's */
};

enum ctl_ack_stream {
	CTL_ACK_BINDINGS = 1,
	CTL_ACK_POLICY = 2,
};

enum ctl_ack_result {
	CTL_ACK_APPLIED = 0,
	CTL_ACK_REFUSED = 1,      /* kept the previous state; see the log */
};

struct ctl_ack {
	uint32_t stream;          /* enum ctl_ack_stream */
	uint32_t result;          /* enum ctl_ack_result */
	uint64_t generation;      /* never 0 */
};

enum ctl_resync_reason {
	CTL_RESYNC_STARTUP = 1,   /* the dataplane (re)started */
	CTL_RESYNC_GAP = 2,       /* a generation was skipped */
	CTL_RESYNC_REFUSED = 3,   /* an update failed its checks */
	CTL_RESYNC_OPERATOR = 4,  /* asked for by sgtgwctl */
};
#define CTL_RESYNC_REASON_MAX CTL_RESYNC_OPERATOR

enum ctl_error_code {
	CTL_ERR_VERSION = 1,      /* protocol version not spoken here */
	CTL_ERR_MALFORMED = 2,    /* a message failed to decode */
	CTL_ERR_STATE = 3,        /* a message this side did not expect now */
	CTL_ERR_BUSY = 4,         /* another controlplane is attached */
	CTL_ERR_INTERNAL = 5,     /* out of memory and the like */
};

/* RESYNC_REQUEST and ERROR: a code and one line of text (no control
 * characters, at most CTL_TEXT_MAX bytes). */
struct ctl_text {
	uint32_t code;            /* reason or error code */
	char text[CTL_TEXT_MAX + 1];
};

struct ctl_msg {
	struct ctl_hdr hdr;
	union {
		struct ctl_hello hello;
		struct ctl_welcome welcome;
		struct ctl_ack ack;
		struct ctl_text resync;   /* RESYNC_REQUEST */
		struct ctl_text error;    /* ERROR */
	};
};

/* Zero m and fill its header. */
void ctl_msg_init(struct ctl_msg *m, enum ctl_type type, uint64_t session_id,
		  uint64_t seq);
/* An ERROR or RESYNC_REQUEST with its text; text past CTL_TEXT_MAX is cut
 * and control characters become '?'. */
void ctl_msg_text(struct ctl_msg *m, enum ctl_type type, uint64_t session_id,
		  uint64_t seq, uint32_t code, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* "hello", ...; NULL for an unknown type. */
const char *ctl_type_name(unsigned type);

/* Encode m (its version and length are the encoder's) into buf; *len is
 * the datagram's size. 0, or -1 with a message for a message that breaks
 * the protocol's rules or does not fit. */
int ctl_msg_encode(const struct ctl_msg *m, uint8_t *buf, size_t cap,
		   size_t *len, char *err, size_t errlen);

/*
 * Decode one datagram of untrusted bytes. Returns 0; -EPROTONOSUPPORT when
 * the header is readable but of another version (m->hdr is filled, so the
 * caller can answer with CTL_ERR_VERSION and close); -EBADMSG for anything
 * else wrong (truncated, oversized, a length that disagrees with the
 * datagram or the type, an unknown type, a bad field). err says which.
 */
int ctl_msg_decode(const uint8_t *buf, size_t len, struct ctl_msg *m,
		   char *err, size_t errlen);

/*
 * The answer to a message whose decode gave -EPROTONOSUPPORT: an ERROR
 * (CTL_ERR_VERSION) naming both versions, echoing the peer's sequence
 * number. The caller closes the connection afterwards. 0 or a negative
 * errno from ctl_send.
 */
int ctl_refuse_version(int sock, const struct ctl_hdr *got,
		       uint64_t session_id, char *err, size_t errlen);

/*
 * Send m on a SOCK_SEQPACKET socket; fd (WELCOME's memfd) rides along with
 * SCM_RIGHTS, -1 for none. Only WELCOME carries an fd, and it always does.
 * 0 or a negative errno (-EAGAIN on a full non-blocking socket, -EPIPE
 * when the peer is gone; never SIGPIPE), with a message.
 */
int ctl_send(int sock, const struct ctl_msg *m, int fd, char *err,
	     size_t errlen);

/*
 * Receive and decode one message. *fd is the descriptor that came with a
 * WELCOME (close-on-exec; the caller owns it), else -1; a descriptor that
 * comes with anything else is closed and the message refused. Returns 0;
 * -EPIPE when the peer closed; -EAGAIN when a non-blocking socket has
 * nothing; -EMSGSIZE for a datagram over CTL_MSG_MAX; the decoder's
 * -EPROTONOSUPPORT / -EBADMSG; another negative errno from recvmsg. err
 * says why.
 */
int ctl_recv(int sock, struct ctl_msg *m, int *fd, char *err, size_t errlen);

#endif
