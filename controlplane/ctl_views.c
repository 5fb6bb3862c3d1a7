/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_views.h"
#include "err_msg.h"

#define TABLE_MAX_COLS 12
#define TABLE_GAP 2
#define NOT_A_ROW ((size_t)-1)   /* struct row reading a lone object */

/* ---- reading rows ------------------------------------------------------ */

/* One row being read: accessors record the first bad field and return a
 * harmless value, so a view reads every field and checks once. */
struct row {
	const json_t *obj;
	const char *table;
	size_t index;
	bool bad;
	char *err;
	size_t errlen;
};

static bool
row_open(struct row *r, const json_t *rows, size_t index, const char *table,
	 char *err, size_t errlen)
{
	*r = (struct row){ .obj = json_array_get(rows, index), .table = table,
		.index = index, .err = err, .errlen = errlen };
	if (!json_is_object(r->obj)) {
		err_set(err, errlen, "%s: row %zu is not an object", table, index);
		return false;
	}
	return true;
}

static void
row_fail(struct row *r, const char *key, const char *want)
{
	if (r->bad)
		return;
	if (r->index == NOT_A_ROW)
		err_set(r->err, r->errlen, "%s: '%s' missing or not %s", r->table, key, want);
	else
		err_set(r->err, r->errlen, "%s: row %zu: '%s' missing or not %s",
			r->table, r->index, key, want);
	r->bad = true;
}

static const char *
row_str(struct row *r, const char *key)
{
	const json_t *v = json_object_get(r->obj, key);

	if (json_is_string(v))
		return json_string_value(v);
	row_fail(r, key, "a string");
	return "";
}

static long long
row_int(struct row *r, const char *key)
{
	const json_t *v = json_object_get(r->obj, key);

	if (json_is_integer(v))
		return json_integer_value(v);
	row_fail(r, key, "an integer");
	return 0;
}

/* sgacl_0, sgacl_1, ...: a permissions row's SGACL names. */
static bool
is_sgacl_key(const char *key)
{
	return strncmp(key, "sgacl_", 6) == 0 && key[6] != '\0' &&
	       strspn(key + 6, "0123456789") == strlen(key + 6);
}

/* The SGACL names of a permissions row, sgacl_0 .. sgacl_<sgacl_count - 1>
 * (one name each: DPDK cuts a string at 127 characters), as a new array;
 * NULL with the row failed. A huge count ends at the first missing name. */
static json_t *
row_sgacls(struct row *r)
{
	long long count = row_int(r, "sgacl_count");
	json_t *names;

	if (!r->bad && count < 0)
		row_fail(r, "sgacl_count", "a count");
	if (r->bad)
		return NULL;
	names = json_array();
	if (names == NULL) {
		err_set(r->err, r->errlen, "%s: out of memory", r->table);
		r->bad = true;
		return NULL;
	}
	for (long long i = 0; i < count && !r->bad; i++) {
		char key[32];
		const char *name;

		snprintf(key, sizeof(key), "sgacl_%lld", i);
		name = row_str(r, key);
		if (!r->bad && json_array_append_new(names, json_string(name)) < 0) {
			err_set(r->err, r->errlen, "%s: out of memory", r->table);
			r->bad = true;
		}
	}
	if (r->bad) {
		json_decref(names);
		return NULL;
	}
	return names;
}

static bool
check_array(const json_t *rows, const char *table, char *err, size_t errlen)
{
	if (json_is_array(rows))
		return true;
	err_set(err, errlen, "%s: reply is not an array of rows", table);
	return false;
}

/* ---- aligned tables ------------------------------------------------------ */

/* Columns as wide as their widest cell, left-aligned like IOS, so the
 * output stays readable whatever the names and counts are. */
struct table {
	size_t ncols;
	const char *const *head;
	size_t nrows, cap;
	char **cells;          /* row-major, nrows * ncols */
};

static void
table_init(struct table *t, size_t ncols, const char *const *head)
{
	*t = (struct table){ .ncols = ncols, .head = head };
}

static int
table_add(struct table *t, const char *const *cells)
{
	size_t c, base;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **grown = realloc(t->cells, cap * t->ncols * sizeof(*grown));

		if (grown == NULL)
			return -1;
		t->cells = grown;
		t->cap = cap;
	}
	base = t->nrows * t->ncols;
	for (c = 0; c < t->ncols; c++) {
		t->cells[base + c] = strdup(cells[c]);
		if (t->cells[base + c] == NULL) {
			while (c-- > 0)
				free(t->cells[base + c]);
			return -1;
		}
	}
	t->nrows++;
	return 0;
}

