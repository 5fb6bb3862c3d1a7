/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sgtgw-dataplane: the DPDK primary process. Loads and validates the YAML
 * configuration, attaches the ports, builds the IP-to-SGT tables and the
 * compiled policy (from the file standalone, from the cache and then the
 * controlplane managed), starts one worker per configured lcore, and runs
 * the control lcore's loop on the main lcore until SIGINT/SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "dataplane.h"
#include "dp_bindings.h"
#include "log.h"
#include "managed.h"
#include "policy_rt.h"
#include "ports.h"
#include "table_limits.h"
#include "telemetry.h"

#define DEFAULT_FILE_PREFIX "sgtgw"
#define LOG_RING_SIZE 1024
#define MAIN_LOOP_MS 10
#define MBUF_CACHE 256

static struct dataplane the_dp;

struct options {
	const char *config;
	uint32_t exit_idle_ms;    /* 0: run until signalled */
};

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"Usage: %s [EAL options] -- --config FILE [--exit-idle-ms N]\n"
		"       %s --check-config FILE\n"
		"\n"
		"sgtgw-dataplane enforces Cisco TrustSec policy (SGT x DGT SGACLs)\n"
		"on DPDK ports, as configured in the YAML file.\n"
		"\n"
		"  -c, --config FILE      configuration to run (see docs/configuration.md)\n"
		"      --check-config FILE  validate FILE and exit, without starting DPDK\n"
		"                         (exit status 0 valid, 1 invalid)\n"
		"      --exit-idle-ms N   stop once no port has received a packet for N ms\n"
		"                         (replaying a pcap file, tests, the demo)\n"
		"  -h, --help             this text\n"
		"  -V, --version          print the version\n"
		"\n"
		"EAL options are DPDK's (-l, -a, --vdev, --no-pci, --file-prefix ...).\n"
		"Without --file-prefix the prefix is \"" DEFAULT_FILE_PREFIX "\", which\n"
		"is where sgtgwctl looks for the telemetry socket by default.\n",
		prog, prog);
}

static int
check_config(const char *path)
{
	char err[CONFIG_ERR_MAX];
	struct config *cfg = config_load(path, err, sizeof(err));

	if (cfg == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("%s: OK: %u ports, %u bindings, %u SGTs, %u SGACLs, %u cells%s%s\n",
	       path, cfg->n_ports, cfg->n_bindings, cfg->policy.n_names,
	       cfg->policy.n_sgacls, cfg->policy.n_cells,
	       cfg->controlplane.enabled ? "; managed by the controlplane on " : "",
	       cfg->controlplane.enabled ? cfg->controlplane.socket : "");
	config_free(cfg);
	return 0;
}

/* Options that must work before (and without) the EAL. */
static void
early_options(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--check-config") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "--check-config needs a FILE\n");
				exit(1);
			}
			exit(check_config(argv[i + 1]));
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout, argv[0]);
			exit(0);
		}
		if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-V") == 0) {
			printf("sgtgw-dataplane %s\n", SGTGW_VERSION);
			exit(0);
		}
	}
}

static int
app_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "exit-idle-ms", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'i':
			o->exit_idle_ms = (uint32_t)strtoul(optarg, &end, 10);
			if (*end != '\0') {
				fprintf(stderr, "--exit-idle-ms: not a number: %s\n", optarg);
				return -1;
			}
			break;
		default:
			usage(stderr, argv[0]);
			return -1;
		}
	}
	if (o->config == NULL) {
		fprintf(stderr, "--config FILE is required\n");
		usage(stderr, argv[0]);
		return -1;
	}
	return 0;
}

/* EAL arguments with our default file prefix added when none was given. */
static char **
eal_argv(int argc, char **argv, int *eal_argc)
{
	static char prefix_arg[] = "--file-prefix=" DEFAULT_FILE_PREFIX;
	int n = 0, end = argc;
	bool has_prefix = false;
	char **v = calloc((size_t)argc + 2, sizeof(*v));

	if (v == NULL)
		return NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			end = i;
			break;
		}
		if (strncmp(argv[i], "--file-prefix", 13) == 0)
			has_prefix = true;
	}
	for (int i = 0; i < end; i++)
		v[n++] = argv[i];
	if (!has_prefix)
		v[n++] = prefix_arg;
	*eal_argc = n;
	return v;
}

