/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The EAL as unit tests start it: no PCI bus (never the machine's NIC), no
 * hugepages, no shared files, no telemetry, one lcore, a file prefix of
 * its own. Header-only: each test program includes it once.
 */
#ifndef SGTGW_UNIT_EAL_H
#define SGTGW_UNIT_EAL_H

#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>

/* mem_mb: the --no-huge memory, as the "-m" argument. 0 or -1. */
static inline int
unit_eal_init(const char *prog, const char *mem_mb)
{
	static char prefix[64];
	char *argv[] = {
		(char *)prog, "--no-pci", "--no-huge", "-m", (char *)mem_mb,
		"--no-shconf", "--no-telemetry", "--file-prefix", prefix,
		"-l", "0", "--log-level=lib.*:error",
	};

	snprintf(prefix, sizeof(prefix), "sgtgw_%s_%d", prog, (int)getpid());
	return rte_eal_init((int)RTE_DIM(argv), argv) < 0 ? -1 : 0;
}

static inline int
unit_eal_cleanup(void)
{
	char dir[PATH_MAX];
	int ret;

	/* Even without shared files the EAL makes a runtime directory; it is
	 * empty by now, and one per test run would pile up. */
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	ret = rte_eal_cleanup();
	rmdir(dir);
	return ret;
}

#endif