static void
table_print_row(const struct table *t, FILE *out, const size_t *w,
		const char *const *cells)
{
	size_t c;

	for (c = 0; c + 1 < t->ncols; c++)
		fprintf(out, "%-*s", (int)(w[c] + TABLE_GAP), cells[c]);
	fprintf(out, "%s\n", cells[t->ncols - 1]);
}

/* Header, an optional rule of UNDERLINE characters, then the rows. */
static void
table_print(const struct table *t, FILE *out, char underline)
{
	size_t w[TABLE_MAX_COLS] = { 0 };
	size_t r, c, total = 0;

	for (c = 0; c < t->ncols; c++) {
		w[c] = strlen(t->head[c]);
		for (r = 0; r < t->nrows; r++) {
			size_t len = strlen(t->cells[r * t->ncols + c]);

			if (len > w[c])
				w[c] = len;
		}
		total += w[c] + (c + 1 < t->ncols ? TABLE_GAP : 0);
	}
	table_print_row(t, out, w, t->head);
	if (underline != '\0') {
		for (c = 0; c < total; c++)
			fputc(underline, out);
		fputc('\n', out);
	}
	for (r = 0; r < t->nrows; r++)
		table_print_row(t, out, w, (const char *const *)&t->cells[r * t->ncols]);
}

static void
table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

static int
oom(char *err, size_t errlen, const char *table)
{
	err_set(err, errlen, "%s: out of memory", table);
	return -1;
}

/* ---- small formatting helpers ------------------------------------------- */

struct num {
	char s[24];
};

static struct num
num(long long v)
{
	struct num n;

	snprintf(n.s, sizeof(n.s), "%lld", v);
	return n;
}

/* -1 is the telemetry's "*" (any group), used by the default cell. */
static struct num
group_num(long long v)
{
	struct num n = num(v);

	if (v == -1)
		strcpy(n.s, "*");
	return n;
}

/* ---- sgt-map ------------------------------------------------------------- */

static const char *const sgt_map_head[] = { "IP Address", "SGT", "Name", "Source" };

struct source_count {
	const char *name;      /* points into the rows */
	size_t n;
};

struct sgt_map_view {
	struct table v4, v6;
	struct source_count *src;
	size_t n_src;
	size_t total;
};

static int
count_source(struct sgt_map_view *v, const char *name)
{
	struct source_count *grown;
	size_t i;

	for (i = 0; i < v->n_src; i++) {
		if (strcmp(v->src[i].name, name) == 0) {
			v->src[i].n++;
			return 0;
		}
	}
	grown = realloc(v->src, (v->n_src + 1) * sizeof(*grown));
	if (grown == NULL)
		return -1;
	v->src = grown;
	v->src[v->n_src++] = (struct source_count){ .name = name, .n = 1 };
	return 0;
}

/* IOS prints host bindings as bare addresses and keeps the length of
 * real prefixes. */
static void
display_prefix(char *buf, size_t len, const char *prefix, bool v6)
{
	const char *host = v6 ? "/128" : "/32";
	size_t plen = strlen(prefix), hlen = strlen(host);

	if (plen > hlen && strcmp(prefix + plen - hlen, host) == 0)
		plen -= hlen;
	snprintf(buf, len, "%.*s", (int)plen, prefix);
}

static int
sgt_map_add(struct sgt_map_view *v, const json_t *rows, size_t i, char *err, size_t errlen)
{
	char addr[128];
	const char *prefix, *name, *source;
	struct num sgt;
	struct row r;
	bool v6;

	if (!row_open(&r, rows, i, "sgt_map", err, errlen))
		return -1;
	prefix = row_str(&r, "prefix");
	sgt = num(row_int(&r, "sgt"));
	name = row_str(&r, "name");
	source = row_str(&r, "source");
	if (r.bad)
		return -1;
	v6 = strchr(prefix, ':') != NULL;
	display_prefix(addr, sizeof(addr), prefix, v6);
	if (table_add(v6 ? &v->v6 : &v->v4,
		      (const char *[]){ addr, sgt.s, name[0] ? name : "-", source }) < 0 ||
	    count_source(v, source) < 0)
		return oom(err, errlen, "sgt_map");
	v->total++;
	return 0;
}