static int
dpdk_log_prio(void)
{
	/* DPDK levels are syslog severities plus one. */
	int lvl = rte_log_cur_msg_loglevel();

	return lvl >= 1 && lvl <= 8 ? lvl - 1 : LOG_INFO;
}

static volatile sig_atomic_t signalled;

static void
on_signal(int sig)
{
	signalled = sig;
}

/* The limits the tables get (table_limits.h), from the bindings each
 * holds at start. */
static int
table_create(struct dataplane *dp, const uint32_t held[CONFIG_LIMITS])
{
	uint32_t *lim = dp->table_limits;
	struct sgt_table_params tp = {
		.name = "sgt",
		.socket_id = (int)rte_socket_id(),
		.rcu = dp->rcu,
	};

	table_limits_choose(dp->cfg->limits, held, lim);
	tp.max_v4_hosts = lim[CONFIG_LIMIT_V4_HOSTS];
	tp.max_v4_prefixes = lim[CONFIG_LIMIT_V4_PREFIXES];
	tp.max_v6_hosts = lim[CONFIG_LIMIT_V6_HOSTS];
	tp.max_v6_prefixes = lim[CONFIG_LIMIT_V6_PREFIXES];
	dp->table = sgt_table_create(&tp);
	if (dp->table == NULL) {
		/* IPv6 hosts and prefixes and IPv4 prefix rules are
		 * allocated at their limit up front. */
		sg_log(LOG_ERR, "cannot create the IP-SGT tables for %u IPv4 "
		       "prefixes, %u IPv6 hosts, %u IPv6 prefixes: %s (lower "
		       "limits: or reserve more hugepages)", tp.max_v4_prefixes,
		       tp.max_v6_hosts, tp.max_v6_prefixes,
		       rte_strerror(rte_errno));
		return -1;
	}
	sg_log(LOG_INFO, "IP-SGT tables: up to %u IPv4 hosts, %u IPv4 "
	       "prefixes, %u IPv6 hosts, %u IPv6 prefixes", tp.max_v4_hosts,
	       tp.max_v4_prefixes, tp.max_v6_hosts, tp.max_v6_prefixes);
	return 0;
}

static int
standalone_bindings(struct dataplane *dp)
{
	const struct config *cfg = dp->cfg;
	uint32_t held[CONFIG_LIMITS] = { 0 };
	char why[128];

	for (uint32_t i = 0; i < cfg->n_bindings; i++)
		held[config_limit_of(cfg->bindings[i].family,
				     cfg->bindings[i].prefix_len)]++;
	if (table_create(dp, held) < 0)
		return -1;
	for (uint32_t i = 0; i < cfg->n_bindings; i++) {
		const struct config_binding *b = &cfg->bindings[i];
		uint32_t a4;
		int rc;

		memcpy(&a4, b->addr, sizeof(a4));
		rc = b->family == AF_INET6 ?
		     sgt_table_add_v6(dp->table, b->addr, b->prefix_len, b->sgt) :
		     sgt_table_add_v4(dp->table, a4, b->prefix_len, b->sgt);
		if (rc != 0) {
			sg_log(LOG_ERR, "binding %u of %u cannot be added: %s",
			       i + 1, cfg->n_bindings,
			       table_add_error(dp->table_limits, b->family,
					       b->prefix_len, rc, why,
					       sizeof(why)));
			return -1;
		}
	}
	dp->bindings_generation = 1;
	return 0;
}

static int
standalone_policy(struct dataplane *dp)
{
	int sockets[SGTGW_MAX_WORKERS];
	char err[256];

	for (uint32_t w = 0; w < dp->n_workers; w++)
		sockets[w] = (int)rte_lcore_to_socket_id(dp->workers[w].lcore_id);
	dp->policy_rt = policy_rt_create(&dp->cfg->policy, false, 1,
					 dp->n_workers, sockets, err, sizeof(err));
	if (dp->policy_rt == NULL) {
		sg_log(LOG_ERR, "policy: %s", err);
		return -1;
	}
	dp->policy_generation = 1;
	return 0;
}

/* Managed: the cache sizes the tables and fills them. */
static int
managed_state(struct dataplane *dp)
{
	const struct cache_contents *c;
	uint32_t held[CONFIG_LIMITS] = { 0 };

	if (managed_create(dp) < 0)
		return -1;
	c = managed_cached(dp);
	for (uint32_t i = 0; i < c->n_bindings; i++)
		held[config_limit_of(c->bindings[i].family,
				     c->bindings[i].prefix_len)]++;
	if (table_create(dp, held) < 0)
		return -1;
	return managed_restore(dp);
}

