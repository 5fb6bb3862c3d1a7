/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Loading a configuration: read the file once, parse it with libyaml into a
 * document (which keeps every node's line), check the document against the
 * schema, let libcyaml fill the raw structs, then resolve names and check
 * what a schema cannot say (ranges, references, duplicates, ACE grammar).
 * Every error is reported against the document node it concerns, so its line
 * is right whichever stage found it. Nothing is returned unless everything
 * passed, including a trial compile of the policy.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "config_schema.h"

/* Far beyond any real configuration; stops a wrong path from eating RAM. */
#define CFG_FILE_MAX (64u << 20)

#define SGT_NAMED_MAX 65519u   /* ISE assigns 2..65519; higher are reserved */

/* Room for a name or number quoted in a message. */
#define CFG_NAME_TEXT (POLICY_NAME_MAX + 2)

#define DEF_WORKERS 1u
#define DEF_MBUFS 16384u
#define DEF_LOG_RATE 10u

/* docs/sync.md: where the two processes meet by default. */
#define DEF_CP_SOCKET "/run/sgtgw/dataplane.sock"
#define DEF_CP_ADMIN_SOCKET "/run/sgtgw/controlplane.sock"
#define DEF_CP_CACHE "/var/lib/sgtgw/dataplane.cache"
#define DEF_CP_HOLD_TIME 5      /* seconds */

struct range {
	const char *key;        /* the whole key path, for the error */
	uint32_t min, max, def;
};

static const struct range workers_range = { "dataplane.workers", 1, 64,
					    DEF_WORKERS };
static const struct range mbufs_range = { "dataplane.mbufs", 1024, 4194304,
					  DEF_MBUFS };
static const struct range log_rate_range = { "dataplane.log_rate", 0, 100000,
					     DEF_LOG_RATE };
/* Keepalives go every second: three may be lost, as SXP's minimum. */
static const struct range hold_time_range = { "controlplane.hold_time", 3, 3600,
					      DEF_CP_HOLD_TIME };

/* A limit not written is 0: the dataplane sizes that table itself. */
static const struct range limit_ranges[CONFIG_LIMITS] = {
	[CONFIG_LIMIT_V4_HOSTS] = { "limits.ipv4_hosts", 1,
				    CONFIG_LIMIT_V4_HOSTS_MAX, 0 },
	[CONFIG_LIMIT_V4_PREFIXES] = { "limits.ipv4_prefixes", 1,
				       CONFIG_LIMIT_V4_PREFIXES_MAX, 0 },
	[CONFIG_LIMIT_V6_HOSTS] = { "limits.ipv6_hosts", 1,
				    CONFIG_LIMIT_V6_HOSTS_MAX, 0 },
	[CONFIG_LIMIT_V6_PREFIXES] = { "limits.ipv6_prefixes", 1,
				       CONFIG_LIMIT_V6_PREFIXES_MAX, 0 },
};

struct load {
	const char *path;
	char *err;
	size_t errlen;
	char *buf;
	size_t len;
	yaml_document_t doc;
	bool have_doc;
	struct cfg_raw *raw;
	struct config *cfg;
};

/* ---- errors ---------------------------------------------------------- */

static void
put_err(struct load *ld, unsigned long line, const char *key, const char *msg)
{
	if (!ld->err || ld->errlen == 0)
		return;
	if (line && key && *key)
		snprintf(ld->err, ld->errlen, "%s:%lu: key '%s': %s", ld->path,
			 line, key, msg);
	else if (line)
		snprintf(ld->err, ld->errlen, "%s:%lu: %s", ld->path, line,
			 msg);
	else
		snprintf(ld->err, ld->errlen, "%s: %s", ld->path, msg);
}

/* An error about the value at a key path; the document gives the line. */
__attribute__((format(printf, 3, 4))) static int
bad(struct load *ld, const char *key, const char *fmt, ...)
{
	char msg[CFG_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	put_err(ld, cfg_doc_line(&ld->doc, key), key, msg);
	return -1;
}

__attribute__((format(printf, 2, 3))) static const char *
keyf(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, CFG_KEY_MAX, fmt, ap);
	va_end(ap);
	return buf;
}

static unsigned long
line_of(struct load *ld, const char *key)
{
	return cfg_doc_line(&ld->doc, key);
}

static int
oom(struct load *ld)
{
	put_err(ld, 0, NULL, "out of memory");
	return -1;
}

/* ---- duplicates ------------------------------------------------------ */

/* An entry's identity as bytes, with its position in the file's list. */
struct dup_item {
	const void *key;
	size_t len;
	uint32_t idx;
};

static int
dup_cmp(const void *a, const void *b)
{
	const struct dup_item *x = a, *y = b;
	int c;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	c = memcmp(x->key, y->key, x->len);
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Sorts items; finds the repeated entry that comes first in the file and
 * the earlier entry it repeats. Sorting keeps large binding lists linear-ish.
 */
static bool
find_duplicate(struct dup_item *items, size_t n, uint32_t *first,
	       uint32_t *again)
{
	bool found = false;
	size_t run = 0;

	qsort(items, n, sizeof(*items), dup_cmp);
	for (size_t i = 1; i < n; i++) {
		if (items[i].len != items[run].len ||
		    memcmp(items[i].key, items[run].key, items[i].len)) {
			run = i;
			continue;
		}
		if (!found || items[i].idx < *again) {
			*first = items[run].idx;
			*again = items[i].idx;
			found = true;
		}
	}
	return found;
}

static struct dup_item *
dup_items(struct load *ld, size_t n)
{
	struct dup_item *items = calloc(n ? n : 1, sizeof(*items));

	if (!items)
		oom(ld);
	return items;
}

/* ---- names and numbers ---------------------------------------------- */

static bool
name_ok(const char *s)
{
	return *s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			       "0123456789_.-") == strlen(s);
}

static bool
all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* A number or a name from sgts; key names the value for the error. */
static int
resolve_sgt(struct load *ld, const char *text, const char *key, sgt_t *out)
{
	int v;

	if (all_digits(text)) {
		if (strlen(text) > 5 || strtoul(text, NULL, 10) > SGT_MAX)
			return bad(ld, key, "SGT %s out of range 0..%u", text,
				   SGT_MAX);
		*out = (sgt_t)strtoul(text, NULL, 10);
		return 0;
	}
	v = policy_sgt_by_name(&ld->cfg->policy, text);
	if (v < 0)
		return bad(ld, key, "unknown SGT name '%s' (not in sgts)",
			   text);
	*out = (sgt_t)v;
	return 0;
}

/* ---- reading and parsing the file ----------------------------------- */

static int
read_file(struct load *ld)
{
	struct stat st;
	ssize_t got;
	int fd = open(ld->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0)
		goto sys_err;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto sys_err;
	}
	if (st.st_size > (off_t)CFG_FILE_MAX) {
		close(fd);
		put_err(ld, 0, NULL, "larger than 64 MiB; not a configuration");
		return -1;
	}
	ld->buf = malloc((size_t)st.st_size + 1);
	if (!ld->buf) {
		close(fd);
		return oom(ld);
	}
	while (ld->len < (size_t)st.st_size) {
		got = read(fd, ld->buf + ld->len, (size_t)st.st_size - ld->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			goto sys_err;
		if (got == 0)
			break;
		ld->len += (size_t)got;
	}
	ld->buf[ld->len] = '\0';
	close(fd);
	return 0;
sys_err:;
	char msg[CFG_MSG_MAX];
	int e = errno;

	if (fd >= 0)
		close(fd);
	snprintf(msg, sizeof(msg), "cannot read: %s", strerror(e));
	put_err(ld, 0, NULL, msg);
	return -1;
}

static unsigned long
line_at_offset(const struct load *ld, size_t off)
{
	unsigned long line = 1;

	for (size_t i = 0; i < off && i < ld->len; i++)
		line += ld->buf[i] == '\n';
	return line;
}

static int
yaml_error(struct load *ld, const yaml_parser_t *p)
{
	char msg[CFG_MSG_MAX];

	if (p->error == YAML_MEMORY_ERROR)
		return oom(ld);
	if (p->error == YAML_READER_ERROR) {
		/* Marks are not kept for reader errors: count lines ourselves. */
		snprintf(msg, sizeof(msg),
			 "not a UTF-8 text file: %s at byte %zu",
			 p->problem ? p->problem : "unreadable",
			 p->problem_offset);
		put_err(ld, line_at_offset(ld, p->problem_offset), NULL, msg);
		return -1;
	}
	if (p->context)
		snprintf(msg, sizeof(msg), "YAML syntax error at column %zu: "
			 "%s %s started on line %zu", p->problem_mark.column + 1,
			 p->problem ? p->problem : "unknown problem",
			 p->context, p->context_mark.line + 1);
	else
		snprintf(msg, sizeof(msg),
			 "YAML syntax error at column %zu: %s",
			 p->problem_mark.column + 1,
			 p->problem ? p->problem : "unknown problem");
	put_err(ld, (unsigned long)p->problem_mark.line + 1, NULL, msg);
	return -1;
}

/* A second document would be silently ignored by libcyaml: refuse it. */
static int
check_single_document(struct load *ld, yaml_parser_t *p)
{
	yaml_document_t next;
	yaml_node_t *root;
	unsigned long line;

	if (!yaml_parser_load(p, &next))
		return yaml_error(ld, p);
	root = yaml_document_get_root_node(&next);
	line = (unsigned long)next.start_mark.line + 1;
	yaml_document_delete(&next);
	if (root) {
		put_err(ld, line, NULL,
			"a second YAML document ('---'): the file must hold one");
		return -1;
	}
	return 0;
}

static int
parse_document(struct load *ld)
{
	yaml_parser_t p;
	int rc = 0;

	if (!yaml_parser_initialize(&p))
		return oom(ld);
	yaml_parser_set_input_string(&p, (const unsigned char *)ld->buf,
				     ld->len);
	if (!yaml_parser_load(&p, &ld->doc)) {
		rc = yaml_error(ld, &p);
	} else {
		ld->have_doc = true;
		rc = check_single_document(ld, &p);
	}
	yaml_parser_delete(&p);
	return rc;
}

/*
 * The document keeps an alias as a second reference to the anchored node,
 * with the anchor's line: find the first alias in the event stream instead.
 * The checker meets aliases in file order, so the first one is the culprit.
 */
static unsigned long
first_alias_line(const struct load *ld)
{
	unsigned long line = 0;
	yaml_parser_t p;
	yaml_event_t ev;

	if (!yaml_parser_initialize(&p))
		return 0;
	yaml_parser_set_input_string(&p, (const unsigned char *)ld->buf,
				     ld->len);
	while (!line && yaml_parser_parse(&p, &ev)) {
		bool end = ev.type == YAML_STREAM_END_EVENT;

		if (ev.type == YAML_ALIAS_EVENT)
			line = (unsigned long)ev.start_mark.line + 1;
		yaml_event_delete(&ev);
		if (end)
			break;
	}
	yaml_parser_delete(&p);
	return line;
}

static int
check_schema(struct load *ld)
{
	struct cfg_err e = { 0 };
	unsigned long alias_line;

	if (cfg_schema_check(&ld->doc, &cfg_schema, &e) == 0)
		return 0;
	if (e.alias && (alias_line = first_alias_line(ld)) != 0)
		e.line = alias_line;
	put_err(ld, e.line, e.key, e.msg);
	return -1;
}

/* ---- libcyaml -------------------------------------------------------- */

struct cyaml_log_buf {
	char text[CFG_MSG_MAX];
	size_t used;
};

static void
cyaml_capture(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
	struct cyaml_log_buf *lb = ctx;
	int n;

	if (level < CYAML_LOG_ERROR || lb->used >= sizeof(lb->text) - 1)
		return;
	n = vsnprintf(lb->text + lb->used, sizeof(lb->text) - lb->used, fmt,
		      args);
	if (n > 0)
		lb->used += (size_t)n;
	if (lb->used >= sizeof(lb->text))
		lb->used = sizeof(lb->text) - 1;
}

/* Per call, not static: config_load may run in several threads. */
static void
cyaml_cfg(cyaml_config_t *c, struct cyaml_log_buf *lb)
{
	*c = (cyaml_config_t){
		.log_fn = cyaml_capture,
		.log_ctx = lb,
		.mem_fn = cyaml_mem,
		.log_level = CYAML_LOG_ERROR,
		.flags = CYAML_CFG_NO_ALIAS,
	};
}

/*
 * The schema check accepts only what libcyaml accepts, so this is reached
 * on memory exhaustion or a disagreement between the two: report libcyaml's
 * first message and the line of its backtrace's innermost entry.
 */
static int
cyaml_error(struct load *ld, cyaml_err_t rc, struct cyaml_log_buf *lb)
{
	char msg[CFG_MSG_MAX];
	const char *at = strstr(lb->text, "(line: ");
	unsigned long line = at ? strtoul(at + 7, NULL, 10) : 0;
	size_t first = strcspn(lb->text, "\n");

	if (rc == CYAML_ERR_OOM)
		return oom(ld);
	snprintf(msg, sizeof(msg), "libcyaml: %.*s",
		 (int)(first ? first : strlen(cyaml_strerror(rc))),
		 first ? lb->text : cyaml_strerror(rc));
	put_err(ld, line, NULL, msg);
	return -1;
}

static int
load_raw(struct load *ld)
{
	struct cyaml_log_buf lb = { .used = 0 };
	cyaml_config_t c;
	cyaml_err_t rc;

	cyaml_cfg(&c, &lb);
	rc = cyaml_load_data((const uint8_t *)ld->buf, ld->len, &c, &cfg_schema,
			     (cyaml_data_t **)&ld->raw, NULL);
	if (rc != CYAML_OK)
		return cyaml_error(ld, rc, &lb);
	return 0;
}

static void
free_raw(struct load *ld)
{
	struct cyaml_log_buf lb = { .used = 0 };
	cyaml_config_t c;

	cyaml_cfg(&c, &lb);
	if (ld->raw)
		cyaml_free(&c, &cfg_schema, ld->raw, 0);
	ld->raw = NULL;
}

/* ---- dataplane -------------------------------------------------------- */

static int
take_range(struct load *ld, const uint32_t *v, const struct range *r,
	   uint32_t *out)
{
	if (!v) {
		*out = r->def;
		return 0;
	}
	if (*v < r->min || *v > r->max)
		return bad(ld, r->key, "%u out of range %u..%u", *v, r->min,
			   r->max);
	*out = *v;
	return 0;
}

static int
build_dataplane(struct load *ld)
{
	const struct cfg_raw_dataplane *d = ld->raw->dataplane;
	const struct cfg_raw_dataplane none = { 0 };
	struct config *cfg = ld->cfg;

	if (!d)
		d = &none;
	cfg->non_ip = (uint8_t)d->non_ip;
	if (take_range(ld, d->workers, &workers_range, &cfg->workers) < 0 ||
	    take_range(ld, d->mbufs, &mbufs_range, &cfg->mbufs) < 0 ||
	    take_range(ld, d->log_rate, &log_rate_range, &cfg->log_rate) < 0)
		return -1;
	return 0;
}

/* ---- controlplane ------------------------------------------------------ */

/* A path as written, or the default; no control characters (it ends up in
 * log lines and error messages). */
static int
take_path(struct load *ld, const char *written, const char *def,
	  const char *field, char **out)
{
	char key[CFG_KEY_MAX];
	const char *v = written ? written : def;

	for (const char *c = v; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return bad(ld, keyf(key, "controlplane.%s", field),
				   "a path cannot hold control characters");
	}
	*out = strdup(v);
	return *out ? 0 : oom(ld);
}

/* Two of the files on one path would clobber each other. The error names
 * the later key that was written (a default is nowhere in the file). */
static int
distinct_paths(struct load *ld)
{
	const struct cfg_raw_controlplane *r = ld->raw->controlplane;
	const struct config_controlplane *cp = &ld->cfg->controlplane;
	const struct { const char *field, *path; bool written; } f[] = {
		{ "socket", cp->socket, r->socket != NULL },
		{ "admin_socket", cp->admin_socket, r->admin_socket != NULL },
		{ "cache", cp->cache, r->cache != NULL },
	};
	size_t n = sizeof(f) / sizeof(f[0]);
	char key[CFG_KEY_MAX];

	for (size_t i = 0; i < n; i++) {
		for (size_t j = i + 1; j < n; j++) {
			size_t blame = f[j].written ? j : i, other = i + j - blame;

			if (strcmp(f[i].path, f[j].path) != 0)
				continue;
			return bad(ld, keyf(key, "controlplane.%s", f[blame].field),
				   "'%s' is also the path of controlplane.%s%s: "
				   "each needs its own", f[blame].path,
				   f[other].field, f[other].written ? "" :
				   " (its default)");
		}
	}
	return 0;
}

static int
build_controlplane(struct load *ld)
{
	const struct cfg_raw_controlplane *r = ld->raw->controlplane;
	struct config_controlplane *cp = &ld->cfg->controlplane;

	cp->hold_time = hold_time_range.def;
	if (!r)
		return 0;   /* standalone */
	cp->enabled = true;
	cp->no_cache = (uint8_t)r->no_cache;
	if (take_range(ld, r->hold_time, &hold_time_range, &cp->hold_time) < 0)
		return -1;
	if (take_path(ld, r->socket, DEF_CP_SOCKET, "socket", &cp->socket) < 0 ||
	    take_path(ld, r->admin_socket, DEF_CP_ADMIN_SOCKET, "admin_socket",
		      &cp->admin_socket) < 0 ||
	    take_path(ld, r->cache, DEF_CP_CACHE, "cache", &cp->cache) < 0)
		return -1;
	return distinct_paths(ld);
}

/* ---- limits ------------------------------------------------------------ */

static const char *const limit_names[CONFIG_LIMITS] = {
	[CONFIG_LIMIT_V4_HOSTS] = "IPv4 hosts",
	[CONFIG_LIMIT_V4_PREFIXES] = "IPv4 prefixes",
	[CONFIG_LIMIT_V6_HOSTS] = "IPv6 hosts",
	[CONFIG_LIMIT_V6_PREFIXES] = "IPv6 prefixes",
};

const char *
config_limit_key(enum config_limit l)
{
	/* The range's key path, past "limits.". */
	return l < CONFIG_LIMITS ?
	       limit_ranges[l].key + sizeof("limits.") - 1 : "?";
}

const char *
config_limit_name(enum config_limit l)
{
	return l < CONFIG_LIMITS ? limit_names[l] : "?";
}

enum config_limit
config_limit_of(uint8_t family, uint8_t prefix_len)
{
	if (family == AF_INET6)
		return prefix_len == 128 ? CONFIG_LIMIT_V6_HOSTS :
					   CONFIG_LIMIT_V6_PREFIXES;
	return prefix_len == 32 ? CONFIG_LIMIT_V4_HOSTS :
				  CONFIG_LIMIT_V4_PREFIXES;
}

static int
build_limits(struct load *ld)
{
	const struct cfg_raw_limits *r = ld->raw->limits;
	const struct cfg_raw_limits none = { 0 };
	const uint32_t *written[CONFIG_LIMITS];

	if (!r)
		r = &none;
	written[CONFIG_LIMIT_V4_HOSTS] = r->ipv4_hosts;
	written[CONFIG_LIMIT_V4_PREFIXES] = r->ipv4_prefixes;
	written[CONFIG_LIMIT_V6_HOSTS] = r->ipv6_hosts;
	written[CONFIG_LIMIT_V6_PREFIXES] = r->ipv6_prefixes;
	for (int l = 0; l < CONFIG_LIMITS; l++) {
		if (take_range(ld, written[l], &limit_ranges[l],
			       &ld->cfg->limits[l]) < 0)
			return -1;
	}
	return 0;
}

/*
 * Standalone, the file's bindings are all the tables will ever hold: a
 * limit below them is a mistake in the file, and --check-config should
 * say so rather than the gateway at start. Managed, the file's bindings
 * are not used (the cache's are: see the dataplane's table sizing).
 */
static int
bindings_within_limits(struct load *ld)
{
	const struct config *cfg = ld->cfg;
	uint32_t n[CONFIG_LIMITS] = { 0 };

	if (cfg->controlplane.enabled)
		return 0;
	for (uint32_t i = 0; i < cfg->n_bindings; i++)
		n[config_limit_of(cfg->bindings[i].family,
				  cfg->bindings[i].prefix_len)]++;
	for (int l = 0; l < CONFIG_LIMITS; l++) {
		if (cfg->limits[l] == 0 || n[l] <= cfg->limits[l])
			continue;
		return bad(ld, limit_ranges[l].key, "%u is fewer than the %u "
			   "%s in bindings: raise it or leave it out",
			   cfg->limits[l], n[l], limit_names[l]);
	}
	return 0;
}

/* ---- SGT names --------------------------------------------------------- */

static int
check_sgt_entry(struct load *ld, uint32_t i)
{
	const struct cfg_raw_sgt *s = &ld->raw->sgts[i];
	char key[CFG_KEY_MAX];

	if (s->value > SGT_NAMED_MAX)
		return bad(ld, keyf(key, "sgts[%u].value", i),
			   "SGT value %u out of range 0..%u (higher values are "
			   "reserved)", s->value, SGT_NAMED_MAX);
	if (!name_ok(s->name))
		return bad(ld, keyf(key, "sgts[%u].name", i),
			   "'%s': a name uses only letters, digits, '_', '.', "
			   "'-'", s->name);
	if (all_digits(s->name))
		return bad(ld, keyf(key, "sgts[%u].name", i),
			   "'%s': a name cannot be all digits (it would read "
			   "as an SGT number)", s->name);
	return 0;
}

static void
sgt_dup_item(const struct cfg_raw_sgt *s, uint32_t i, bool by_name,
	     struct dup_item *item)
{
	if (by_name)
		*item = (struct dup_item){ s->name, strlen(s->name), i };
	else
		*item = (struct dup_item){ &s->value, sizeof(s->value), i };
}

/* Names and values both identify a group: each may appear once. */
static int
sgt_duplicates(struct load *ld, bool by_name)
{
	uint32_t n = ld->raw->sgts_count, first = 0, again = 0;
	struct dup_item *items = dup_items(ld, n);
	const char *field = by_name ? "name" : "value";
	char key[CFG_KEY_MAX], where[CFG_KEY_MAX], what[CFG_NAME_TEXT];
	int rc = 0;

	if (!items)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		sgt_dup_item(&ld->raw->sgts[i], i, by_name, &items[i]);
	if (find_duplicate(items, n, &first, &again)) {
		const struct cfg_raw_sgt *s = &ld->raw->sgts[again];

		if (by_name)
			snprintf(what, sizeof(what), "'%s'", s->name);
		else
			snprintf(what, sizeof(what), "%u", s->value);
		rc = bad(ld, keyf(key, "sgts[%u].%s", again, field),
			 "SGT %s %s given twice (first on line %lu, sgts[%u])",
			 field, what, line_of(ld, keyf(where, "sgts[%u]", first)),
			 first);
	}
	free(items);
	return rc;
}

static int
build_sgt_names(struct load *ld)
{
	struct policy *p = &ld->cfg->policy;
	uint32_t n = ld->raw->sgts_count;

	for (uint32_t i = 0; i < n; i++) {
		if (check_sgt_entry(ld, i) < 0)
			return -1;
	}
	if (sgt_duplicates(ld, true) < 0 || sgt_duplicates(ld, false) < 0)
		return -1;
	p->names = calloc(n ? n : 1, sizeof(*p->names));
	if (!p->names)
		return oom(ld);
	for (uint32_t i = 0; i < n; i++) {
		p->names[i].value = (sgt_t)ld->raw->sgts[i].value;
		snprintf(p->names[i].name, sizeof(p->names[i].name), "%s",
			 ld->raw->sgts[i].name);
	}
	p->n_names = n;
	return 0;
}

/* ---- SGACLs ---------------------------------------------------------- */

/*
 * The file column of byte pos of an ACE, when the scalar sits on one line
 * and holds no escapes (its span in the file equals its length); else 0.
 */
static unsigned long
ace_column(const yaml_node_t *n, size_t pos)
{
	size_t quotes, span;

	if (!n || n->type != YAML_SCALAR_NODE ||
	    n->start_mark.line != n->end_mark.line)
		return 0;
	switch (n->data.scalar.style) {
	case YAML_PLAIN_SCALAR_STYLE:
		quotes = 0;
		break;
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		quotes = 1;
		break;
	default:
		return 0;
	}
	span = n->end_mark.column - n->start_mark.column;
	if (span != n->data.scalar.length + 2 * quotes)
		return 0;
	return (unsigned long)(n->start_mark.column + quotes + pos + 1);
}

/* The ACE as one line of an error message (a folded scalar has newlines). */
static void
one_line(char *dst, size_t len, const char *src)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < len; i++)
		dst[i] = (unsigned char)src[i] < 0x20 ? ' ' : src[i];
	dst[i] = '\0';
}