static void
sgt_map_print(const struct sgt_map_view *v, FILE *out)
{
	int w = (int)strlen("active");
	size_t i;

	if (v->v4.nrows > 0) {
		fprintf(out, "Active IPv4-SGT Bindings Information\n\n");
		table_print(&v->v4, out, '=');
		fputc('\n', out);
	}
	if (v->v6.nrows > 0) {
		fprintf(out, "Active IPv6-SGT Bindings Information\n\n");
		table_print(&v->v6, out, '=');
		fputc('\n', out);
	}
	for (i = 0; i < v->n_src; i++)
		if ((int)strlen(v->src[i].name) > w)
			w = (int)strlen(v->src[i].name);
	fprintf(out, "IP-SGT Active Bindings Summary\n"
		"============================================\n");
	for (i = 0; i < v->n_src; i++)
		fprintf(out, "Total number of %-*s bindings = %zu\n", w, v->src[i].name,
			v->src[i].n);
	fprintf(out, "Total number of %-*s bindings = %zu\n", w, "active", v->total);
}

int
ctl_view_sgt_map(FILE *out, const json_t *rows, char *err, size_t errlen)
{
	struct sgt_map_view v = { 0 };
	size_t i;
	int rc = 0;

	if (!check_array(rows, "sgt_map", err, errlen))
		return -1;
	table_init(&v.v4, 4, sgt_map_head);
	table_init(&v.v6, 4, sgt_map_head);
	for (i = 0; i < json_array_size(rows) && rc == 0; i++)
		rc = sgt_map_add(&v, rows, i, err, errlen);
	if (rc == 0)
		sgt_map_print(&v, out);
	table_free(&v.v4);
	table_free(&v.v6);
	free(v.src);
	return rc;
}

/* ---- permissions --------------------------------------------------------- */

/* "4:Employees", "4" when the group has no name, "*" for any group. */
static void
group_label(char *buf, size_t len, long long sgt, const char *name)
{
	if (sgt == -1)
		snprintf(buf, len, "*");
	else if (name[0] != '\0')
		snprintf(buf, len, "%lld:%s", sgt, name);
	else
		snprintf(buf, len, "%lld", sgt);
}

/* IOS marks monitored cells in the header; we mark disabled ones too. */
static const char *
mode_marker(const char *mode)
{
	if (strcmp(mode, "monitor") == 0)
		return " (monitored)";
	if (strcmp(mode, "disabled") == 0)
		return " (disabled)";
	return "";
}

/* The SGACL names, then the catch-all under the names IOS gives its
 * built-in lists. */
static void
permissions_body(FILE *out, const json_t *sgacls, const char *catch_all)
{
	size_t i;
	json_t *name;

	json_array_foreach(sgacls, i, name)
		fprintf(out, "        %s\n", json_string_value(name));
	if (strcmp(catch_all, "permit") == 0)
		fprintf(out, "        Permit IP-00\n");
	else if (strcmp(catch_all, "deny") == 0)
		fprintf(out, "        Deny IP-00\n");
}

static bool
known_word(const char *s, const char *const *words)
{
	for (; *words != NULL; words++)
		if (strcmp(s, *words) == 0)
			return true;
	return false;
}

static int
permissions_row(FILE *out, const json_t *rows, size_t i, char *err, size_t errlen)
{
	static const char *const catch_alls[] = { "none", "permit", "deny", NULL };
	static const char *const modes[] = { "enforce", "monitor", "disabled", NULL };
	char from[96], to[96];
	const char *catch_all, *mode;
	json_t *sgacls;
	long long src, dst;
	struct row r;

	if (!row_open(&r, rows, i, "permissions", err, errlen))
		return -1;
	src = row_int(&r, "src");
	dst = row_int(&r, "dst");
	group_label(from, sizeof(from), src, row_str(&r, "src_name"));
	group_label(to, sizeof(to), dst, row_str(&r, "dst_name"));
	catch_all = row_str(&r, "catch_all");
	mode = row_str(&r, "mode");
	if (!r.bad && !known_word(catch_all, catch_alls))
		row_fail(&r, "catch_all", "none/permit/deny");
	if (!r.bad && !known_word(mode, modes))
		row_fail(&r, "mode", "enforce/monitor/disabled");
	sgacls = row_sgacls(&r);
	if (sgacls == NULL)
		return -1;
	if (src == -1 && dst == -1)
		fprintf(out, "IPv4 Role-based permissions default%s:\n", mode_marker(mode));
	else
		fprintf(out, "IPv4 Role-based permissions from group %s to group %s%s:\n",
			from, to, mode_marker(mode));
	permissions_body(out, sgacls, catch_all);
	json_decref(sgacls);
	return 0;
}

