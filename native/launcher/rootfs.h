#ifndef SR_ROOTFS_H
#define SR_ROOTFS_H

#include "../common/sr_error.h"
#include "config.h"

/* Before any namespace, for root: opens every bind source as a detached mount tree (open_tree),
 * so that sources the sandbox's user could not reach can be bound. For any other caller it does
 * nothing: sr_rootfs_setup opens them inside the new namespaces, with the caller's rights. */
int sr_rootfs_open_sources(struct sr_config *cfg, struct sr_error *err);
void sr_rootfs_close_sources(struct sr_config *cfg);

/* In a new mount namespace: builds the new root from cfg->mounts on a tmpfs, pivots into it,
 * detaches the old root and, when asked, makes the new root read-only. */
int sr_rootfs_setup(const struct sr_config *cfg, struct sr_error *err);

#endif