static int
ace_error(struct load *ld, const char *key, const char *ace,
	  const struct sgacl_error *e)
{
	unsigned long col = ace_column(cfg_doc_find(&ld->doc, key), e->pos);
	char text[CFG_MSG_MAX / 2];

	one_line(text, sizeof(text), ace);
	if (col)
		return bad(ld, key, "bad ACE \"%s\" at column %lu: %s", text,
			   col, e->msg);
	return bad(ld, key, "bad ACE \"%s\" at position %zu of the ACE: %s",
		   text, e->pos + 1, e->msg);
}

static int
build_sgacl(struct load *ld, uint32_t i)
{
	const struct cfg_raw_sgacl *r = &ld->raw->sgacls[i];
	struct policy_sgacl *s = &ld->cfg->policy.sgacls[i];
	char key[CFG_KEY_MAX];
	struct sgacl_error e;

	if (!name_ok(r->name))
		return bad(ld, keyf(key, "sgacls[%u].name", i),
			   "'%s': a name uses only letters, digits, '_', '.', "
			   "'-'", r->name);
	snprintf(s->name, sizeof(s->name), "%s", r->name);
	s->aces = calloc(r->aces_count, sizeof(*s->aces));
	s->ace_text = calloc(r->aces_count, sizeof(*s->ace_text));
	if (!s->aces || !s->ace_text)
		return oom(ld);
	s->n_aces = r->aces_count;
	for (uint32_t j = 0; j < r->aces_count; j++) {
		s->ace_text[j] = strdup(r->aces[j]);
		if (!s->ace_text[j])
			return oom(ld);
		if (sgacl_ace_parse(r->aces[j], &s->aces[j], &e) < 0)
			return ace_error(ld, keyf(key, "sgacls[%u].aces[%u]",
						  i, j), r->aces[j], &e);
	}
	return 0;
}