int
ctl_view_permissions(FILE *out, const json_t *rows, char *err, size_t errlen)
{
	size_t i;

	if (!check_array(rows, "permissions", err, errlen))
		return -1;
	for (i = 0; i < json_array_size(rows); i++)
		if (permissions_row(out, rows, i, err, errlen) < 0)
			return -1;
	return 0;
}

/* Row I for --json: its members in order, "sgacls": [names] where
 * sgacl_count stood, without the sgacl_N members. */
static json_t *
permissions_json_row(const json_t *rows, size_t i, char *err, size_t errlen)
{
	const char *key;
	json_t *v, *sgacls, *out;
	struct row r;
	int rc = 0;

	if (!row_open(&r, rows, i, "permissions", err, errlen))
		return NULL;
	sgacls = row_sgacls(&r);
	if (sgacls == NULL)
		return NULL;
	out = json_object();
	if (out == NULL) {
		json_decref(sgacls);
		oom(err, errlen, "permissions");
		return NULL;
	}
	json_object_foreach((json_t *)r.obj, key, v) {
		if (is_sgacl_key(key))
			continue;
		if (strcmp(key, "sgacl_count") == 0)
			rc |= json_object_set(out, "sgacls", sgacls);
		else
			rc |= json_object_set(out, key, v);
	}
	json_decref(sgacls);
	if (rc != 0) {
		json_decref(out);
		oom(err, errlen, "permissions");
		return NULL;
	}
	return out;
}

