/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sgtgw-controlplane: owns the bindings and the policy and keeps
 * sgtgw-dataplane in step with them (docs/sync.md). This file is the
 * process: options, the one poll loop, signals (SIGHUP reloads, SIGTERM
 * and SIGINT stop) and the admin commands. It always runs in the
 * foreground, as systemd and containers want; it logs to syslog and to
 * stderr.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "binding_db.h"
#include "config.h"
#include "dp_link.h"
#include "log.h"
#include "reload.h"
#include "sync.h"

#define PROG "sgtgw-controlplane"
#define POLLFDS_MAX (2 + 1 + ADMIN_CLIENTS_MAX)

struct options {
	const char *config;
	const char *check;          /* --check-config FILE */
	const char *socket;         /* overrides controlplane.socket */
	const char *admin_socket;   /* overrides controlplane.admin_socket */
};

struct controlplane {
	const char *config_path;
	struct reload_target rt;
	char *socket_path;          /* as resolved at start: a reload does not */
	char *admin_path;           /* move the sockets */
	struct dp_link *link;
	struct admin *admin;
	int sigfd;
	bool stop;
};

static void
usage(FILE *out)
{
	fprintf(out,
"Usage: " PROG " --config FILE [--foreground] [--socket PATH] [--admin-socket PATH]\n"
"       " PROG " --check-config FILE\n"
"\n"
"Owns sgtgw's IP-to-SGT bindings and policy and keeps sgtgw-dataplane in\n"
"step with them over its control socket and shared-memory ring\n"
"(docs/sync.md). Either process may start first.\n"
"\n"
"  -c, --config FILE        the YAML configuration (docs/configuration.md)\n"
"  -f, --foreground         accepted for compatibility: the controlplane\n"
"                           always runs in the foreground, logging to syslog\n"
"                           and stderr\n"
"  -s, --socket PATH        the dataplane's control socket (default: the\n"
"                           file's controlplane.socket, else " DP_SOCKET_DEFAULT ")\n"
"  -a, --admin-socket PATH  the socket sgtgwctl talks to (default: the file's\n"
"                           controlplane.admin_socket, else\n"
"                           " ADMIN_SOCKET_DEFAULT ")\n"
"      --check-config FILE  validate FILE and exit (status 0 valid, 1 not)\n"
"  -h, --help               this text\n"
"  -V, --version            print the version\n"
"\n"
"Signals: SIGHUP reloads the file (as `sgtgwctl reload`); SIGTERM and\n"
"SIGINT stop. A file that does not load changes nothing.\n");
}

/* Returns -1 to exit 1, 1 when the work is done (help, version, check),
 * 0 to run. */