/* A name given twice in LIST ("sgacls", "ports"): the second one is
 * reported, naming the line of the first. */
static int
name_duplicates(struct load *ld, const char *list, const char *what,
		uint32_t n, const char *(*name_at)(const struct load *, uint32_t))
{
	uint32_t first = 0, again = 0;
	struct dup_item *items = dup_items(ld, n);
	char key[CFG_KEY_MAX], where[CFG_KEY_MAX];
	int rc = 0;

	if (!items)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		const char *name = name_at(ld, i);

		items[i] = (struct dup_item){ name, strlen(name), i };
	}
	if (find_duplicate(items, n, &first, &again))
		rc = bad(ld, keyf(key, "%s[%u].name", list, again),
			 "%s name '%s' given twice (first on line %lu, %s[%u])",
			 what, name_at(ld, again),
			 line_of(ld, keyf(where, "%s[%u]", list, first)),
			 list, first);
	free(items);
	return rc;
}

static const char *
sgacl_name_at(const struct load *ld, uint32_t i)
{
	return ld->raw->sgacls[i].name;
}

static int
build_sgacls(struct load *ld)
{
	struct policy *p = &ld->cfg->policy;
	uint32_t n = ld->raw->sgacls_count;

	p->sgacls = calloc(n ? n : 1, sizeof(*p->sgacls));
	if (!p->sgacls)
		return oom(ld);
	p->n_sgacls = n;
	for (uint32_t i = 0; i < n; i++) {
		if (build_sgacl(ld, i) < 0)
			return -1;
	}
	return name_duplicates(ld, "sgacls", "SGACL",
			       ld->raw->sgacls_count, sgacl_name_at);
}

