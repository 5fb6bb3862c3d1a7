/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sgtgwctl: the operator's view of a running sgtgw-dataplane, read from its
 * DPDK telemetry socket and printed as "show cts ..."-style tables or JSON;
 * and the commands sgtgw-controlplane answers on its admin socket (reload,
 * cp-status).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_client.h"
#include "ctl_views.h"
#include "telemetry_client.h"

#define DEFAULT_FILE_PREFIX "sgtgw"
#define ALIAS_MAX_WORDS 6
/* A reload of a large file (100,000 bindings) takes a second or two. */
#define ADMIN_TIMEOUT_MS 120000

typedef int (*table_view)(FILE *out, const json_t *rows, char *err, size_t errlen);
typedef json_t *(*json_form)(const json_t *rows, char *err, size_t errlen);

enum reply_kind {
	REPLY_TABLE,       /* a table, fetched page by page */
	REPLY_DICT,        /* one object */
};

struct command {
	const char *name;
	const char *alias[ALIAS_MAX_WORDS];   /* IOS words, NULL-terminated */
	const char *telemetry;
	enum reply_kind kind;
	table_view view;                      /* NULL: the info view */
	json_form json;                       /* NULL: --json prints the rows */
	const char *admin;                    /* set: a controlplane command */
};

static const struct command commands[] = {
	{ "sgt-map", { "show", "cts", "role-based", "sgt-map", "all", NULL },
	  "/sgtgw/sgt_map", REPLY_TABLE, ctl_view_sgt_map, NULL, NULL },
	{ "permissions", { "show", "cts", "role-based", "permissions", NULL },
	  "/sgtgw/permissions", REPLY_TABLE, ctl_view_permissions,
	  ctl_json_permissions, NULL },
	{ "rbacl", { "show", "cts", "rbacl", NULL },
	  "/sgtgw/sgacls", REPLY_TABLE, ctl_view_rbacl, NULL, NULL },
	{ "counters", { "show", "cts", "role-based", "counters", NULL },
	  "/sgtgw/counters", REPLY_TABLE, ctl_view_counters, NULL, NULL },
	{ "ports", { NULL }, "/sgtgw/ports", REPLY_TABLE, ctl_view_ports, NULL, NULL },
	{ "info", { NULL }, "/sgtgw/info", REPLY_DICT, NULL, NULL, NULL },
	{ "reload", { NULL }, NULL, REPLY_DICT, NULL, NULL, "reload" },
	{ "resync", { NULL }, NULL, REPLY_DICT, NULL, NULL, "resync" },
	{ "cp-status", { NULL }, NULL, REPLY_DICT, NULL, NULL, "status" },
};

struct options {
	const char *file_prefix;
	const char *socket;        /* NULL: derived from file_prefix */
	const char *admin_socket;  /* the controlplane's */
	bool json;
	const struct command *cmd;
};

static void
usage(FILE *out)
{
	fprintf(out,
"Usage: sgtgwctl [-p|--file-prefix PREFIX] [-s|--socket PATH]\n"
"                [-a|--admin-socket PATH] [--json] COMMAND\n"
"\n"
"Show the state of a running sgtgw-dataplane, read from its DPDK telemetry\n"
"socket, or ask sgtgw-controlplane (reload, cp-status) on its admin socket.\n"
"IOS-style aliases are given in brackets.\n"
"\n"
"Commands:\n"
"  sgt-map      IP-SGT bindings (IP Address, SGT, Name, Source), IPv4 and IPv6\n"
"               sections, then the number of bindings per source\n"
"               [show cts role-based sgt-map all]\n"
"  permissions  the policy matrix: the default cell, then each cell with its\n"
"               SGACLs and catch-all (\"Permit IP-00\" / \"Deny IP-00\");\n"
"               \"(monitored)\" and \"(disabled)\" mark cells that do not\n"
"               enforce. Cells apply to IPv4 and IPv6 alike; the headers say\n"
"               \"IPv4\" as IOS prints them. [show cts role-based permissions]\n"
"  rbacl        every SGACL with its ACEs [show cts rbacl]\n"
"  counters     packets denied, permitted and monitored per cell (From/To SGT,\n"
"               \"*\" for the default cell), IPv4 and IPv6 tables. The HW-*\n"
"               columns are always 0: sgtgw enforces in software. Byte counts\n"
"               are in --json only. [show cts role-based counters]\n"
"  ports        per port: link, peer, rx/tx packets and bytes, drops; then the\n"
"               drop reasons that are not zero (--json has every reason)\n"
"  info         version, uptime, workers, ports, generations, table sizes,\n"
"               ACL log records suppressed by log_rate or lost to a full ring\n"
"\n"
"Controlplane commands (admin socket):\n"
"  reload       make sgtgw-controlplane re-read its YAML file (as SIGHUP\n"
"               does) and send the dataplane only what changed; prints what\n"
"               changed. A file that does not load changes nothing: the\n"
"               loader's error (FILE:LINE: ...) is printed, exit status 1\n"
"  resync       make sgtgw-controlplane send the dataplane a full resync\n"
"               (every binding and the policy, stale entries swept)\n"
"  cp-status    the controlplane's session with the dataplane: connected,\n"
"               session, generations sent and acknowledged, backlog, ring\n"
"               waits (key=value lines; --json: one object)\n"
"\n"
"Options:\n"
"  -p, --file-prefix PREFIX  the dataplane's EAL --file-prefix (default " DEFAULT_FILE_PREFIX ");\n"
"                            its socket is /var/run/dpdk/PREFIX/dpdk_telemetry.v2\n"
"                            (run as non-root: $XDG_RUNTIME_DIR/dpdk/PREFIX/...,\n"
"                            or /tmp/dpdk/PREFIX/... without XDG_RUNTIME_DIR)\n"
"  -s, --socket PATH         connect to this socket instead\n"
"  -a, --admin-socket PATH   sgtgw-controlplane's admin socket (default\n"
"                            " ADMIN_SOCKET_DEFAULT ")\n"
"      --json                print the dataplane's rows as indented JSON, every\n"
"                            field; a table is one array of rows, its pages\n"
"                            joined (a cell's SGACL names as one \"sgacls\"\n"
"                            list); info is one object\n"
"  -h, --help                print this help\n"
"  -V, --version             print sgtgwctl's version\n"
"\n"
"Exit status: 0 on success, 1 on any error (reported on stderr).\n"
"The reply format is documented in docs/telemetry.md.\n");
}