json_t *
ctl_json_permissions(const json_t *rows, char *err, size_t errlen)
{
	json_t *out;
	size_t i;

	if (!check_array(rows, "permissions", err, errlen))
		return NULL;
	out = json_array();
	if (out == NULL) {
		oom(err, errlen, "permissions");
		return NULL;
	}
	for (i = 0; i < json_array_size(rows); i++) {
		json_t *row = permissions_json_row(rows, i, err, errlen);

		if (row == NULL || json_array_append_new(out, row) < 0) {
			if (row != NULL)
				oom(err, errlen, "permissions");
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

/* ---- rbacl --------------------------------------------------------------- */

static const char *
sgacl_of(const json_t *rows, size_t i)
{
	return json_string_value(json_object_get(json_array_get(rows, i), "sgacl"));
}

/* Whether a row before LIMIT names SGACL. The row just before is checked
 * first: the dataplane lists an SGACL's ACEs together, so this is
 * usually the only comparison. */
static bool
seen_before(const json_t *rows, const char *sgacl, size_t limit)
{
	size_t i;

	if (limit > 0 && strcmp(sgacl_of(rows, limit - 1), sgacl) == 0)
		return true;
	for (i = 0; i < limit; i++)
		if (strcmp(sgacl_of(rows, i), sgacl) == 0)
			return true;
	return false;
}

static int
rbacl_check(const json_t *rows, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < json_array_size(rows); i++) {
		struct row r;

		if (!row_open(&r, rows, i, "sgacls", err, errlen))
			return -1;
		row_str(&r, "sgacl");
		row_int(&r, "seq");
		row_str(&r, "ace");
		if (r.bad)
			return -1;
	}
	return 0;
}

/* The ACEs of SGACL in row order, starting at its first row. */
static void
rbacl_block(FILE *out, const json_t *rows, size_t first, const char *sgacl)
{
	size_t i;

	fprintf(out, "  name   = %s\n  RBACL ACEs:\n", sgacl);
	for (i = first; i < json_array_size(rows); i++) {
		const json_t *row = json_array_get(rows, i);

		if (strcmp(sgacl_of(rows, i), sgacl) == 0)
			fprintf(out, "    %s\n", json_string_value(json_object_get(row, "ace")));
	}
}

int
ctl_view_rbacl(FILE *out, const json_t *rows, char *err, size_t errlen)
{
	size_t i, blocks = 0;

	if (!check_array(rows, "sgacls", err, errlen) || rbacl_check(rows, err, errlen) < 0)
		return -1;
	fprintf(out, "CTS RBACL Policy\n================\n");
	/* Group by name in order of first appearance, so an SGACL shows as one
	 * block even if the dataplane interleaves rows. */
	for (i = 0; i < json_array_size(rows); i++) {
		const char *sgacl = sgacl_of(rows, i);

		if (seen_before(rows, sgacl, i))
			continue;
		if (blocks++ > 0)
			fputc('\n', out);
		rbacl_block(out, rows, i, sgacl);
	}
	return 0;
}

/* ---- counters ------------------------------------------------------------ */

static const char *const counters_head[] = {
	"From", "To", "SW-Denied", "HW-Denied", "SW-Permitted", "HW-Permitted",
	"SW-Monitor", "HW-Monitor",
};

static int
counters_row(struct table *v4, struct table *v6, const json_t *rows, size_t i,
	     char *err, size_t errlen)
{
	struct num from, to, denied, permitted, monitor;
	const char *af;
	struct table *t;
	struct row r;

	if (!row_open(&r, rows, i, "counters", err, errlen))
		return -1;
	from = group_num(row_int(&r, "src"));
	to = group_num(row_int(&r, "dst"));
	af = row_str(&r, "af");
	denied = num(row_int(&r, "sw_denied"));
	permitted = num(row_int(&r, "sw_permitted"));
	monitor = num(row_int(&r, "sw_monitor"));
	if (!r.bad && strcmp(af, "ipv4") != 0 && strcmp(af, "ipv6") != 0)
		row_fail(&r, "af", "ipv4/ipv6");
	if (r.bad)
		return -1;
	t = strcmp(af, "ipv4") == 0 ? v4 : v6;
	if (table_add(t, (const char *[]){ from.s, to.s, denied.s, "0", permitted.s, "0",
					   monitor.s, "0" }) < 0)
		return oom(err, errlen, "counters");
	return 0;
}

int
ctl_view_counters(FILE *out, const json_t *rows, char *err, size_t errlen)
{
	struct table v4, v6;
	size_t i;
	int rc = 0;

	if (!check_array(rows, "counters", err, errlen))
		return -1;
	table_init(&v4, 8, counters_head);
	table_init(&v6, 8, counters_head);
	for (i = 0; i < json_array_size(rows) && rc == 0; i++)
		rc = counters_row(&v4, &v6, rows, i, err, errlen);
	if (rc == 0) {
		fprintf(out, "Role-based IP traffic policy counters\n");
		table_print(&v4, out, '\0');
		fprintf(out, "\nRole-based IPv6 traffic policy counters\n");
		table_print(&v6, out, '\0');
	}
	table_free(&v4);
	table_free(&v6);
	return rc;
}

/* ---- ports --------------------------------------------------------------- */

static const char *const ports_head[] = {
	"Port", "Device", "Link", "Peer", "RX-Packets", "RX-Bytes", "TX-Packets",
	"TX-Bytes", "Drops",
};
static const char *const drops_head[] = { "Port", "Reason", "Packets" };

/* Every "drop_<reason>" member except the total; only non-zero ones go
 * into the table, to keep it short. */
static int
ports_drops(struct table *drops, struct row *r, const char *port)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)r->obj, key, v) {
		struct num n;

		if (strncmp(key, "drop_", 5) != 0 || strcmp(key, "drop_total") == 0)
			continue;
		if (!json_is_integer(v)) {
			row_fail(r, key, "an integer");
			return -1;
		}
		if (json_integer_value(v) == 0)
			continue;
		n = num(json_integer_value(v));
		if (table_add(drops, (const char *[]){ port, key + 5, n.s }) < 0)
			return oom(r->err, r->errlen, "ports");
	}
	return 0;
}

static int
ports_row(struct table *ports, struct table *drops, const json_t *rows, size_t i,
	  char *err, size_t errlen)
{
	struct num rxp, rxb, txp, txb, total;
	const char *port, *device, *link, *peer;
	struct row r;

	if (!row_open(&r, rows, i, "ports", err, errlen))
		return -1;
	port = row_str(&r, "port");
	device = row_str(&r, "device");
	link = row_str(&r, "link");
	peer = row_str(&r, "peer");
	rxp = num(row_int(&r, "rx_packets"));
	rxb = num(row_int(&r, "rx_bytes"));
	txp = num(row_int(&r, "tx_packets"));
	txb = num(row_int(&r, "tx_bytes"));
	total = num(row_int(&r, "drop_total"));
	if (r.bad)
		return -1;
	if (table_add(ports, (const char *[]){ port, device, link, peer[0] ? peer : "-",
					       rxp.s, rxb.s, txp.s, txb.s, total.s }) < 0)
		return oom(err, errlen, "ports");
	return ports_drops(drops, &r, port);
}

