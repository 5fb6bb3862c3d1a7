/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports: attach each configured device (a vdev string or a PCI address),
 * give it one tx queue per worker and as many rx queues as it offers up to
 * the worker count (RSS spreads flows over them), and spread the rx queues
 * over the workers. Worker w transmits on queue w of every port, so no two
 * workers share a tx queue.
 */
#ifndef SGTGW_PORTS_H
#define SGTGW_PORTS_H

#include "dataplane.h"

/* Attach and start every port; fills dp->ports and the workers' rx queue
 * lists. Logs and returns -1 on the first failure. */
int ports_init(struct dataplane *dp);
/* Stop and close every started port (flushes pcap output). */
void ports_close(struct dataplane *dp);

#endif