/* WORDS (argc of them) name a command by its name or its IOS alias. */
static const struct command *
find_command(int argc, char *const *words)
{
	size_t i;
	int w;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct command *c = &commands[i];

		if (argc == 1 && strcmp(words[0], c->name) == 0)
			return c;
		for (w = 0; w < argc && c->alias[w] != NULL; w++)
			if (strcmp(words[w], c->alias[w]) != 0)
				break;
		if (w == argc && w > 0 && c->alias[w] == NULL)
			return c;
	}
	return NULL;
}

/* Returns -1 to exit 1, 0 to go on, 1 when --help/--version was served. */
static int
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "file-prefix", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "admin-socket", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	*o = (struct options){ .file_prefix = DEFAULT_FILE_PREFIX,
			       .admin_socket = ADMIN_SOCKET_DEFAULT };
	while ((opt = getopt_long(argc, argv, "p:s:a:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p': o->file_prefix = optarg; break;
		case 's': o->socket = optarg; break;
		case 'a': o->admin_socket = optarg; break;
		case 'j': o->json = true; break;
		case 'h': usage(stdout); return 1;
		case 'V': printf("sgtgwctl %s\n", SGTGW_VERSION); return 1;
		default:
			fprintf(stderr, "sgtgwctl: see sgtgwctl --help\n");
			return -1;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return -1;
	}
	o->cmd = find_command(argc - optind, argv + optind);
	if (o->cmd == NULL) {
		int i;

		fprintf(stderr, "sgtgwctl: unknown command '");
		for (i = optind; i < argc; i++)
			fprintf(stderr, "%s%s", i > optind ? " " : "", argv[i]);
		fprintf(stderr, "'; see sgtgwctl --help\n");
		return -1;
	}
	return 0;
}

/* Why a connection failed, with the hint that fits the cause. */
static void
report_unreachable(const struct options *o, const char *path, int cause, const char *why)
{
	fprintf(stderr, "sgtgwctl: cannot reach sgtgw-dataplane telemetry at %s: %s", path, why);
	if (cause == ENOENT || cause == ECONNREFUSED) {
		if (o->socket != NULL)
			fprintf(stderr, " (is it running?)\n");
		else
			fprintf(stderr, " (is it running with --file-prefix %s?)\n", o->file_prefix);
	} else if (cause == EACCES || cause == EPERM) {
		fprintf(stderr, " (run as root, or as the user the dataplane runs as)\n");
	} else {
		fputc('\n', stderr);
	}
}

/* The --json text of DOC, through the command's JSON form if it has one. */
static int
print_json(FILE *out, const struct command *cmd, const json_t *doc,
	   char *err, size_t errlen)
{
	json_t *shown;
	int rc;

	if (cmd->json == NULL)
		return ctl_print_json(out, doc);
	shown = cmd->json(doc, err, errlen);
	if (shown == NULL)
		return -1;
	rc = ctl_print_json(out, shown);
	json_decref(shown);
	return rc;
}

/* Render into memory first, so a reply that turns out malformed halfway
 * leaves no half table on stdout. */
static int
render(const struct options *o, const json_t *doc, const json_t *greeting)
{
	char err[CTL_ERR_MAX] = "";
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	int rc;

	if (mem == NULL) {
		fprintf(stderr, "sgtgwctl: %s\n", strerror(errno));
		return -1;
	}
	if (o->json)
		rc = print_json(mem, o->cmd, doc, err, sizeof(err));
	else if (o->cmd->view != NULL)
		rc = o->cmd->view(mem, doc, err, sizeof(err));
	else
		rc = ctl_view_info(mem, doc, greeting, err, sizeof(err));
	if (fclose(mem) != 0)
		rc = -1;
	if (rc == 0)
		fwrite(text, 1, len, stdout);
	else
		fprintf(stderr, "sgtgwctl: unexpected reply from the dataplane: %s\n",
			err[0] ? err : "cannot format it");
	free(text);
	return rc;
}

/* ---- controlplane commands ------------------------------------------- */

static void
report_admin_unreachable(const struct options *o, int rc, const char *why)
{
	fprintf(stderr, "sgtgwctl: cannot reach sgtgw-controlplane at %s: %s",
		o->admin_socket, why);
	if (rc == -ENOENT || rc == -ECONNREFUSED)
		fprintf(stderr, " (is it running? -a names its admin socket)\n");
	else if (rc == -EACCES || rc == -EPERM)
		fprintf(stderr, " (run as root, or in the socket's group)\n");
	else
		fputc('\n', stderr);
}

/* "key=value" lines as one JSON object: digits become numbers, yes/no
 * booleans, anything else a string. */
static int
print_status_json(const char *body)
{
	json_t *obj = json_object();
	char *copy = strdup(body), *save = NULL;
	int rc = 0;

	if (obj == NULL || copy == NULL) {
		json_decref(obj);
		free(copy);
		fprintf(stderr, "sgtgwctl: out of memory\n");
		return -1;
	}
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(l, '=');
		const char *v;
		json_t *jv;

		if (eq == NULL)
			continue;
		*eq = '\0';
		v = eq + 1;
		if (*v != '\0' && strspn(v, "0123456789") == strlen(v))
			jv = json_integer((json_int_t)strtoull(v, NULL, 10));
		else if (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0)
			jv = json_boolean(v[0] == 'y');
		else
			jv = json_string(v);
		json_object_set_new(obj, l, jv);
	}
	rc = ctl_print_json(stdout, obj);
	json_decref(obj);
	free(copy);
	return rc;
}

