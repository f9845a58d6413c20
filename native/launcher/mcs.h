/* SELinux MCS categories for one launch of a compiled bundle, from the registry that secure-run
 * run allocates from (src/launch/mcs.ts): a file per pair ("c12,c345", holding the owner's pid)
 * created exclusively, never a pair with a category that an app's instances reserved (a file
 * "cN"). So no two running apps share a pair, whichever way they were launched. */
#ifndef SR_MCS_H
#define SR_MCS_H

#include <limits.h>
#include <stddef.h>

#include "../common/sr_error.h"

struct sr_mcs {
  char pair[32];       /* "c12,c345" */
  char file[PATH_MAX]; /* the registry entry, removed by sr_mcs_release; "" when none */
};

/* Allocates a pair for `owner` in `registry` (created if missing, mode 0700). */
int sr_mcs_allocate(const char *registry, int owner, struct sr_mcs *out, struct sr_error *err);
void sr_mcs_release(struct sr_mcs *m);

#endif