static int
check_config(const char *path)
{
	char err[CONFIG_ERR_MAX];
	struct config *cfg = config_load(path, err, sizeof(err));

	if (cfg == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	printf("%s: OK: %u bindings, %u SGTs, %u SGACLs, %u cells\n", path,
	       cfg->n_bindings, cfg->policy.n_names, cfg->policy.n_sgacls,
	       cfg->policy.n_cells);
	config_free(cfg);
	return 1;
}

static int
parse_args(int argc, char **argv, struct options *o)
{
	enum { OPT_CHECK = 256 };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "socket", required_argument, NULL, 's' },
		{ "admin-socket", required_argument, NULL, 'a' },
		{ "check-config", required_argument, NULL, OPT_CHECK },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	memset(o, 0, sizeof(*o));
	while ((opt = getopt_long(argc, argv, "c:fs:a:hV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': o->config = optarg; break;
		case 'f': break;
		case 's': o->socket = optarg; break;
		case 'a': o->admin_socket = optarg; break;
		case OPT_CHECK: o->check = optarg; break;
		case 'h': usage(stdout); return 1;
		case 'V': printf(PROG " %s\n", SGTGW_VERSION); return 1;
		default:
			fprintf(stderr, PROG ": see " PROG " --help\n");
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (o->check != NULL)
		return check_config(o->check);
	if (o->config == NULL) {
		fprintf(stderr, PROG ": --config FILE is required; see " PROG
			" --help\n");
		return -1;
	}
	return 0;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- admin commands ----------------------------------------------------- */

static void
cmd_reload(void *ctx, const struct admin_peer *peer, char *reply, size_t len)
{
	struct controlplane *cp = ctx;
	char msg[ADMIN_REPLY_MAX - 8];
	int rc;

	(void)peer;
	rc = reload_apply(&cp->rt, cp->config_path, msg, sizeof(msg));
	snprintf(reply, len, "%s %s", rc == 0 ? "ok" : "error", msg);
}

static void
cmd_status(void *ctx, const struct admin_peer *peer, char *reply, size_t len)
{
	struct controlplane *cp = ctx;
	struct dp_link_status ls;
	struct binding_db_counts bc;
	struct sync_stats ss;
	char session[24] = "none";

	(void)peer;
	dp_link_get_status(cp->link, &ls);
	/* Hex with 0x, so that no reader takes it for a decimal number. */
	if (ls.session_id != 0)
		snprintf(session, sizeof(session), "0x%016" PRIx64, ls.session_id);
	sync_get_stats(cp->rt.sync, &ss);
	binding_db_counts(cp->rt.db, &bc);
	snprintf(reply, len,
		 "ok\n"
		 "connected=%s\n"
		 "state=%s\n"
		 "session=%s\n"
		 "dataplane_pid=%u\n"
		 "socket=%s\n"
		 "config=%s\n"
		 "bindings=%zu\n"
		 "bindings_generation_sent=%" PRIu64 "\n"
		 "bindings_generation_acked=%" PRIu64 "\n"
		 "policy_generation_sent=%" PRIu64 "\n"
		 "policy_generation_acked=%" PRIu64 "\n"
		 "policy_refused=%" PRIu64 "\n"
		 "backlog=%zu\n"
		 "ring_waits=%" PRIu64 "\n"
		 "slot_waits=%" PRIu64 "\n"
		 "messages_sent=%" PRIu64 "\n"
		 "resyncs=%" PRIu64 "\n"
		 "resync_requests=%" PRIu64 "\n"
		 "sessions=%" PRIu64 "\n",
		 ls.state == DP_LINK_UP ? "yes" : "no",
		 dp_link_state_name(ls.state), session, ls.dataplane_pid,
		 cp->socket_path, cp->config_path, bc.prefixes, ss.bindings_sent,
		 ls.bindings_acked, ss.policy_sent, ls.policy_acked,
		 ls.policy_refused, ss.backlog, ss.ring_waits, ss.slot_waits,
		 ss.messages_sent, ss.resyncs, ls.resync_requests, ls.sessions);
}

/* An operator's full resync: for a dataplane whose state is in doubt. */
static void
cmd_resync(void *ctx, const struct admin_peer *peer, char *reply, size_t len)
{
	struct controlplane *cp = ctx;
	struct sync_stats ss;
	int rc;

	sg_log(LOG_NOTICE, "full resync asked for by pid %d uid %u",
	       (int)peer->pid, (unsigned)peer->uid);
	rc = sync_resync(cp->rt.sync);
	sync_get_stats(cp->rt.sync, &ss);
	if (rc == -ENOTCONN)
		snprintf(reply, len, "error no dataplane session: the next one "
			 "starts with a full resync anyway");
	else if (rc < 0)
		snprintf(reply, len, "error full resync failed: %s", strerror(-rc));
	else
		snprintf(reply, len, "ok full resync: bindings generations up to "
			 "%" PRIu64 ", policy generation %" PRIu64,
			 ss.bindings_generation, ss.policy_generation);
}

static const struct admin_command admin_commands[] = {
	{ "reload", cmd_reload },
	{ "resync", cmd_resync },
	{ "status", cmd_status },
	{ NULL, NULL },
};

/* ---- start and stop ----------------------------------------------------- */

static int
block_signals(struct controlplane *cp)
{
	sigset_t set;

	/* ctl_send and the admin replies never raise SIGPIPE; a stray write
	 * to a dead peer must not kill the process either. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	cp->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return cp->sigfd < 0 ? -1 : 0;
}

static char *
resolve_path(const char *override, const char *from_file, const char *dflt)
{
	return strdup(override ? override : from_file ? from_file : dflt);
}

/* Database, sync and the first load of the file. */
static int
load_state(struct controlplane *cp, const struct options *o)
{
	struct binding_db_params bp = { .on_change = sync_binding_changed };
	char msg[ADMIN_REPLY_MAX];

	cp->config_path = o->config;
	cp->rt.sync = sync_create();
	bp.ctx = cp->rt.sync;
	cp->rt.db = cp->rt.sync ? binding_db_create(&bp) : NULL;
	if (cp->rt.db == NULL) {
		sg_log(LOG_ERR, "out of memory");
		return -1;
	}
	sync_set_db(cp->rt.sync, cp->rt.db);
	/* reload_apply logs the loader's error itself. */
	return reload_apply(&cp->rt, o->config, msg, sizeof(msg));
}

static int
start(struct controlplane *cp, const struct options *o)
{
	const struct config_controlplane *cc;
	char err[512];

	if (load_state(cp, o) < 0)
		return -1;
	cc = &cp->rt.cfg->controlplane;
	if (!cc->enabled)
		sg_log(LOG_WARNING, "%s has no controlplane: section: a dataplane "
		       "reading it runs standalone and does not listen for us",
		       o->config);
	cp->socket_path = resolve_path(o->socket, cc->socket, DP_SOCKET_DEFAULT);
	cp->admin_path = resolve_path(o->admin_socket, cc->admin_socket,
				      ADMIN_SOCKET_DEFAULT);
	if (cp->socket_path == NULL || cp->admin_path == NULL) {
		sg_log(LOG_ERR, "out of memory");
		return -1;
	}
	cp->admin = admin_open(cp->admin_path, admin_commands, cp, err,
			       sizeof(err));
	if (cp->admin == NULL) {
		sg_log(LOG_ERR, "%s", err);
		return -1;
	}
	cp->link = dp_link_create(cp->socket_path, cc->hold_time * 1000u,
				  cp->rt.sync);
	if (cp->link == NULL) {
		sg_log(LOG_ERR, "out of memory");
		return -1;
	}
	if (block_signals(cp) < 0) {
		sg_log(LOG_ERR, "signals: %s", strerror(errno));
		return -1;
	}
	sg_log(LOG_NOTICE, PROG " %s: config %s, dataplane socket %s, admin "
	       "socket %s", SGTGW_VERSION, o->config, cp->socket_path,
	       cp->admin_path);
	return 0;
}

static void
stop(struct controlplane *cp)
{
	dp_link_destroy(cp->link);
	admin_close(cp->admin);
	if (cp->sigfd >= 0)
		close(cp->sigfd);
	binding_db_destroy(cp->rt.db);
	sync_destroy(cp->rt.sync);
	reload_fini(&cp->rt);
	free(cp->socket_path);
	free(cp->admin_path);
}

/* ---- the loop ------------------------------------------------------------ */

static void
on_signals(struct controlplane *cp)
{
	struct signalfd_siginfo si;
	char msg[ADMIN_REPLY_MAX];

	while (read(cp->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			sg_log(LOG_INFO, "SIGHUP from pid %u: reloading %s",
			       si.ssi_pid, cp->config_path);
			reload_apply(&cp->rt, cp->config_path, msg, sizeof(msg));
		} else {
			sg_log(LOG_NOTICE, "%s from pid %u: stopping",
			       si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM",
			       si.ssi_pid);
			cp->stop = true;
		}
	}
}

static void
turn(struct controlplane *cp)
{
	struct pollfd p[POLLFDS_MAX];
	size_t n = 0, n_admin;
	int dp_fd, dp_at = -1;

	dp_link_tick(cp->link, now_ms());
	p[n++] = (struct pollfd){ .fd = cp->sigfd, .events = POLLIN };
	dp_fd = dp_link_pollfd(cp->link);
	if (dp_fd >= 0) {
		dp_at = (int)n;
		p[n++] = (struct pollfd){ .fd = dp_fd, .events = POLLIN };
	}
	n_admin = admin_pollfds(cp->admin, &p[n], POLLFDS_MAX - n);
	if (poll(p, n + n_admin, dp_link_timeout_ms(cp->link, now_ms())) < 0) {
		if (errno != EINTR)
			sg_log(LOG_ERR, "poll: %s", strerror(errno));
		return;
	}
	if (p[0].revents != 0)
		on_signals(cp);
	if (dp_at >= 0 && p[dp_at].revents != 0)
		dp_link_process(cp->link, now_ms());
	admin_process(cp->admin, &p[n], n_admin, now_ms());
}

int
main(int argc, char **argv)
{
	struct controlplane cp = { .sigfd = -1 };
	struct options o;
	int rc = parse_args(argc, argv, &o);

	if (rc != 0)
		return rc < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
	sg_log_open(PROG, true);
	rc = start(&cp, &o);
	while (rc == 0 && !cp.stop)
		turn(&cp);
	stop(&cp);
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
