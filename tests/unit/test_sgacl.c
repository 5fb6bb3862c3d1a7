/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SGACL grammar: every operator, protocol and error the parser knows, the
 * canonical form and its round trip, and ACE matching.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sgacl.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Port conditions as the parser builds them. */
#define ANYP { 0, 65535, false, false }
#define RNG(a, b) { (a), (b), false, true }
#define NEQ(a) { (a), (a), true, true }

static bool
cond_eq(const struct sgacl_port_cond *a, const struct sgacl_port_cond *b)
{
	return a->lo == b->lo && a->hi == b->hi && a->invert == b->invert &&
	       a->present == b->present;
}

static bool
ace_eq(const struct sgacl_ace *a, const struct sgacl_ace *b)
{
	return a->action == b->action && a->log == b->log &&
	       a->proto == b->proto && cond_eq(&a->src, &b->src) &&
	       cond_eq(&a->dst, &b->dst);
}

static void
parse_ok(const char *text, struct sgacl_ace *ace)
{
	struct sgacl_error err = { 0 };

	if (sgacl_ace_parse(text, ace, &err) != 0)
		fail_msg("'%s' refused at %zu: %s", text, err.pos, err.msg);
}

/*
 * Lines that parse: the ACE they mean and their canonical text.
 */
struct good_case {
	const char *text;
	struct sgacl_ace ace;
	const char *canon;
};

#define ACE(act, pr, s, d, lg) { (act), (lg), (pr), s, d }
#define P SGACL_PERMIT
#define D SGACL_DENY