/* The tables and the policy the workers start with. */
static int
state_init(struct dataplane *dp)
{
	if (dp->cfg->controlplane.enabled)
		return managed_state(dp);
	if (standalone_bindings(dp) < 0)
		return -1;
	return standalone_policy(dp);
}

/* One reader thread id per worker (its index). */
static int
rcu_init(struct dataplane *dp)
{
	size_t sz = rte_rcu_qsbr_get_memsize(dp->n_workers);

	dp->rcu = rte_zmalloc("sgtgw_rcu", sz, RTE_CACHE_LINE_SIZE);
	if (dp->rcu == NULL || rte_rcu_qsbr_init(dp->rcu, dp->n_workers) != 0) {
		sg_log(LOG_ERR, "cannot set up RCU for %u workers: %s",
		       dp->n_workers, rte_strerror(rte_errno));
		return -1;
	}
	for (uint32_t w = 0; w < dp->n_workers; w++)
		rte_rcu_qsbr_thread_register(dp->rcu, w);
	return 0;
}

static int
workers_init(struct dataplane *dp)
{
	unsigned int lcore, i = 0;

	dp->n_workers = dp->cfg->workers;
	if (rte_lcore_count() < dp->n_workers + 1) {
		sg_log(LOG_ERR, "the configuration asks for %u workers but the EAL "
		       "has %u lcores: give one more than the workers with -l "
		       "(the main lcore is the control lcore)",
		       dp->n_workers, rte_lcore_count());
		return -1;
	}
	RTE_LCORE_FOREACH_WORKER(lcore) {
		struct dp_worker *w = &dp->workers[i];
		char name[RTE_RING_NAMESIZE];

		if (i == dp->n_workers)
			break;
		w->dp = dp;
		w->index = i;
		w->lcore_id = lcore;
		w->ctr = rte_zmalloc_socket("worker_counters", sizeof(*w->ctr),
					    RTE_CACHE_LINE_SIZE,
					    (int)rte_lcore_to_socket_id(lcore));
		snprintf(name, sizeof(name), "sgtgw_log%u", i);
		w->log_ring = rte_ring_create_elem(name, sizeof(struct acl_log_record),
						   LOG_RING_SIZE, SOCKET_ID_ANY,
						   RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (w->ctr == NULL || w->log_ring == NULL) {
			sg_log(LOG_ERR, "worker %u: out of memory", i);
			return -1;
		}
		i++;
	}
	return 0;
}

static int
pool_init(struct dataplane *dp)
{
	dp->pool = rte_pktmbuf_pool_create("sgtgw_mbufs", dp->cfg->mbufs,
					   MBUF_CACHE, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE,
					   (int)rte_socket_id());
	if (dp->pool == NULL) {
		sg_log(LOG_ERR, "cannot create a pool of %u mbufs: %s (reserve more "
		       "hugepages or lower dataplane.mbufs)", dp->cfg->mbufs,
		       rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

static uint64_t
total_rx(const struct dataplane *dp)
{
	uint64_t n = 0;

	for (uint32_t p = 0; p < dp->n_ports; p++) {
		struct port_counters sum;

		telemetry_sum_port(dp, p, &sum);
		n += sum.rx_packets;
	}
	return n;
}

/* Only the control lcore replaces the runtime: it reads it unlocked. */
static void
drain_logs(struct dataplane *dp)
{
	for (uint32_t w = 0; w < dp->n_workers; w++)
		acl_log_drain(dp->workers[w].log_ring, dp->policy_rt->compiled,
			      NULL, dp->port_names);
}

static uint64_t
now_ms(void)
{
	return rte_get_timer_cycles() / (rte_get_timer_hz() / 1000);
}

/* The control lcore: serve the controlplane (managed), hand log records
 * to syslog, watch for a signal or for the input to go idle. */
static void
main_loop(struct dataplane *dp, const struct options *o)
{
	uint64_t last_rx = UINT64_MAX, idle_since = now_ms();

	while (!signalled) {
		if (dp->managed != NULL)
			managed_poll(dp, MAIN_LOOP_MS);
		else
			rte_delay_us_sleep(MAIN_LOOP_MS * 1000);
		drain_logs(dp);
		if (o->exit_idle_ms == 0)
			continue;
		uint64_t rx = total_rx(dp), now = now_ms();

		if (rx != last_rx)
			idle_since = now;
		last_rx = rx;
		if (now - idle_since >= o->exit_idle_ms) {
			sg_log(LOG_NOTICE, "no packet for %llu ms: stopping",
			       (unsigned long long)(now - idle_since));
			break;
		}
	}
	if (signalled)
		sg_log(LOG_NOTICE, "%s: stopping", strsignal(signalled));
}

static void
log_summary(const struct dataplane *dp)
{
	for (uint32_t p = 0; p < dp->n_ports; p++) {
		struct port_counters s;
		uint64_t drops = 0;

		telemetry_sum_port(dp, p, &s);
		for (int r = DROP_NONE + 1; r < DROP_REASON_MAX; r++)
			drops += s.drops[r];
		sg_log(LOG_INFO, "port %s: rx %" PRIu64 " tx %" PRIu64
		       " dropped %" PRIu64 " (policy %" PRIu64 ")",
		       dp->port_names[p], s.rx_packets, s.tx_packets, drops,
		       s.drops[DROP_POLICY]);
	}
}

static int
dataplane_start(struct dataplane *dp)
{
	unsigned int launched = 0;

	if (pool_init(dp) || workers_init(dp) || rcu_init(dp) ||
	    state_init(dp) || ports_init(dp) || telemetry_init(dp) ||
	    (dp->managed != NULL && managed_listen(dp) < 0))
		return -1;
	dp->start_tsc = rte_rdtsc();
	for (uint32_t i = 0; i < dp->n_workers; i++) {
		struct dp_worker *w = &dp->workers[i];

		if (w->n_rxq == 0)
			sg_log(LOG_NOTICE, "worker %u has no rx queue: the ports "
			       "offer fewer queues than workers", i);
		if (rte_eal_remote_launch(worker_main, w, w->lcore_id) != 0) {
			sg_log(LOG_ERR, "cannot launch worker %u on lcore %u",
			       i, w->lcore_id);
			break;
		}
		launched++;
	}
	sg_log(LOG_NOTICE, "enforcing: %u workers, %u ports, %zu bindings, "
	       "%u cells (%s, policy generation %llu)", launched, dp->n_ports,
	       dp->bindings ? dp_bindings_count(dp->bindings) :
			      (size_t)dp->cfg->n_bindings,
	       dp->policy_rt->compiled->n_cells,
	       dp->managed ? "managed" : "standalone",
	       (unsigned long long)dp->policy_generation);
	return launched == dp->n_workers ? 0 : -1;
}

static void
dataplane_stop(struct dataplane *dp)
{
	__atomic_store_n(&dp->quit, true, __ATOMIC_RELAXED);
	rte_eal_mp_wait_lcore();
	if (dp->policy_rt != NULL) {
		drain_logs(dp);
		log_summary(dp);
	}
	managed_stop(dp);
	ports_close(dp);
}

int
main(int argc, char **argv)
{
	struct dataplane *dp = &the_dp;
	struct options opts = { 0 };
	char err[CONFIG_ERR_MAX];
	int eal_argc, n, rc = 1;
	char **eargv;

	early_options(argc, argv);
	sg_log_open("sgtgw-dataplane", true);
	eargv = eal_argv(argc, argv, &eal_argc);
	if (eargv == NULL)
		return 1;
	rte_openlog_stream(sg_log_stream(dpdk_log_prio));
	n = rte_eal_init(eal_argc, eargv);
	if (n < 0) {
		sg_log(LOG_ERR, "EAL initialisation failed: %s", rte_strerror(rte_errno));
		return 1;
	}
	/* What follows "--" is ours. The EAL saw only what precedes it (and
	 * perhaps our added --file-prefix), so n counts eargv, not argv:
	 * find the "--" in argv itself. */
	(void)n;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			argv[i] = eargv[0];
			argc -= i;
			argv += i;
			break;
		}
		if (i == argc - 1)
			argc = 1; /* no "--": no options of ours */
	}
	if (app_options(argc, argv, &opts) != 0)
		goto out;

	dp->cfg = config_load(opts.config, err, sizeof(err));
	if (dp->cfg == NULL) {
		sg_log(LOG_ERR, "%s", err);
		goto out;
	}
	pthread_mutex_init(&dp->view_lock, NULL);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (dataplane_start(dp) == 0) {
		main_loop(dp, &opts);
		rc = 0;
	}
	dataplane_stop(dp);
out:
	rte_eal_cleanup();
	free(eargv);
	return rc;
}