/* ---- ports ------------------------------------------------------------ */

static int
build_port(struct load *ld, uint32_t i)
{
	const struct cfg_raw_port *r = &ld->raw->ports[i];
	struct config_port *port = &ld->cfg->ports[i];
	char key[CFG_KEY_MAX];

	port->peer = -1;
	port->default_sgt = SGT_UNKNOWN;
	if (!name_ok(r->name))
		return bad(ld, keyf(key, "ports[%u].name", i),
			   "'%s': a port name uses only letters, digits, '_', "
			   "'.', '-'", r->name);
	snprintf(port->name, sizeof(port->name), "%s", r->name);
	port->device = strdup(r->device);
	if (!port->device)
		return oom(ld);
	port->trusted = r->trust == CFG_TRUSTED;
	port->egress_tag = (uint8_t)r->egress_tag;
	if (r->default_sgt &&
	    resolve_sgt(ld, r->default_sgt,
			keyf(key, "ports[%u].default_sgt", i),
			&port->default_sgt) < 0)
		return -1;
	return 0;
}

static const char *
port_name_at(const struct load *ld, uint32_t i)
{
	return ld->raw->ports[i].name;
}

static int
build_ports(struct load *ld)
{
	struct config *cfg = ld->cfg;
	uint32_t n = ld->raw->ports_count;

	cfg->ports = calloc(n, sizeof(*cfg->ports));
	if (!cfg->ports)
		return oom(ld);
	cfg->n_ports = n;
	for (uint32_t i = 0; i < n; i++) {
		if (build_port(ld, i) < 0)
			return -1;
	}
	return name_duplicates(ld, "ports", "port",
			       ld->raw->ports_count, port_name_at);
}