static const struct good_case good_cases[] = {
	{ "permit tcp dst eq 443", ACE(P, 6, ANYP, RNG(443, 443), false),
	  "permit tcp dst eq 443" },
	{ "deny udp src range 1000 2000 dst eq 53 log",
	  ACE(D, 17, RNG(1000, 2000), RNG(53, 53), true),
	  "deny udp src range 1000 2000 dst eq 53 log" },
	{ "permit icmp", ACE(P, SGACL_PROTO_ICMPX, ANYP, ANYP, false), "permit icmp" },
	{ "deny ip", ACE(D, SGACL_PROTO_ANY, ANYP, ANYP, false), "deny ip" },
	{ "deny ip log", ACE(D, SGACL_PROTO_ANY, ANYP, ANYP, true), "deny ip log" },
	{ "permit 112", ACE(P, 112, ANYP, ANYP, false), "permit 112" },
	{ "permit 0", ACE(P, 0, ANYP, ANYP, false), "permit 0" },
	{ "permit 255", ACE(P, 255, ANYP, ANYP, false), "permit 255" },
	/* 1 is ICMPv4 only, so it keeps its number; 58 has a name. */
	{ "permit 1", ACE(P, 1, ANYP, ANYP, false), "permit 1" },
	{ "permit 58", ACE(P, 58, ANYP, ANYP, false), "permit icmpv6" },
	{ "permit ipv6-icmp", ACE(P, 58, ANYP, ANYP, false), "permit icmpv6" },
	{ "permit 6 dst eq 80", ACE(P, 6, ANYP, RNG(80, 80), false),
	  "permit tcp dst eq 80" },
	{ "permit 17 src eq 53", ACE(P, 17, RNG(53, 53), ANYP, false),
	  "permit udp src eq 53" },
	/* Each operator on each side. */
	{ "permit tcp src eq 22", ACE(P, 6, RNG(22, 22), ANYP, false),
	  "permit tcp src eq 22" },
	{ "permit tcp dst lt 1024", ACE(P, 6, ANYP, RNG(0, 1023), false),
	  "permit tcp dst lt 1024" },
	{ "permit tcp src lt 1024", ACE(P, 6, RNG(0, 1023), ANYP, false),
	  "permit tcp src lt 1024" },
	{ "permit tcp src gt 1023", ACE(P, 6, RNG(1024, 65535), ANYP, false),
	  "permit tcp src gt 1023" },
	{ "permit tcp dst gt 1023", ACE(P, 6, ANYP, RNG(1024, 65535), false),
	  "permit tcp dst gt 1023" },
	{ "permit udp dst neq 53", ACE(P, 17, ANYP, NEQ(53), false),
	  "permit udp dst neq 53" },
	{ "permit udp src neq 53", ACE(P, 17, NEQ(53), ANYP, false),
	  "permit udp src neq 53" },
	{ "permit tcp dst range 8000 8080", ACE(P, 6, ANYP, RNG(8000, 8080), false),
	  "permit tcp dst range 8000 8080" },
	{ "deny tcp src eq 80 dst range 1 1024", ACE(D, 6, RNG(80, 80), RNG(1, 1024), false),
	  "deny tcp src eq 80 dst range 1 1024" },
	/* Canonical order is src then dst. */
	{ "permit tcp dst eq 80 src eq 1024", ACE(P, 6, RNG(1024, 1024), RNG(80, 80), false),
	  "permit tcp src eq 1024 dst eq 80" },
	/* The written form follows from the range. */
	{ "permit tcp dst lt 1", ACE(P, 6, ANYP, RNG(0, 0), false), "permit tcp dst eq 0" },
	{ "permit tcp dst gt 65534", ACE(P, 6, ANYP, RNG(65535, 65535), false),
	  "permit tcp dst eq 65535" },
	{ "permit tcp dst range 0 10", ACE(P, 6, ANYP, RNG(0, 10), false),
	  "permit tcp dst lt 11" },
	{ "permit tcp dst range 10 65535", ACE(P, 6, ANYP, RNG(10, 65535), false),
	  "permit tcp dst gt 9" },
	{ "permit tcp dst range 7 7", ACE(P, 6, ANYP, RNG(7, 7), false),
	  "permit tcp dst eq 7" },
	{ "permit tcp dst range 0 65535", ACE(P, 6, ANYP, RNG(0, 65535), false),
	  "permit tcp dst range 0 65535" },
	{ "permit tcp dst neq 0", ACE(P, 6, ANYP, NEQ(0), false), "permit tcp dst neq 0" },
	{ "permit tcp dst eq 0", ACE(P, 6, ANYP, RNG(0, 0), false), "permit tcp dst eq 0" },
	{ "permit tcp dst eq 65535", ACE(P, 6, ANYP, RNG(65535, 65535), false),
	  "permit tcp dst eq 65535" },
	{ "permit tcp dst eq 080", ACE(P, 6, ANYP, RNG(80, 80), false),
	  "permit tcp dst eq 80" },
	/* Service names, per transport. */
	{ "permit tcp dst eq www", ACE(P, 6, ANYP, RNG(80, 80), false),
	  "permit tcp dst eq 80" },
	{ "permit tcp dst eq https", ACE(P, 6, ANYP, RNG(443, 443), false),
	  "permit tcp dst eq 443" },
	{ "permit udp dst eq domain", ACE(P, 17, ANYP, RNG(53, 53), false),
	  "permit udp dst eq 53" },
	{ "permit tcp dst eq domain", ACE(P, 6, ANYP, RNG(53, 53), false),
	  "permit tcp dst eq 53" },
	{ "permit udp src eq bootps dst eq bootpc", ACE(P, 17, RNG(67, 67), RNG(68, 68), false),
	  "permit udp src eq 67 dst eq 68" },
	{ "permit tcp dst range ftp-data ssh", ACE(P, 6, ANYP, RNG(20, 22), false),
	  "permit tcp dst range 20 22" },
	{ "permit udp dst gt syslog", ACE(P, 17, ANYP, RNG(515, 65535), false),
	  "permit udp dst gt 514" },
	/* Case, tabs and surrounding space. */
	{ "  PERMIT\tTCP  Dst Eq 22 LOG  ", ACE(P, 6, ANYP, RNG(22, 22), true),
	  "permit tcp dst eq 22 log" },
	{ "Deny Icmp Log", ACE(D, SGACL_PROTO_ICMPX, ANYP, ANYP, true), "deny icmp log" },
	{ "permit tcp log", ACE(P, 6, ANYP, ANYP, true), "permit tcp log" },
};

static void
test_good_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(good_cases); i++) {
		const struct good_case *g = &good_cases[i];
		struct sgacl_ace ace;
		char buf[128];
		int n;

		parse_ok(g->text, &ace);
		if (!ace_eq(&ace, &g->ace))
			fail_msg("'%s' parsed to the wrong ACE", g->text);
		n = sgacl_ace_format(&ace, buf, sizeof(buf));
		assert_int_equal(n, (int)strlen(g->canon));
		if (strcmp(buf, g->canon) != 0)
			fail_msg("'%s' formats as '%s', want '%s'", g->text, buf, g->canon);
	}
}

