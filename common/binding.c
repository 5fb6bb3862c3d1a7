/* SPDX-License-Identifier: BSD-3-Clause */
#include "binding.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "err_msg.h"

static const char *const source_names[] = {
	[BINDING_SRC_CLI] = "cli",
	[BINDING_SRC_SXP] = "sxp",
	[BINDING_SRC_LOCAL] = "local",
	[BINDING_SRC_INTERNAL] = "internal",
};

/* IOS order, lowest first; see binding.h. */
static const int source_rank[] = {
	[BINDING_SRC_CLI] = 1,
	[BINDING_SRC_SXP] = 2,
	[BINDING_SRC_LOCAL] = 3,
	[BINDING_SRC_INTERNAL] = 4,
};

bool
binding_source_valid(unsigned src)
{
	return src >= BINDING_SRC_CLI && src <= BINDING_SRC_MAX;
}

int
binding_source_rank(unsigned src)
{
	return binding_source_valid(src) ? source_rank[src] : 0;
}

const char *
binding_source_name(unsigned src)
{
	return binding_source_valid(src) ? source_names[src] : NULL;
}

/* Bytes from the first one past the length must be zero, and the bits of
 * the byte the length ends in. */
static bool
host_bits_clear(const uint8_t addr[16], unsigned prefix_len)
{
	unsigned full = prefix_len / 8, rest = prefix_len % 8;

	if (rest != 0 && (addr[full] & (0xffu >> rest)) != 0)
		return false;
	for (unsigned i = full + (rest != 0); i < 16; i++) {
		if (addr[i] != 0)
			return false;
	}
	return true;
}

int
binding_prefix_check(uint8_t family, uint8_t prefix_len,
		     const uint8_t addr[16], char *err, size_t errlen)
{
	unsigned max;

	if (family == AF_INET) {
		max = 32;
	} else if (family == AF_INET6) {
		max = 128;
	} else {
		return err_set(err, errlen,
			       "address family %u is neither IPv4 nor IPv6",
			       family);
	}
	if (prefix_len > max)
		return err_set(err, errlen, "prefix length %u is longer than %u",
			       prefix_len, max);
	if (family == AF_INET && !host_bits_clear(addr, 32))
		return err_set(err, errlen, "IPv4 address with non-zero bytes "
			       "past the fourth");
	if (!host_bits_clear(addr, prefix_len)) {
		char shown[64];

		binding_prefix_str(family, prefix_len, addr, shown, sizeof(shown));
		return err_set(err, errlen, "host bits set past the length in %s",
			       shown);
	}
	return 0;
}

int
binding_check(const struct binding *b, char *err, size_t errlen)
{
	if (binding_prefix_check(b->family, b->prefix_len, b->addr, err,
				 errlen) < 0)
		return -1;
	if (b->sgt > SGT_MAX)
		return err_set(err, errlen, "SGT %u is reserved (at most %u)",
			       b->sgt, SGT_MAX);
	if (!binding_source_valid(b->source))
		return err_set(err, errlen, "binding source %u is unknown (1..%u)",
			       b->source, BINDING_SRC_MAX);
	return 0;
}

/* Prints even a malformed prefix, so that error messages can show it: an
 * IPv4 address with stray bytes past the fourth prints its first four. */
const char *
binding_prefix_str(uint8_t family, uint8_t prefix_len, const uint8_t addr[16],
		   char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (len == 0)
		return buf;
	if ((family != AF_INET && family != AF_INET6) ||
	    inet_ntop(family, addr, a, sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "(family %u)", family);
	snprintf(buf, len, "%s/%u", a, prefix_len);
	return buf;
}