/* ---- port pairs -------------------------------------------------------- */

static int
pair_port(struct load *ld, uint32_t i, uint32_t j, const int *pair_of,
	  int *idx)
{
	const char *name = ld->raw->port_pairs[i]->port[j];
	char key[CFG_KEY_MAX], where[CFG_KEY_MAX];

	keyf(key, "port_pairs[%u][%u]", i, j);
	*idx = config_port_by_name(ld->cfg, name);
	if (*idx < 0)
		return bad(ld, key, "unknown port '%s' (not in ports)", name);
	if (pair_of[*idx] >= 0)
		return bad(ld, key, "port '%s' is already in port_pairs[%d] "
			   "(line %lu); a port is in at most one pair", name,
			   pair_of[*idx],
			   line_of(ld, keyf(where, "port_pairs[%d]",
					    pair_of[*idx])));
	return 0;
}

static int
build_pairs(struct load *ld)
{
	struct config *cfg = ld->cfg;
	int pair_of[32];
	char key[CFG_KEY_MAX];
	int a, b;

	for (size_t k = 0; k < sizeof(pair_of) / sizeof(pair_of[0]); k++)
		pair_of[k] = -1;
	for (uint32_t i = 0; i < ld->raw->port_pairs_count; i++) {
		if (pair_port(ld, i, 0, pair_of, &a) < 0)
			return -1;
		if (pair_port(ld, i, 1, pair_of, &b) < 0)
			return -1;
		if (a == b)
			return bad(ld, keyf(key, "port_pairs[%u][1]", i),
				   "port '%s' cannot be paired with itself",
				   cfg->ports[a].name);
		pair_of[a] = pair_of[b] = (int)i;
		cfg->ports[a].peer = b;
		cfg->ports[b].peer = a;
	}
	return 0;
}