/* parse(format(parse(x))) == parse(x) for every line that parses. */
static void
round_trip(const char *text)
{
	struct sgacl_ace a, b;
	char buf[128];

	parse_ok(text, &a);
	assert_true(sgacl_ace_format(&a, buf, sizeof(buf)) > 0);
	parse_ok(buf, &b);
	if (!ace_eq(&a, &b))
		fail_msg("'%s' -> '%s' does not round-trip", text, buf);
}

static void
test_round_trip(void **state)
{
	static const char *const ops[] = {
		"eq 0", "eq 80", "eq 65535", "lt 1", "lt 2", "lt 1024",
		"lt 65535", "gt 0", "gt 1023", "gt 65534", "neq 0", "neq 53",
		"neq 65535", "range 0 0", "range 0 1", "range 0 65535",
		"range 1 65535", "range 100 200", "range 65534 65535",
	};
	char line[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(good_cases); i++)
		round_trip(good_cases[i].text);
	for (size_t s = 0; s < ARRAY_LEN(ops); s++) {
		for (size_t d = 0; d < ARRAY_LEN(ops); d++) {
			snprintf(line, sizeof(line), "deny udp src %s dst %s log",
				 ops[s], ops[d]);
			round_trip(line);
		}
		snprintf(line, sizeof(line), "permit tcp src %s", ops[s]);
		round_trip(line);
		snprintf(line, sizeof(line), "permit 6 dst %s", ops[s]);
		round_trip(line);
	}
	for (int proto = 0; proto <= 255; proto++) {
		snprintf(line, sizeof(line), "permit %d", proto);
		round_trip(line);
	}
}

/* Every protocol name, through the parser and both lookup functions. */
static void
test_protocol_names(void **state)
{
	static const struct {
		const char *name;
		uint16_t proto;
		bool primary; /* the name sgacl_proto_name gives back */
	} names[] = {
		{ "ip", SGACL_PROTO_ANY, true }, { "icmp", SGACL_PROTO_ICMPX, true },
		{ "igmp", 2, true }, { "ipinip", 4, true }, { "tcp", 6, true },
		{ "udp", 17, true }, { "gre", 47, true }, { "esp", 50, true },
		{ "ahp", 51, true }, { "icmpv6", 58, true }, { "ipv6-icmp", 58, false },
		{ "eigrp", 88, true }, { "ospf", 89, true }, { "nos", 94, true },
		{ "pim", 103, true }, { "pcp", 108, true }, { "sctp", 132, true },
	};
	char line[64], upper[32];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		struct sgacl_ace ace;
		size_t j;

		snprintf(line, sizeof(line), "deny %s", names[i].name);
		parse_ok(line, &ace);
		assert_int_equal(ace.proto, names[i].proto);
		assert_int_equal(sgacl_proto_from_name(names[i].name), names[i].proto);
		for (j = 0; names[i].name[j] != '\0'; j++)
			upper[j] = (char)(names[i].name[j] >= 'a' && names[i].name[j] <= 'z'
					  ? names[i].name[j] - 'a' + 'A' : names[i].name[j]);
		upper[j] = '\0';
		assert_int_equal(sgacl_proto_from_name(upper), names[i].proto);
		if (names[i].primary)
			assert_string_equal(sgacl_proto_name(names[i].proto), names[i].name);
	}
	assert_int_equal(sgacl_proto_from_name("ipv6-icmp"), 58);
	assert_string_equal(sgacl_proto_name(58), "icmpv6");
	assert_null(sgacl_proto_name(1));   /* "icmp" means both versions */
	assert_null(sgacl_proto_name(112));
	assert_int_equal(sgacl_proto_from_name("vrrp"), -1);
	assert_int_equal(sgacl_proto_from_name("6"), -1);
	assert_int_equal(sgacl_proto_from_name(""), -1);
	assert_int_equal(sgacl_proto_from_name("tc"), -1);
	assert_int_equal(sgacl_proto_from_name("tcpx"), -1);
	assert_int_equal(sgacl_proto_from_name(NULL), -1);
}

/*
 * Lines that must be refused: where, and what the message names.
 */
struct bad_case {
	const char *text;
	size_t pos;
	const char *msg;
};