static int
run_admin(const struct options *o)
{
	char reply[ADMIN_REPLY_MAX + 1], err[512];
	const char *body;
	int rc = admin_request(o->admin_socket, o->cmd->admin, reply,
			       sizeof(reply), ADMIN_TIMEOUT_MS, err, sizeof(err));

	if (rc < 0) {
		report_admin_unreachable(o, rc, err);
		return -1;
	}
	if (strncmp(reply, "error", 5) == 0) {
		fprintf(stderr, "sgtgwctl: %s refused: %s\n", o->cmd->name,
			reply[5] == ' ' ? reply + 6 : "(no reason given)");
		return -1;
	}
	if (strncmp(reply, "ok", 2) != 0 ||
	    (reply[2] != '\0' && reply[2] != ' ' && reply[2] != '\n')) {
		fprintf(stderr, "sgtgwctl: unexpected reply from the controlplane: "
			"%.80s\n", reply);
		return -1;
	}
	body = reply[2] == '\0' ? "" : reply + 3;
	if (o->json && strcmp(o->cmd->admin, "status") == 0)
		return print_status_json(body);
	if (o->json) {
		json_t *doc = json_pack("{s:s, s:s}", "result", "ok", "summary", body);
		int jrc = doc ? ctl_print_json(stdout, doc) : -1;

		json_decref(doc);
		return jrc;
	}
	fputs(body, stdout);
	if (*body != '\0' && body[strlen(body) - 1] != '\n')
		fputc('\n', stdout);
	return 0;
}

static int
run(const struct options *o)
{
	char path[256], err[TEL_ERR_MAX];
	struct tel_client *c;
	json_t *doc;
	int rc;

	if (o->cmd->admin != NULL)
		return run_admin(o);
	if (o->socket != NULL) {
		if (strlen(o->socket) >= sizeof(path)) {
			fprintf(stderr, "sgtgwctl: socket path is too long\n");
			return -1;
		}
		strcpy(path, o->socket);
	} else if (tel_socket_path(path, sizeof(path), o->file_prefix) < 0) {
		fprintf(stderr, "sgtgwctl: file prefix '%s' is too long\n", o->file_prefix);
		return -1;
	}
	c = tel_connect(path, err, sizeof(err));
	if (c == NULL) {
		report_unreachable(o, path, errno, err);
		return -1;
	}
	if (o->cmd->kind == REPLY_TABLE)
		doc = tel_fetch_table(c, o->cmd->telemetry, err, sizeof(err));
	else
		doc = tel_command(c, o->cmd->telemetry, err, sizeof(err));
	if (doc == NULL) {
		fprintf(stderr, "sgtgwctl: %s\n", err);
		tel_close(c);
		return -1;
	}
	rc = render(o, doc, tel_greeting(c));
	json_decref(doc);
	tel_close(c);
	return rc;
}

int
main(int argc, char **argv)
{
	struct options o;
	int rc = parse_args(argc, argv, &o);

	if (rc != 0)
		return rc < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
	rc = run(&o);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "sgtgwctl: writing output: %s\n", strerror(errno));
		rc = -1;
	}
	return rc < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