/* ---- policy ------------------------------------------------------------ */

static int
resolve_sgacl_list(struct load *ld, char *const *names, uint32_t n,
		   const char *base, struct policy_cell *cell)
{
	char key[CFG_KEY_MAX];

	cell->sgacls = calloc(n ? n : 1, sizeof(*cell->sgacls));
	if (!cell->sgacls)
		return oom(ld);
	for (uint32_t j = 0; j < n; j++) {
		int idx = policy_sgacl_by_name(&ld->cfg->policy, names[j]);

		if (idx < 0)
			return bad(ld, keyf(key, "%s.sgacls[%u]", base, j),
				   "unknown SGACL '%s' (not in sgacls)",
				   names[j]);
		cell->sgacls[j] = (uint32_t)idx;
	}
	cell->n_sgacls = n;
	return 0;
}

static int
build_default(struct load *ld)
{
	const struct cfg_raw_policy *rp = ld->raw->policy;
	struct policy *p = &ld->cfg->policy;

	p->default_cell.mode = POLICY_CELL_ENFORCE;
	if (!rp) {
		/* No policy at all: a transparent gateway. */
		p->default_cell.catch_all = POLICY_CATCH_ALL_PERMIT;
		return 0;
	}
	p->monitor_all = rp->monitor_mode;
	if (rp->def->catch_all == POLICY_CATCH_ALL_NONE)
		return bad(ld, "policy.default.catch_all",
			   "the default cell ends every decision: catch_all "
			   "must be permit or deny, not none");
	p->default_cell.catch_all = (uint8_t)rp->def->catch_all;
	return resolve_sgacl_list(ld, rp->def->sgacls, rp->def->sgacls_count,
				  "policy.default", &p->default_cell);
}