static const struct bad_case bad_cases[] = {
	{ "", 0, "empty ACE" },
	{ "   \t ", 5, "expected 'permit' or 'deny'" },
	{ "permit", 6, "expected a protocol name or number after 'permit'" },
	{ "deny   ", 7, "expected a protocol name or number after 'deny'" },
	/* Truncated port conditions. */
	{ "permit tcp dst", 14, "expected eq, lt, gt, neq or range after 'dst'" },
	{ "permit tcp src", 14, "after 'src'" },
	{ "permit tcp dst eq", 17, "expected a port number after 'eq'" },
	{ "permit tcp src lt", 17, "expected a port number after 'lt'" },
	{ "permit tcp src gt ", 18, "expected a port number after 'gt'" },
	{ "permit tcp dst neq", 18, "expected a port number after 'neq'" },
	{ "permit tcp dst range", 20, "expected a port number after 'range'" },
	{ "permit tcp dst range 10", 23, "expected an upper port after 'range 10'" },
	{ "permit tcp dst range 10 log", 24, "expected a port number or name, got 'log'" },
	/* Wrong order and unknown words. */
	{ "tcp permit", 0, "expected 'permit' or 'deny', got 'tcp'" },
	{ "allow ip", 0, "expected 'permit' or 'deny', got 'allow'" },
	{ "permit dst eq 80", 7, "expected a protocol name or number 0-255, got 'dst'" },
	{ "permit foo", 7, "got 'foo'" },
	{ "permit tcp eq 80", 11, "unexpected 'eq'" },
	{ "permit tcp dst foo 80", 15, "expected eq, lt, gt, neq or range after 'dst', got 'foo'" },
	{ "permit tcp dst eq 80 xyz", 21, "unexpected 'xyz'" },
	{ "permit tcp dst eq 8o", 18, "expected a port number or name, got '8o'" },
	{ "permit ip permit", 10, "unexpected 'permit'" },
	/* Ports on protocols without them. */
	{ "permit icmp dst eq 80", 12, "port conditions need tcp or udp" },
	{ "permit ip src eq 80", 10, "port conditions need tcp or udp" },
	{ "permit 1 dst eq 7", 9, "port conditions need tcp or udp" },
	{ "permit sctp dst eq 7", 12, "port conditions need tcp or udp" },
	/* One condition per side. */
	{ "permit tcp dst eq 80 dst eq 81", 21, "duplicate 'dst' condition" },
	{ "permit tcp src eq 1 dst eq 2 src eq 3", 29, "duplicate 'src' condition" },
	/* Numbers out of range, negative or huge. */
	{ "permit 256", 7, "protocol 256 out of range 0-255" },
	{ "permit -1", 7, "protocol -1 out of range 0-255" },
	{ "permit 99999999999999999999999", 7, "out of range 0-255" },
	{ "permit tcp dst eq 70000", 18, "port 70000 out of range 0-65535" },
	{ "permit tcp dst eq 65536", 18, "port 65536 out of range 0-65535" },
	{ "permit tcp dst eq -5", 18, "port -5 out of range 0-65535" },
	{ "permit tcp dst eq 99999999999999999999999", 18, "out of range 0-65535" },
	{ "permit tcp dst eq -", 18, "expected a port number or name, got '-'" },
	{ "permit tcp dst range 1 70000", 23, "port 70000 out of range" },
	{ "permit tcp dst range 2000 1000", 26, "upper port below lower port" },
	{ "permit tcp dst lt 0", 18, "'lt 0' matches no port" },
	{ "permit tcp dst gt 65535", 18, "'gt 65535' matches no port" },
	/* Service names: unknown, or not of this transport. */
	{ "permit tcp dst eq http", 18, "expected a port number or name, got 'http'" },
	{ "permit udp dst eq www", 18, "port name 'www' is not a udp port" },
	{ "permit tcp dst eq syslog", 18, "port name 'syslog' is not a tcp port" },
	/* log only last. */
	{ "permit tcp log dst eq 80", 15, "'log' must be last" },
	{ "deny ip log log", 12, "'log' must be last" },
	/* Control bytes are not echoed. */
	{ "permit tcp\x01", 7, "got 'tcp?'" },
};

