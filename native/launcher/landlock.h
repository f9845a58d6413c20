#ifndef SR_LANDLOCK_H
#define SR_LANDLOCK_H

#include "../common/sr_error.h"
#include "config.h"


/* Restricts this process and its future children as cfg says: filesystem access to the listed
 * paths only (with the access each states), TCP bind and connect to the listed ports only.
 * Fails (ENOTSUP) when the kernel's ABI cannot enforce a part that is asked for: the caller
 * only asks for what the host supports. */
int sr_landlock_apply(const struct sr_config *cfg, struct sr_error *err);

#endif