static int
build_cell(struct load *ld, uint32_t i)
{
	const struct cfg_raw_cell *r = &ld->raw->policy->cells[i];
	struct policy_cell *c = &ld->cfg->policy.cells[i];
	char key[CFG_KEY_MAX], base[CFG_KEY_MAX];

	keyf(base, "policy.cells[%u]", i);
	if (resolve_sgt(ld, r->src, keyf(key, "%s.src", base), &c->src) < 0 ||
	    resolve_sgt(ld, r->dst, keyf(key, "%s.dst", base), &c->dst) < 0)
		return -1;
	c->catch_all = (uint8_t)r->catch_all;
	c->mode = (uint8_t)r->mode;
	if (resolve_sgacl_list(ld, r->sgacls, r->sgacls_count, base, c) < 0)
		return -1;
	if (c->n_sgacls == 0 && c->catch_all == POLICY_CATCH_ALL_NONE)
		return bad(ld, base, "no sgacls and catch_all none: the cell "
			   "would only repeat the default; give SGACLs or a "
			   "catch_all");
	return 0;
}

_Static_assert(offsetof(struct policy_cell, dst) ==
	       offsetof(struct policy_cell, src) + sizeof(sgt_t),
	       "a cell's (src, dst) is compared as 4 contiguous bytes");

static int
cell_duplicates(struct load *ld)
{
	const struct policy *p = &ld->cfg->policy;
	struct dup_item *items = dup_items(ld, p->n_cells);
	char key[CFG_KEY_MAX], where[CFG_KEY_MAX];
	uint32_t first = 0, again = 0;
	int rc = 0;

	if (!items)
		return -1;
	for (uint32_t i = 0; i < p->n_cells; i++)
		items[i] = (struct dup_item){ &p->cells[i].src,
					      2 * sizeof(sgt_t), i };
	if (find_duplicate(items, p->n_cells, &first, &again))
		rc = bad(ld, keyf(key, "policy.cells[%u]", again),
			 "cell %u -> %u given twice (first on line %lu, "
			 "policy.cells[%u])", p->cells[again].src,
			 p->cells[again].dst,
			 line_of(ld, keyf(where, "policy.cells[%u]", first)),
			 first);
	free(items);
	return rc;
}

static int
build_policy(struct load *ld)
{
	const struct cfg_raw_policy *rp = ld->raw->policy;
	struct policy *p = &ld->cfg->policy;
	uint32_t n = rp ? rp->cells_count : 0;

	if (build_default(ld) < 0)
		return -1;
	p->cells = calloc(n ? n : 1, sizeof(*p->cells));
	if (!p->cells)
		return oom(ld);
	p->n_cells = n;
	for (uint32_t i = 0; i < n; i++) {
		if (build_cell(ld, i) < 0)
			return -1;
	}
	return cell_duplicates(ld);
}

/* Catch limits policy_compile enforces, so --check-config sees them too. */
static int
check_compiles(struct load *ld)
{
	char msg[CFG_MSG_MAX];
	struct policy_compiled *pc;

	pc = policy_compile(&ld->cfg->policy, msg, sizeof(msg));
	if (!pc)
		return bad(ld, "policy", "the policy does not compile: %s", msg);
	policy_compiled_free(pc);
	return 0;
}

/* ---- bindings ------------------------------------------------------------ */

static int
prefix_length(struct load *ld, const char *key, const char *text,
	      const char *len_text, struct config_binding *b)
{
	unsigned max = b->family == AF_INET ? 32 : 128;
	unsigned long len;

	if (!len_text) {
		b->prefix_len = (uint8_t)max;
		return 0;
	}
	if (!all_digits(len_text) || strlen(len_text) > 3)
		return bad(ld, key, "'%s': bad prefix length '%s'", text,
			   len_text);
	len = strtoul(len_text, NULL, 10);
	if (len > max)
		return bad(ld, key, "'%s': prefix length %lu is too long for "
			   "%s (%u at most)", text, len,
			   b->family == AF_INET ? "IPv4" : "IPv6", max);
	b->prefix_len = (uint8_t)len;
	return 0;
}

