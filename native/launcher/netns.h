#ifndef SR_NETNS_H
#define SR_NETNS_H

#include <stddef.h>
#include <stdint.h>

#include "../common/sr_error.h"

/* Brings the loopback interface of a new network namespace up. */
int sr_loopback_up(struct sr_error *err);

/* Writes "net.x.y=value" to /proc/sys/net/x/y: the setting of the calling process's network
 * namespace. */
int sr_sysctl_set(const char *assignment, struct sr_error *err);

#endif
