#ifndef SR_LANDLOCK_H
#define SR_LANDLOCK_H

#include "../common/sr_error.h"
#include "config.h"

/* The kernel's Landlock ABI version, 0 when Landlock is not available. */
int sr_landlock_abi(void);

/* Restricts this process and its future children as cfg says: filesystem access to the listed
 * paths only (with the access each states), TCP bind and connect to the listed ports only.
 * Fails (ENOTSUP) when the kernel's ABI cannot enforce a part that is asked for: the caller
 * only asks for what the host supports. */
int sr_landlock_apply(const struct sr_config *cfg, struct sr_error *err);

#endif