static void
check_bad(const char *text, size_t pos, const char *msg)
{
	struct sgacl_ace ace, before;
	struct sgacl_error err = { .pos = 9999 };

	memset(&ace, 0x5a, sizeof(ace));
	before = ace;
	if (sgacl_ace_parse(text, &ace, &err) == 0)
		fail_msg("'%s' was accepted", text);
	if (err.pos != pos || strstr(err.msg, msg) == NULL)
		fail_msg("'%s': got pos %zu '%s', want pos %zu '%s'", text, err.pos,
			 err.msg, pos, msg);
	/* A refused line leaves the output alone. */
	assert_memory_equal(&ace, &before, sizeof(ace));
	/* And err may be omitted. */
	assert_int_equal(sgacl_ace_parse(text, &ace, NULL), -1);
}

static void
test_bad_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bad_cases); i++)
		check_bad(bad_cases[i].text, bad_cases[i].pos, bad_cases[i].msg);
}

static void
test_unsupported_options(void **state)
{
	static const char *const options[] = {
		"established", "match-all", "match-any", "dscp", "precedence",
		"fragments", "ttl", "option", "tos", "time-range",
	};
	char line[96], msg[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(options); i++) {
		snprintf(line, sizeof(line), "permit tcp dst eq 80 %s", options[i]);
		snprintf(msg, sizeof(msg), "option '%s' is not supported", options[i]);
		check_bad(line, 21, msg);
		snprintf(line, sizeof(line), "deny ip %s x", options[i]);
		snprintf(msg, sizeof(msg), "option '%s' is not supported", options[i]);
		check_bad(line, 8, msg);
	}
	check_bad("permit tcp ESTABLISHED", 11, "option 'ESTABLISHED' is not supported");
}

static void
test_line_limits(void **state)
{
	char line[300];
	struct sgacl_ace ace;
	struct sgacl_error err;

	(void)state;
	/* 255 characters is the longest line accepted. */
	memset(line, ' ', sizeof(line));
	memcpy(line, "permit ip", 9);
	line[255] = '\0';
	parse_ok(line, &ace);
	assert_int_equal(ace.proto, SGACL_PROTO_ANY);
	line[255] = ' ';
	line[256] = '\0';
	check_bad(line, 255, "longer than 255");

	/* The most tokens a line can hold: "x x x ..." refused on the first. */
	for (size_t i = 0; i < 255; i++)
		line[i] = (i % 2) ? ' ' : 'x';
	line[255] = '\0';
	check_bad(line, 0, "got 'x'");

	/* A long token is quoted cut short, and the message still fits. */
	memset(line, 'a', sizeof(line));
	memcpy(line, "permit ", 7);
	line[200] = '\0';
	assert_int_equal(sgacl_ace_parse(line, &ace, &err), -1);
	assert_int_equal(err.pos, 7);
	assert_non_null(strstr(err.msg, "aaa..."));
	assert_true(strlen(err.msg) < sizeof(err.msg) - 1);

	assert_int_equal(sgacl_ace_parse(NULL, &ace, &err), -1);
}

static void
test_format_edges(void **state)
{
	struct sgacl_ace ace;
	char buf[8];
	int n;

	(void)state;
	parse_ok("deny udp src range 1000 2000 dst eq 53 log", &ace);
	/* Truncation: the full length comes back, the buffer stays a string. */
	n = sgacl_ace_format(&ace, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen("deny udp src range 1000 2000 dst eq 53 log"));
	assert_string_equal(buf, "deny ud");
	assert_int_equal(sgacl_ace_format(&ace, NULL, 0), n);

	/* ACEs the grammar cannot write are refused, not misprinted. */
	char big[64];
	struct sgacl_ace bad = ace;
	bad.dst.invert = true; /* neq of a range */
	bad.dst.lo = 10;
	bad.dst.hi = 20;
	assert_int_equal(sgacl_ace_format(&bad, big, sizeof(big)), -1);
	assert_string_equal(big, "");
	bad = ace;
	bad.src.lo = 30;
	bad.src.hi = 20; /* empty range */
	assert_int_equal(sgacl_ace_format(&bad, big, sizeof(big)), -1);
	bad = ace;
	bad.proto = 1; /* ports without tcp/udp */
	assert_int_equal(sgacl_ace_format(&bad, big, sizeof(big)), -1);
	bad = ace;
	bad.proto = 0x102;
	assert_int_equal(sgacl_ace_format(&bad, big, sizeof(big)), -1);
	bad = ace;
	bad.action = 2;
	assert_int_equal(sgacl_ace_format(&bad, big, sizeof(big)), -1);
}

/*
 * Matching.
 */
struct match_case {
	const char *ace;
	struct sgacl_pkt pkt;
	bool match;
};

