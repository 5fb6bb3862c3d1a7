/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>

#include <rte_cycles.h>

#include "acl_log.h"
#include "log.h"

#define DRAIN_BATCH 64

void
acl_log_limiter_init(struct acl_log_limiter *l, uint32_t per_second)
{
	uint64_t hz = rte_get_tsc_hz();

	l->last_tsc = rte_rdtsc();
	l->tsc_per_record = per_second ? hz / per_second : 0;
	/* Allow one second's worth of records in a burst. */
	l->burst_tsc = hz;
	l->tokens = l->burst_tsc;
}

static void
ace_identity(const struct policy_compiled *pc, const struct acl_log_record *r,
	     const char **sgacl, const char **ace)
{
	const struct policy_ace_origin *o;

	*sgacl = "catch-all";
	*ace = r->action == SGACL_PERMIT ? "permit ip" : "deny ip";
	if (pc == NULL) {
		*sgacl = *ace = "unknown";
		return;
	}
	/* The final action may come from an ACE matching every packet that
	 * ended the list ("deny ip log"): the cell keeps where it came from. */
	if (r->ace < pc->n_aces)
		o = &pc->origin[r->ace];
	else if (r->cell < pc->n_cells)
		o = &pc->final_origin[r->cell];
	else
		return;
	if (o->sgacl == POLICY_ORIGIN_CATCH_ALL || pc->model == NULL)
		return;
	const struct policy_sgacl *s = &pc->model->sgacls[o->sgacl];
	*sgacl = s->name;
	*ace = s->ace_text[o->ace];
}

static void
acl_log_write(const struct acl_log_record *r, const struct policy_compiled *pc,
	      const char *const *port_names)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	int af = r->ipv6 ? AF_INET6 : AF_INET;
	/* "icmp" names both ICMP versions in the grammar, so 1 has no name of
	 * its own there; in a record the family says which one it is. */
	const char *proto = r->proto == 1 ? "icmp" : sgacl_proto_name(r->proto);
	char proto_num[8];
	const char *sgacl, *ace;

	inet_ntop(af, r->src, src, sizeof(src));
	inet_ntop(af, r->dst, dst, sizeof(dst));
	if (proto == NULL) {
		snprintf(proto_num, sizeof(proto_num), "%u", r->proto);
		proto = proto_num;
	}
	ace_identity(pc, r, &sgacl, &ace);
	/* Modelled on IOS %RBM-6-SGACLHIT so existing log parsers apply. */
	sg_log(LOG_INFO, "RBM-6-SGACLHIT: ingress_interface='%s' sgacl_name='%s' "
	       "action='%s%s' protocol='%s' src-ip='%s' src-port='%u' "
	       "dest-ip='%s' dest-port='%u' sgt='%u' dgt='%u' ace='%s'",
	       port_names[r->in_port], sgacl,
	       r->action == SGACL_PERMIT ? "Permit" : "Deny",
	       r->monitor && r->action == SGACL_DENY ? " (monitor)" : "",
	       proto, src, r->sport, dst, r->dport, r->sgt, r->dgt, ace);
}

static const struct policy_compiled *
policy_of(const struct acl_log_record *r, const struct policy_compiled *cur,
	  const struct policy_compiled *prev)
{
	if (r->policy_tag == acl_log_policy_tag(cur))
		return cur;
	if (prev != NULL && r->policy_tag == acl_log_policy_tag(prev))
		return prev;
	return NULL;
}

unsigned int
acl_log_drain(struct rte_ring *ring, const struct policy_compiled *cur,
	      const struct policy_compiled *prev, const char *const *port_names)
{
	struct acl_log_record recs[DRAIN_BATCH];
	unsigned int total = 0, n;

	do {
		n = rte_ring_sc_dequeue_burst_elem(ring, recs, sizeof(recs[0]),
						   DRAIN_BATCH, NULL);
		for (unsigned int i = 0; i < n; i++)
			acl_log_write(&recs[i], policy_of(&recs[i], cur, prev),
				      port_names);
		total += n;
	} while (n == DRAIN_BATCH);
	return total;
}