/* Bits past the length must be zero: 10.1.1.5/24 is a typo, not a net. */
static int
check_host_bits(struct load *ld, const char *key, const char *text,
		const struct config_binding *b)
{
	uint8_t net[16] = { 0 };
	char shown[INET6_ADDRSTRLEN];
	unsigned full = b->prefix_len / 8, rest = b->prefix_len % 8;

	memcpy(net, b->addr, full);
	if (rest)
		net[full] = (uint8_t)(b->addr[full] & (0xff00 >> rest));
	if (memcmp(net, b->addr, sizeof(net)) == 0)
		return 0;
	inet_ntop(b->family, net, shown, sizeof(shown));
	return bad(ld, key, "host bits set in %s; did you mean %s/%u?", text,
		   shown, b->prefix_len);
}

static int
parse_prefix(struct load *ld, const char *key, const char *text,
	     struct config_binding *b)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);

	if (alen >= sizeof(addr))
		alen = sizeof(addr) - 1; /* too long for any address: fails */
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	memset(b->addr, 0, sizeof(b->addr));
	if (inet_pton(AF_INET, addr, b->addr) == 1)
		b->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, b->addr) == 1)
		b->family = AF_INET6;
	else
		return bad(ld, key, "'%s' is not an IPv4 or IPv6 address "
			   "(ADDRESS or ADDRESS/LENGTH)", text);
	if (prefix_length(ld, key, text, slash ? slash + 1 : NULL, b) < 0)
		return -1;
	return check_host_bits(ld, key, text, b);
}

static int
binding_duplicates(struct load *ld)
{
	const struct config *cfg = ld->cfg;
	struct dup_item *items = dup_items(ld, cfg->n_bindings);
	char key[CFG_KEY_MAX], where[CFG_KEY_MAX];
	uint32_t first = 0, again = 0;
	int rc = 0;

	if (!items)
		return -1;
	/* family, length and address (zero-padded) are the prefix */
	for (uint32_t i = 0; i < cfg->n_bindings; i++)
		items[i] = (struct dup_item){
			&cfg->bindings[i],
			offsetof(struct config_binding, sgt), i };
	if (find_duplicate(items, cfg->n_bindings, &first, &again))
		rc = bad(ld, keyf(key, "bindings[%u].prefix", again),
			 "prefix '%s' is bound twice (first as '%s' on line "
			 "%lu, bindings[%u])", ld->raw->bindings[again].prefix,
			 ld->raw->bindings[first].prefix,
			 line_of(ld, keyf(where, "bindings[%u]", first)),
			 first);
	free(items);
	return rc;
}

static int
build_bindings(struct load *ld)
{
	struct config *cfg = ld->cfg;
	uint32_t n = ld->raw->bindings_count;
	char key[CFG_KEY_MAX];

	cfg->bindings = calloc(n ? n : 1, sizeof(*cfg->bindings));
	if (!cfg->bindings)
		return oom(ld);
	cfg->n_bindings = n;
	for (uint32_t i = 0; i < n; i++) {
		const struct cfg_raw_binding *r = &ld->raw->bindings[i];

		if (parse_prefix(ld, keyf(key, "bindings[%u].prefix", i),
				 r->prefix, &cfg->bindings[i]) < 0 ||
		    resolve_sgt(ld, r->sgt, keyf(key, "bindings[%u].sgt", i),
				&cfg->bindings[i].sgt) < 0)
			return -1;
	}
	return binding_duplicates(ld);
}

/* ---- the whole load ------------------------------------------------------ */

/* Names first: ports, cells and bindings refer to them. */
static int
build(struct load *ld)
{
	ld->cfg = calloc(1, sizeof(*ld->cfg));
	if (!ld->cfg)
		return oom(ld);
	ld->cfg->path = strdup(ld->path);
	if (!ld->cfg->path)
		return oom(ld);
	if (build_dataplane(ld) < 0 || build_controlplane(ld) < 0 ||
	    build_limits(ld) < 0 || build_sgt_names(ld) < 0 ||
	    build_sgacls(ld) < 0 || build_ports(ld) < 0 ||
	    build_pairs(ld) < 0 || build_policy(ld) < 0 ||
	    build_bindings(ld) < 0 || bindings_within_limits(ld) < 0 ||
	    check_compiles(ld) < 0)
		return -1;
	return 0;
}

struct config *
config_load(const char *path, char *err, size_t errlen)
{
	struct load ld = {
		.path = path ? path : "(no file)",
		.err = err,
		.errlen = errlen,
	};
	struct config *cfg = NULL;

	if (err && errlen)
		err[0] = '\0';
	if (!path)
		put_err(&ld, 0, NULL, "no configuration file given");
	else if (read_file(&ld) == 0 && parse_document(&ld) == 0 &&
		 check_schema(&ld) == 0 && load_raw(&ld) == 0 &&
		 build(&ld) == 0) {
		cfg = ld.cfg;
		ld.cfg = NULL;
	}
	config_free(ld.cfg);
	free_raw(&ld);
	if (ld.have_doc)
		yaml_document_delete(&ld.doc);
	free(ld.buf);
	return cfg;
}

void
config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (uint32_t i = 0; cfg->ports && i < cfg->n_ports; i++)
		free(cfg->ports[i].device);
	free(cfg->ports);
	free(cfg->bindings);
	free(cfg->controlplane.socket);
	free(cfg->controlplane.admin_socket);
	free(cfg->controlplane.cache);
	policy_model_free(&cfg->policy);
	free(cfg->path);
	free(cfg);
}

int
config_port_by_name(const struct config *cfg, const char *name)
{
	if (!cfg || !name)
		return -1;
	for (uint32_t i = 0; i < cfg->n_ports; i++) {
		if (strcmp(cfg->ports[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}