/* proto, ipv6, has_ports, later_frag, sport, dport */
#define TCP4(s, d) { 6, false, true, false, (s), (d) }
#define UDP4(s, d) { 17, false, true, false, (s), (d) }
#define UDP6(s, d) { 17, true, true, false, (s), (d) }
#define FRAG(pr) { (pr), false, false, true, 0, 0 }
#define NOPORTS(pr) { (pr), false, false, false, 0, 0 }
#define ICMP4 { 1, false, false, false, 0, 0 }
#define ICMP6 { 58, true, false, false, 0, 0 }

static const struct match_case match_cases[] = {
	{ "permit ip", TCP4(1, 2), true },
	{ "permit ip", ICMP6, true },
	{ "permit ip", FRAG(17), true },
	{ "permit tcp", TCP4(1, 2), true },
	{ "permit tcp", UDP4(1, 2), false },
	{ "permit tcp dst eq 80", TCP4(1234, 80), true },
	{ "permit tcp dst eq 80", TCP4(80, 81), false },
	{ "permit tcp src eq 80", TCP4(80, 81), true },
	{ "permit udp dst eq 80", TCP4(1, 80), false },
	{ "permit tcp dst lt 1024", TCP4(1, 1023), true },
	{ "permit tcp dst lt 1024", TCP4(1, 1024), false },
	{ "permit tcp dst gt 1023", TCP4(1, 1024), true },
	{ "permit tcp dst gt 1023", TCP4(1, 1023), false },
	{ "permit tcp dst range 10 20", TCP4(1, 10), true },
	{ "permit tcp dst range 10 20", TCP4(1, 20), true },
	{ "permit tcp dst range 10 20", TCP4(1, 9), false },
	{ "permit tcp dst range 10 20", TCP4(1, 21), false },
	{ "permit udp dst neq 53", UDP4(1, 53), false },
	{ "permit udp dst neq 53", UDP4(1, 54), true },
	{ "permit udp src neq 53", UDP6(53, 1), false },
	{ "permit udp src neq 53", UDP6(52, 1), true },
	{ "deny udp src eq 53 dst range 1024 65535", UDP4(53, 1024), true },
	{ "deny udp src eq 53 dst range 1024 65535", UDP4(53, 1023), false },
	{ "deny udp src eq 53 dst range 1024 65535", UDP4(54, 2000), false },
	/* Later fragments: permit-with-ports matches, deny-with-ports not. */
	{ "permit tcp dst eq 80", FRAG(6), true },
	{ "deny tcp dst eq 80", FRAG(6), false },
	{ "permit udp dst neq 53", FRAG(17), true },
	{ "permit udp dst eq 80", FRAG(6), false },
	{ "deny tcp", FRAG(6), true },
	/* ... whatever port fields a later fragment carries. */
	{ "deny tcp dst eq 80", { 6, false, true, true, 1, 80 }, false },
	{ "permit tcp dst eq 80", { 6, false, true, true, 1, 81 }, true },
	/* TCP without parsed ports (not a fragment) never meets a condition. */
	{ "permit tcp dst eq 80", NOPORTS(6), false },
	{ "permit tcp dst neq 80", NOPORTS(6), false },
	/* icmp follows the IP version; numbers are exact. */
	{ "permit icmp", ICMP4, true },
	{ "permit icmp", ICMP6, true },
	{ "permit icmp", { 58, false, false, false, 0, 0 }, false },
	{ "permit icmp", { 1, true, false, false, 0, 0 }, false },
	{ "permit 1", ICMP4, true },
	{ "permit 1", ICMP6, false },
	{ "permit 1", { 1, true, false, false, 0, 0 }, true },
	{ "permit icmpv6", ICMP6, true },
	{ "permit icmpv6", ICMP4, false },
	{ "permit gre", NOPORTS(47), true },
	{ "permit gre", NOPORTS(50), false },
};

static void
test_match(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(match_cases); i++) {
		const struct match_case *m = &match_cases[i];
		struct sgacl_ace ace;

		parse_ok(m->ace, &ace);
		if (sgacl_ace_match(&ace, &m->pkt) != m->match)
			fail_msg("case %zu '%s': want %s", i, m->ace,
				 m->match ? "match" : "no match");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_lines),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_protocol_names),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_unsupported_options),
		cmocka_unit_test(test_line_limits),
		cmocka_unit_test(test_format_edges),
		cmocka_unit_test(test_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
