#ifndef SR_ROOTFS_H
#define SR_ROOTFS_H

#include "../common/sr_error.h"
#include "config.h"

/* In a new mount namespace: builds the new root from cfg->mounts on a tmpfs, pivots into it,
 * detaches the old root and, when asked, makes the new root read-only. */
int sr_rootfs_setup(const struct sr_config *cfg, struct sr_error *err);

#endif
