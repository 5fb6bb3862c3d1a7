/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SGACL ACE grammar: tokenizer, parser with positioned errors, and the
 * canonical formatter. Keywords are case-insensitive (operators paste ACLs
 * from IOS, ISE and documents that disagree on case); output is lower case.
 */
#include "sgacl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* IOS and ISE cap an ACE line well below this; a limit keeps the tokenizer
 * on a fixed array and error messages bounded. */
#define ACE_TEXT_MAX 255
/* Tokens need a separator, so a line of ACE_TEXT_MAX bytes has at most
 * half as many tokens, rounded up. */
#define ACE_TOKENS_MAX ((ACE_TEXT_MAX + 1) / 2)
/* How much of an offending token an error message quotes. */
#define TOKEN_QUOTE_MAX 40

struct token {
	const char *s;
	size_t len;
	size_t pos;
};

/* Parser state: the tokens of one line and where the next one is. */
struct parser {
	struct token tok[ACE_TOKENS_MAX];
	size_t n;
	size_t next;
	size_t text_len;
	struct sgacl_error *err;
};

struct name_value {
	const char *name;
	uint16_t value;
};

/* The first name of a value is the one sgacl_proto_name prints. */
static const struct name_value protocols[] = {
	{ "ip", SGACL_PROTO_ANY },
	{ "icmp", SGACL_PROTO_ICMPX },
	{ "igmp", 2 },
	{ "ipinip", 4 },
	{ "tcp", 6 },
	{ "udp", 17 },
	{ "gre", 47 },
	{ "esp", 50 },
	{ "ahp", 51 },
	{ "icmpv6", 58 },
	{ "ipv6-icmp", 58 },
	{ "eigrp", 88 },
	{ "ospf", 89 },
	{ "nos", 94 },
	{ "pim", 103 },
	{ "pcp", 108 },
	{ "sctp", 132 },
};

#define PORT_TCP 0x1
#define PORT_UDP 0x2

/* Service names IOS accepts in ACEs; like IOS, each is valid only for the
 * transport it is defined on ("udp eq www" is refused). */
static const struct {
	const char *name;
	uint16_t port;
	uint8_t protos;
} port_names[] = {
	{ "ftp-data", 20, PORT_TCP },
	{ "ftp", 21, PORT_TCP },
	{ "ssh", 22, PORT_TCP },
	{ "telnet", 23, PORT_TCP },
	{ "smtp", 25, PORT_TCP },
	{ "domain", 53, PORT_TCP | PORT_UDP },
	{ "bootps", 67, PORT_UDP },
	{ "bootpc", 68, PORT_UDP },
	{ "tftp", 69, PORT_UDP },
	{ "www", 80, PORT_TCP },
	{ "pop3", 110, PORT_TCP },
	{ "ntp", 123, PORT_UDP },
	{ "snmp", 161, PORT_UDP },
	{ "bgp", 179, PORT_TCP },
	{ "https", 443, PORT_TCP },
	{ "syslog", 514, PORT_UDP },
};

/* IOS ACE options we recognise but do not enforce: refusing them by name
 * tells the operator the ACE is valid IOS, just not supported here. */
static const char *const unsupported_options[] = {
	"established", "match-all", "match-any", "dscp", "precedence",
	"fragments", "ttl", "option", "tos", "time-range",
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	       c == '\v' || c == '\f';
}

static char
ascii_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive comparison of a counted string with a keyword, in ASCII
 * regardless of locale. */
static bool
word_is(const char *s, size_t len, const char *kw)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (kw[i] == '\0' || ascii_lower(s[i]) != kw[i])
			return false;
	}
	return kw[i] == '\0';
}

static bool
tok_is(const struct token *t, const char *kw)
{
	return word_is(t->s, t->len, kw);
}

static int
proto_lookup(const char *s, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(protocols); i++) {
		if (word_is(s, len, protocols[i].name))
			return protocols[i].value;
	}
	return -1;
}

int
sgacl_proto_from_name(const char *name)
{
	if (name == NULL)
		return -1;
	return proto_lookup(name, strlen(name));
}

const char *
sgacl_proto_name(uint16_t proto)
{
	for (size_t i = 0; i < ARRAY_LEN(protocols); i++) {
		if (protocols[i].value == proto)
			return protocols[i].name;
	}
	return NULL;
}

/*
 * Errors.
 */

/* A token as an error message quotes it: bounded, and with control bytes
 * replaced so a hostile line cannot inject into logs or terminals. */