int
ctl_view_ports(FILE *out, const json_t *rows, char *err, size_t errlen)
{
	struct table ports, drops;
	size_t i;
	int rc = 0;

	if (!check_array(rows, "ports", err, errlen))
		return -1;
	table_init(&ports, 9, ports_head);
	table_init(&drops, 3, drops_head);
	for (i = 0; i < json_array_size(rows) && rc == 0; i++)
		rc = ports_row(&ports, &drops, rows, i, err, errlen);
	if (rc == 0) {
		table_print(&ports, out, '\0');
		if (drops.nrows > 0) {
			fprintf(out, "\nDrops by reason\n");
			table_print(&drops, out, '\0');
		} else {
			fprintf(out, "\nDrops by reason: none\n");
		}
	}
	table_free(&ports);
	table_free(&drops);
	return rc;
}

/* ---- info ---------------------------------------------------------------- */

static void
info_header(FILE *out, const char *version, const json_t *greeting)
{
	const char *dpdk = json_string_value(json_object_get(greeting, "version"));
	const json_t *pid = json_object_get(greeting, "pid");

	fprintf(out, "sgtgw-dataplane %s", version);
	if (dpdk != NULL && json_is_integer(pid))
		fprintf(out, " (%s, pid %lld)", dpdk, (long long)json_integer_value(pid));
	fputc('\n', out);
}

static void
info_line(FILE *out, const char *label, const char *value)
{
	fprintf(out, "  %-20s: %s\n", label, value);
}

/* Each IP-to-SGT table: bindings held "of" its limit. A dataplane from
 * before the limits: section does not say, and shows nothing of it. */
static const struct {
	const char *key, *label;
} info_tables[] = {
	{ "ipv4_hosts", "IPv4 hosts" },
	{ "ipv4_prefixes", "IPv4 prefixes" },
	{ "ipv6_hosts", "IPv6 hosts" },
	{ "ipv6_prefixes", "IPv6 prefixes" },
};
#define INFO_TABLES (sizeof(info_tables) / sizeof(info_tables[0]))

struct info_fill {
	bool present;
	char text[INFO_TABLES][56];     /* "12 of 1048576" */
	bool groups_present;
	char groups[2][56];             /* IPv4, IPv6: "3907 (3.1 MiB)" */
};

/* What the IPv4 table took by need, beside its fixed first level, and the
 * IPv6 prefix table's slots in use (bindings, and deleted ones until its
 * next rebuild) with its size, fixed at start. */
static const char *const info_groups[2][3] = {
	{ "ipv4_groups", "ipv4_group_bytes", "IPv4 /24 groups" },
	{ "ipv6_prefix_slots", "ipv6_prefix_bytes", "IPv6 prefix slots" },
};

static void
info_fill_read(struct row *r, struct info_fill *f)
{
	char key[32];

	f->present = json_object_get(r->obj, "ipv4_hosts_limit") != NULL;
	for (size_t i = 0; f->present && i < INFO_TABLES; i++) {
		long long held = row_int(r, info_tables[i].key);

		snprintf(key, sizeof(key), "%s_limit", info_tables[i].key);
		snprintf(f->text[i], sizeof(f->text[i]), "%lld of %lld", held,
			 row_int(r, key));
	}
	f->groups_present = f->present &&
			    json_object_get(r->obj, "ipv4_groups") != NULL;
	for (size_t i = 0; f->groups_present && i < 2; i++)
		snprintf(f->groups[i], sizeof(f->groups[i]), "%lld (%.1f MiB)",
			 row_int(r, info_groups[i][0]),
			 (double)row_int(r, info_groups[i][1]) / (1 << 20));
}

static void
info_fill_print(FILE *out, const struct info_fill *f)
{
	for (size_t i = 0; f->present && i < INFO_TABLES; i++)
		info_line(out, info_tables[i].label, f->text[i]);
	for (size_t i = 0; f->groups_present && i < 2; i++)
		info_line(out, info_groups[i][2], f->groups[i]);
}

