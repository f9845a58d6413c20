#ifndef SR_NETNS_H
#define SR_NETNS_H

#include <stddef.h>
#include <stdint.h>

#include "../common/sr_error.h"

/* Brings the loopback interface of a new network namespace up. */
int sr_loopback_up(struct sr_error *err);

/* Landlock: from now on this process and its children may bind TCP only to `ports`. Fails
 * (ENOTSUP) when the kernel's Landlock ABI has no network rules (< 4). */
int sr_landlock_restrict_tcp_bind(const uint16_t *ports, size_t nports, struct sr_error *err);

/* The kernel's Landlock ABI version, 0 when Landlock is not available. */
int sr_landlock_abi(void);

#endif
