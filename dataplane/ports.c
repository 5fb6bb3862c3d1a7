/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "log.h"
#include "ports.h"

#define RX_DESC 1024
#define TX_DESC 1024

/* The ethdev name of a device argument: the part before the first comma
 * ("net_pcap0,rx_pcap=..." -> "net_pcap0", "0000:3b:00.0" stays). */
static void
device_name(const char *devargs, char *name, size_t len)
{
	size_t n = strcspn(devargs, ",");

	if (n >= len)
		n = len - 1;
	memcpy(name, devargs, n);
	name[n] = '\0';
}

static int
port_attach(const struct config_port *cp, uint16_t *port_id)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	int rc;

	device_name(cp->device, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0; /* probed by the EAL (-a / --vdev on the command line) */
	rc = rte_dev_probe(cp->device);
	if (rc < 0) {
		sg_log(LOG_ERR, "port %s: cannot attach device '%s': %s",
		       cp->name, cp->device, strerror(-rc));
		return -1;
	}
	if (rte_eth_dev_get_port_by_name(name, port_id) != 0) {
		sg_log(LOG_ERR, "port %s: device '%s' attached but no ethdev "
		       "named '%s'", cp->name, cp->device, name);
		return -1;
	}
	return 0;
}

static void
port_rss_conf(const struct rte_eth_dev_info *info, uint16_t n_rxq,
	      struct rte_eth_conf *conf)
{
	uint64_t hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
		      info->flow_type_rss_offloads;

	if (n_rxq < 2 || hf == 0)
		return;
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rx_adv_conf.rss_conf.rss_hf = hf;
}

static int
port_setup(struct dataplane *dp, struct dp_port *p)
{
	struct rte_eth_conf conf = { 0 };
	struct rte_eth_dev_info info;
	uint16_t nb_rxd = RX_DESC, nb_txd = TX_DESC;
	int socket = rte_eth_dev_socket_id(p->port_id);
	int rc;

	rc = rte_eth_dev_info_get(p->port_id, &info);
	if (rc != 0)
		goto fail;
	p->n_rxq = (uint16_t)RTE_MIN(dp->n_workers, info.max_rx_queues);
	p->n_txq = (uint16_t)dp->n_workers;
	if (info.max_tx_queues < p->n_txq) {
		sg_log(LOG_ERR, "port %s: device offers %u tx queues; %u workers "
		       "need one each", p->cfg->name, info.max_tx_queues, p->n_txq);
		return -1;
	}
	port_rss_conf(&info, p->n_rxq, &conf);
	rc = rte_eth_dev_configure(p->port_id, p->n_rxq, p->n_txq, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nb_rxd, &nb_txd);
	for (uint16_t q = 0; rc == 0 && q < p->n_rxq; q++)
		rc = rte_eth_rx_queue_setup(p->port_id, q, nb_rxd,
					    socket < 0 ? SOCKET_ID_ANY : socket,
					    NULL, dp->pool);
	for (uint16_t q = 0; rc == 0 && q < p->n_txq; q++)
		rc = rte_eth_tx_queue_setup(p->port_id, q, nb_txd,
					    socket < 0 ? SOCKET_ID_ANY : socket,
					    NULL);
	if (rc == 0)
		rc = rte_eth_promiscuous_enable(p->port_id);
	if (rc == -ENOTSUP)
		rc = 0; /* a virtual device without the notion */
	if (rc == 0)
		rc = rte_eth_dev_start(p->port_id);
	if (rc == 0)
		return 0;
fail:
	sg_log(LOG_ERR, "port %s: set-up failed: %s", p->cfg->name, strerror(-rc));
	return -1;
}

/* Round-robin every (port, rx queue) over the workers. */
static void
assign_rx_queues(struct dataplane *dp)
{
	unsigned int next = 0;

	for (uint32_t i = 0; i < dp->n_ports; i++) {
		for (uint16_t q = 0; q < dp->ports[i].n_rxq; q++) {
			struct dp_worker *w = &dp->workers[next++ % dp->n_workers];

			w->rxq[w->n_rxq].port = (uint16_t)i;
			w->rxq[w->n_rxq].queue = q;
			w->n_rxq++;
		}
	}
}

int
ports_init(struct dataplane *dp)
{
	const struct config *cfg = dp->cfg;

	dp->n_ports = cfg->n_ports;
	for (uint32_t i = 0; i < cfg->n_ports; i++) {
		struct dp_port *p = &dp->ports[i];

		p->cfg = &cfg->ports[i];
		p->peer = cfg->ports[i].peer;
		dp->port_names[i] = p->cfg->name;
		if (port_attach(p->cfg, &p->port_id) != 0)
			return -1;
	}
	for (uint32_t i = 0; i < dp->n_ports; i++) {
		if (port_setup(dp, &dp->ports[i]) != 0)
			return -1;
		dp->ports[i].started = true;
		sg_log(LOG_INFO, "port %s: ethdev %u, %u rx / %u tx queues, peer %s",
		       dp->ports[i].cfg->name, dp->ports[i].port_id,
		       dp->ports[i].n_rxq, dp->ports[i].n_txq,
		       dp->ports[i].peer >= 0 ?
		       cfg->ports[dp->ports[i].peer].name : "(none)");
	}
	assign_rx_queues(dp);
	return 0;
}

void
ports_close(struct dataplane *dp)
{
	for (uint32_t i = 0; i < dp->n_ports; i++) {
		uint16_t id = dp->ports[i].port_id;

		if (!dp->ports[i].started)
			continue;
		rte_eth_dev_stop(id);
		rte_eth_dev_close(id);
	}
}