/* How a dataplane of this release is run; one from before does not say,
 * and shows nothing of it. */
struct info_mode {
	bool present;
	const char *mode, *cp, *session, *cache;
	struct num applied, refused, resyncs;
};

static void
info_mode_read(struct row *r, struct info_mode *m)
{
	m->present = json_object_get(r->obj, "mode") != NULL;
	if (!m->present)
		return;
	m->mode = row_str(r, "mode");
	m->cp = row_str(r, "controlplane");
	m->session = row_str(r, "session_id");
	m->cache = row_str(r, "cache_state");
	m->applied = num(row_int(r, "updates_applied"));
	m->refused = num(row_int(r, "updates_refused"));
	m->resyncs = num(row_int(r, "resync_count"));
}

static void
info_mode_print(FILE *out, const struct info_mode *m)
{
	char cp[64];

	if (!m->present)
		return;
	info_line(out, "Mode", m->mode);
	if (strcmp(m->mode, "managed") != 0)
		return;
	snprintf(cp, sizeof(cp), "%s%s%s%s", m->cp, m->session[0] ? " (session " : "",
		 m->session, m->session[0] ? ")" : "");
	info_line(out, "Controlplane", cp);
	info_line(out, "Cache at start", m->cache);
	info_line(out, "Updates applied", m->applied.s);
	info_line(out, "Updates refused", m->refused.s);
	info_line(out, "Full resyncs", m->resyncs.s);
}

int
ctl_view_info(FILE *out, const json_t *info, const json_t *greeting,
	      char *err, size_t errlen)
{
	struct num workers, ports, pgen, bgen, bindings, sgts, sgacls, cells;
	struct num log_suppressed, log_ring_full;
	struct info_mode mode;
	struct info_fill fill;
	const char *version, *non_ip;
	long long monitor, up;
	char uptime[64], cells_s[64];
	struct row r = { .obj = info, .table = "info", .index = NOT_A_ROW,
			 .err = err, .errlen = errlen };

	if (!json_is_object(info)) {
		err_set(err, errlen, "info: reply is not an object");
		return -1;
	}
	version = row_str(&r, "version");
	workers = num(row_int(&r, "workers"));
	ports = num(row_int(&r, "ports"));
	pgen = num(row_int(&r, "policy_generation"));
	bgen = num(row_int(&r, "bindings_generation"));
	bindings = num(row_int(&r, "bindings"));
	sgts = num(row_int(&r, "sgts"));
	sgacls = num(row_int(&r, "sgacls"));
	cells = num(row_int(&r, "cells"));
	monitor = row_int(&r, "monitor_mode");
	non_ip = row_str(&r, "non_ip");
	up = row_int(&r, "uptime_s");
	log_suppressed = num(row_int(&r, "acl_log_suppressed"));
	log_ring_full = num(row_int(&r, "acl_log_ring_full"));
	info_fill_read(&r, &fill);
	info_mode_read(&r, &mode);
	if (r.bad)
		return -1;
	snprintf(uptime, sizeof(uptime), "%lldd %02lld:%02lld:%02lld",
		 up / 86400, up / 3600 % 24, up / 60 % 60, up % 60);
	snprintf(cells_s, sizeof(cells_s), "%s (default included)", cells.s);

	info_header(out, version, greeting);
	info_line(out, "Uptime", uptime);
	info_line(out, "Workers", workers.s);
	info_line(out, "Ports", ports.s);
	info_line(out, "Policy generation", pgen.s);
	info_line(out, "Bindings generation", bgen.s);
	info_line(out, "IP-SGT bindings", bindings.s);
	info_fill_print(out, &fill);
	info_line(out, "SGTs", sgts.s);
	info_line(out, "SGACLs", sgacls.s);
	info_line(out, "Policy cells", cells_s);
	info_line(out, "Monitor mode", monitor ? "on" : "off");
	info_line(out, "Non-IP frames", non_ip);
	info_line(out, "ACL log suppressed", log_suppressed.s);
	info_line(out, "ACL log ring full", log_ring_full.s);
	info_mode_print(out, &mode);
	return 0;
}

int
ctl_print_json(FILE *out, const json_t *doc)
{
	if (json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
		return -1;
	return fputc('\n', out) == EOF ? -1 : 0;
}
