#ifndef SR_CAPS_H
#define SR_CAPS_H

#include <stdint.h>

#include "../common/sr_error.h"

/* "NET_BIND_SERVICE" (or "CAP_NET_BIND_SERVICE") → 10; -1 when unknown. */
int sr_cap_from_name(const char *name);
/* The highest capability this kernel knows. */
int sr_cap_last(void);

/* Drops every capability not in keep from the bounding set. Needs CAP_SETPCAP. */
int sr_caps_drop_bounding(uint64_t keep, struct sr_error *err);
/* Sets the effective, permitted and inheritable sets to keep and the ambient set to keep, so
 * that kept capabilities survive execve for a non-root user and nothing else does. */
int sr_caps_set(uint64_t keep, struct sr_error *err);
/* Locks the root special case off: uid 0 gains no capability at execve and the kernel does not
 * touch the sets when the uid changes (the launcher sets them itself). */
int sr_caps_lock_securebits(struct sr_error *err);

#endif
