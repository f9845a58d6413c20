/* The private network's plumbing runs outside the sandbox, in a program of secure-run's (CNI
 * plugins for root, pasta for a rootless caller): the supervisor only says when. */
#ifndef SR_NETHOOK_H
#define SR_NETHOOK_H

#include <stdbool.h>
#include <sys/types.h>

#include "../common/sr_error.h"

/* The app's namespaces, opened by the supervisor right after the clone, while init still has
 * the caller's credentials: once it changes them it is no longer dumpable, and a rootless
 * caller could not open its /proc/PID/ns/ any more. */
struct sr_net_ns {
  int net;
  int user;
};

/* Opens pid's network and user namespaces into ns. */
int sr_net_ns_open(pid_t pid, struct sr_net_ns *ns, struct sr_error *err);
void sr_net_ns_close(struct sr_net_ns *ns);

/* Runs `exe net-hook ACTION config PID` ("add" or "del") with the namespaces on descriptors 3
 * (network) and 4 (user), stdin from /dev/null and its output on stderr, and waits for it: -1
 * with err unless it exits 0. add makes the caller a child subreaper: the forwarder the hook
 * starts (pasta) becomes the caller's child when the hook exits; del then reaps every child
 * that has ended, so the caller must have reaped the app's init before it (its status would
 * be lost otherwise). */
int sr_net_hook(const char *exe, const char *config, const char *action, pid_t pid,
                const struct sr_net_ns *ns, struct sr_error *err);

/* Loads the nftables ruleset `file` inside the app's network namespace: a child joins ns->user
 * (a rootless caller: it owns that namespace and gets its capabilities there), then ns->net,
 * keeps CAP_NET_ADMIN across execve as an ambient capability and runs `/usr/sbin/nft -f file`.
 * nsenter cannot do this for a caller whose id is not 0 inside: nft would lose the capability at
 * its execve. */
int sr_net_rules(const struct sr_net_ns *ns, const char *file, bool join_user, struct sr_error *err);

#endif