struct quoted {
	char s[TOKEN_QUOTE_MAX + sizeof("...")];
};

static const char *
quote(const struct token *t, struct quoted *q)
{
	size_t n = t->len < TOKEN_QUOTE_MAX ? t->len : TOKEN_QUOTE_MAX;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t->s[i];
		q->s[i] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	memcpy(q->s + n, n < t->len ? "..." : "", n < t->len ? 4 : 1);
	return q->s;
}

static int fail(struct parser *ps, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record an error at pos; returns -1 so callers can "return fail(...)". */
static int
fail(struct parser *ps, size_t pos, const char *fmt, ...)
{
	va_list ap;

	if (ps->err == NULL)
		return -1;
	ps->err->pos = pos;
	va_start(ap, fmt);
	vsnprintf(ps->err->msg, sizeof(ps->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Tokens.
 */

static void
tokenize(struct parser *ps, const char *text)
{
	size_t i = 0;

	ps->n = 0;
	ps->next = 0;
	while (text[i] != '\0') {
		if (is_space(text[i])) {
			i++;
			continue;
		}
		struct token *t = &ps->tok[ps->n++];
		t->s = &text[i];
		t->pos = i;
		while (text[i] != '\0' && !is_space(text[i]))
			i++;
		t->len = i - t->pos;
	}
}

static const struct token *
peek(const struct parser *ps)
{
	return ps->next < ps->n ? &ps->tok[ps->next] : NULL;
}

static const struct token *
take(struct parser *ps)
{
	return ps->next < ps->n ? &ps->tok[ps->next++] : NULL;
}

/*
 * Numbers: decimal digits, optionally a leading '-' so that "-1" is
 * reported as out of range rather than as an unknown word.
 * Returns 0 and the value (clamped to max + 1), or -1 if not a number.
 */
static int
tok_number(const struct token *t, long max, long *value, bool *negative)
{
	size_t i = 0;
	long v = 0;

	*negative = false;
	if (t->len > 1 && t->s[0] == '-') {
		*negative = true;
		i = 1;
	}
	if (i == t->len)
		return -1;
	for (; i < t->len; i++) {
		if (t->s[i] < '0' || t->s[i] > '9')
			return -1;
		v = v * 10 + (t->s[i] - '0');
		if (v > max)
			v = max + 1; /* no overflow on long digit strings */
	}
	*value = v;
	return 0;
}

/*
 * Grammar.
 */

static int
parse_action(struct parser *ps, struct sgacl_ace *ace)
{
	const struct token *t = take(ps);
	struct quoted q;

	if (t == NULL)
		return fail(ps, ps->text_len, "expected 'permit' or 'deny'");
	if (tok_is(t, "permit"))
		ace->action = SGACL_PERMIT;
	else if (tok_is(t, "deny"))
		ace->action = SGACL_DENY;
	else
		return fail(ps, t->pos, "expected 'permit' or 'deny', got '%s'",
			    quote(t, &q));
	return 0;
}

static int
parse_protocol(struct parser *ps, struct sgacl_ace *ace)
{
	const struct token *t = take(ps);
	struct quoted q;
	bool negative;
	long v;
	int named;

	if (t == NULL)
		return fail(ps, ps->text_len,
			    "expected a protocol name or number after '%s'",
			    ace->action == SGACL_PERMIT ? "permit" : "deny");
	if (tok_number(t, 255, &v, &negative) == 0) {
		if (negative || v > 255)
			return fail(ps, t->pos, "protocol %s out of range 0-255",
				    quote(t, &q));
		ace->proto = (uint16_t)v;
		return 0;
	}
	named = proto_lookup(t->s, t->len);
	if (named < 0)
		return fail(ps, t->pos,
			    "expected a protocol name or number 0-255, got '%s'",
			    quote(t, &q));
	ace->proto = (uint16_t)named;
	return 0;
}

static bool
proto_has_ports(uint16_t proto)
{
	return proto == 6 || proto == 17;
}

static int
port_by_name(struct parser *ps, const struct token *t, uint16_t proto,
	     uint16_t *port)
{
	uint8_t want = proto == 6 ? PORT_TCP : PORT_UDP;
	struct quoted q;

	for (size_t i = 0; i < ARRAY_LEN(port_names); i++) {
		if (!tok_is(t, port_names[i].name))
			continue;
		if (!(port_names[i].protos & want))
			return fail(ps, t->pos, "port name '%s' is not a %s port",
				    port_names[i].name, proto == 6 ? "tcp" : "udp");
		*port = port_names[i].port;
		return 0;
	}
	return fail(ps, t->pos, "expected a port number or name, got '%s'",
		    quote(t, &q));
}

/* One port, a number or a service name; op names the word before it for
 * the message when it is missing. */
static int
parse_port(struct parser *ps, const char *op, uint16_t proto, uint16_t *port,
	   size_t *pos)
{
	const struct token *t = take(ps);
	struct quoted q;
	bool negative;
	long v;

	if (t == NULL)
		return fail(ps, ps->text_len, "expected a port number after '%s'", op);
	*pos = t->pos;
	if (tok_number(t, 65535, &v, &negative) < 0)
		return port_by_name(ps, t, proto, port);
	if (negative || v > 65535)
		return fail(ps, t->pos, "port %s out of range 0-65535", quote(t, &q));
	*port = (uint16_t)v;
	return 0;
}

enum port_op { OP_EQ, OP_LT, OP_GT, OP_NEQ, OP_RANGE, OP_NONE };

static const char *const port_op_names[] = { "eq", "lt", "gt", "neq", "range" };

static enum port_op
port_op_of(const struct token *t)
{
	for (size_t i = 0; i < ARRAY_LEN(port_op_names); i++) {
		if (tok_is(t, port_op_names[i]))
			return (enum port_op)i;
	}
	return OP_NONE;
}

/* eq, lt, gt or neq and its port, as the range [lo, hi] it stands for. */
static int
single_port_cond(struct parser *ps, enum port_op op, uint16_t proto,
		 struct sgacl_port_cond *c)
{
	uint16_t port;
	size_t pos;

	if (parse_port(ps, port_op_names[op], proto, &port, &pos) < 0)
		return -1;
	c->lo = port;
	c->hi = port;
	c->invert = op == OP_NEQ;
	if (op == OP_LT) {
		if (port == 0)
			return fail(ps, pos, "'lt 0' matches no port");
		c->lo = 0;
		c->hi = (uint16_t)(port - 1);
	} else if (op == OP_GT) {
		if (port == 65535)
			return fail(ps, pos, "'gt 65535' matches no port");
		c->lo = (uint16_t)(port + 1);
		c->hi = 65535;
	}
	return 0;
}

static int
range_port_cond(struct parser *ps, uint16_t proto, struct sgacl_port_cond *c)
{
	uint16_t lo, hi;
	size_t pos;

	if (parse_port(ps, "range", proto, &lo, &pos) < 0)
		return -1;
	if (peek(ps) == NULL)
		return fail(ps, ps->text_len,
			    "expected an upper port after 'range %u'", lo);
	if (parse_port(ps, "range", proto, &hi, &pos) < 0)
		return -1;
	if (lo > hi)
		return fail(ps, pos, "range %u %u: upper port below lower port",
			    lo, hi);
	c->lo = lo;
	c->hi = hi;
	c->invert = false;
	return 0;
}

/* "{src|dst} op port..." after the src/dst keyword kw. */
static int
parse_port_cond(struct parser *ps, const struct token *kw,
		struct sgacl_ace *ace)
{
	bool is_src = tok_is(kw, "src");
	struct sgacl_port_cond *c = is_src ? &ace->src : &ace->dst;
	const char *side = is_src ? "src" : "dst";
	const struct token *t;
	enum port_op op;
	struct quoted q;
	int rc;

	if (!proto_has_ports(ace->proto))
		return fail(ps, kw->pos, "port conditions need tcp or udp");
	if (c->present)
		return fail(ps, kw->pos, "duplicate '%s' condition: at most one src and one dst", side);
	t = take(ps);
	if (t == NULL)
		return fail(ps, ps->text_len,
			    "expected eq, lt, gt, neq or range after '%s'", side);
	op = port_op_of(t);
	if (op == OP_NONE)
		return fail(ps, t->pos,
			    "expected eq, lt, gt, neq or range after '%s', got '%s'",
			    side, quote(t, &q));
	if (op == OP_RANGE)
		rc = range_port_cond(ps, ace->proto, c);
	else
		rc = single_port_cond(ps, op, ace->proto, c);
	if (rc < 0)
		return -1;
	c->present = true;
	return 0;
}

static bool
is_unsupported_option(const struct token *t)
{
	for (size_t i = 0; i < ARRAY_LEN(unsupported_options); i++) {
		if (tok_is(t, unsupported_options[i]))
			return true;
	}
	return false;
}

/* Everything after the protocol: port conditions, options, "log". */
static int
parse_tail(struct parser *ps, struct sgacl_ace *ace)
{
	const struct token *t;
	struct quoted q;

	while ((t = take(ps)) != NULL) {
		if (ace->log)
			return fail(ps, t->pos, "'log' must be last, got '%s' after it",
				    quote(t, &q));
		if (tok_is(t, "src") || tok_is(t, "dst")) {
			if (parse_port_cond(ps, t, ace) < 0)
				return -1;
		} else if (tok_is(t, "log")) {
			ace->log = true;
		} else if (is_unsupported_option(t)) {
			return fail(ps, t->pos, "option '%s' is not supported",
				    quote(t, &q));
		} else {
			return fail(ps, t->pos, "unexpected '%s'", quote(t, &q));
		}
	}
	return 0;
}

int
sgacl_ace_parse(const char *text, struct sgacl_ace *ace,
		struct sgacl_error *err)
{
	struct parser ps = { .err = err };
	struct sgacl_ace out = { .src = { .hi = 65535 }, .dst = { .hi = 65535 } };

	if (text == NULL)
		return fail(&ps, 0, "no ACE text");
	ps.text_len = strnlen(text, ACE_TEXT_MAX + 1);
	if (ps.text_len > ACE_TEXT_MAX)
		return fail(&ps, ACE_TEXT_MAX, "ACE longer than %d characters",
			    ACE_TEXT_MAX);
	tokenize(&ps, text);
	if (ps.n == 0)
		return fail(&ps, ps.text_len, "empty ACE: expected 'permit' or 'deny'");
	if (parse_action(&ps, &out) < 0 || parse_protocol(&ps, &out) < 0 ||
	    parse_tail(&ps, &out) < 0)
		return -1;
	*ace = out;
	return 0;
}

/*
 * Formatting.
 */

/* snprintf that appends at *off and keeps counting past the end of buf,
 * so the total is what an unbounded buffer would have needed. */
static void
append(char *buf, size_t len, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
append(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*off < len ? buf + *off : NULL, *off < len ? len - *off : 0,
		      fmt, ap);
	va_end(ap);
	if (n > 0)
		*off += (size_t)n;
}

/*
 * The written form of a condition, derived from its range: parsing keeps
 * only [lo, hi] and invert, so "lt 1" comes back as "eq 0". Returns -1 for
 * a condition the grammar cannot write (an empty range, an inverted range
 * wider than one port), so that every formatted ACE parses back.
 */
static int
format_cond(const char *side, const struct sgacl_port_cond *c, char *buf,
	    size_t len, size_t *off)
{
	if (!c->present)
		return 0;
	if (c->lo > c->hi || (c->invert && c->lo != c->hi))
		return -1;
	if (c->invert)
		append(buf, len, off, " %s neq %u", side, c->lo);
	else if (c->lo == c->hi)
		append(buf, len, off, " %s eq %u", side, c->lo);
	else if (c->lo == 0 && c->hi == 65535)
		append(buf, len, off, " %s range 0 65535", side);
	else if (c->lo == 0)
		append(buf, len, off, " %s lt %u", side, c->hi + 1u);
	else if (c->hi == 65535)
		append(buf, len, off, " %s gt %u", side, c->lo - 1u);
	else
		append(buf, len, off, " %s range %u %u", side, c->lo, c->hi);
	return 0;
}

int
sgacl_ace_format(const struct sgacl_ace *ace, char *buf, size_t len)
{
	const char *pname;
	size_t off = 0;

	if (ace->action > SGACL_DENY || ace->proto > SGACL_PROTO_ICMPX)
		return -1;
	if ((ace->src.present || ace->dst.present) && !proto_has_ports(ace->proto))
		return -1;
	append(buf, len, &off, "%s", ace->action == SGACL_PERMIT ? "permit" : "deny");
	pname = sgacl_proto_name(ace->proto);
	if (pname != NULL)
		append(buf, len, &off, " %s", pname);
	else
		append(buf, len, &off, " %u", ace->proto);
	if (format_cond("src", &ace->src, buf, len, &off) < 0 ||
	    format_cond("dst", &ace->dst, buf, len, &off) < 0) {
		if (len > 0)
			buf[0] = '\0';
		return -1;
	}
	if (ace->log)
		append(buf, len, &off, " log");
	return (int)off;
}
