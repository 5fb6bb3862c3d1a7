/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the SGACL ACE parser (ACE text arrives from ISE and
 * from config files). Beyond not crashing, it checks the parser's promises:
 * an error points inside the text and says something; an accepted ACE
 * formats, and its canonical text parses back to the same ACE.
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -Icommon \
 *         tests/fuzz/fuzz_sgacl.c common/sgacl.c -o fuzz_sgacl
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sgacl.h"

static void
check_error(const char *text, const struct sgacl_error *err)
{
	if (err->pos > strlen(text) || err->msg[0] == '\0' ||
	    memchr(err->msg, '\0', sizeof(err->msg)) == NULL)
		abort();
}

static bool
same_ace(const struct sgacl_ace *a, const struct sgacl_ace *b)
{
	return a->action == b->action && a->log == b->log && a->proto == b->proto &&
	       a->src.lo == b->src.lo && a->src.hi == b->src.hi &&
	       a->src.invert == b->src.invert && a->src.present == b->src.present &&
	       a->dst.lo == b->dst.lo && a->dst.hi == b->dst.hi &&
	       a->dst.invert == b->dst.invert && a->dst.present == b->dst.present;
}

static void
check_round_trip(const struct sgacl_ace *ace)
{
	struct sgacl_ace again;
	struct sgacl_error err;
	char buf[256];
	int n = sgacl_ace_format(ace, buf, sizeof(buf));

	if (n <= 0 || (size_t)n >= sizeof(buf) || strlen(buf) != (size_t)n)
		abort();
	if (sgacl_ace_parse(buf, &again, &err) != 0 || !same_ace(ace, &again))
		abort();
}

/* Exercise matching on a packet drawn from the input's last bytes. */
static void
match_some(const struct sgacl_ace *ace, const uint8_t *data, size_t size)
{
	struct sgacl_pkt pkt = { 0 };

	if (size < 6)
		return;
	data += size - 6;
	pkt.proto = data[0];
	pkt.ipv6 = data[1] & 1;
	pkt.later_frag = data[1] & 2;
	pkt.has_ports = !pkt.later_frag && (pkt.proto == 6 || pkt.proto == 17);
	pkt.sport = (uint16_t)(data[2] << 8 | data[3]);
	pkt.dport = (uint16_t)(data[4] << 8 | data[5]);
	(void)sgacl_ace_match(ace, &pkt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sgacl_ace ace;
	struct sgacl_error err;
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (sgacl_ace_parse(text, &ace, &err) == 0) {
		check_round_trip(&ace);
		match_some(&ace, data, size);
	} else {
		check_error(text, &err);
	}
	free(text);
	return 0;
}
