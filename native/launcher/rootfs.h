#ifndef SR_ROOTFS_H
#define SR_ROOTFS_H

#include "../common/sr_error.h"
#include "config.h"

/* Before any namespace, for root: opens every bind source as a detached mount tree (open_tree),
 * so that sources the sandbox's user could not reach can be bound. For any other caller it does
 * nothing: sr_rootfs_setup opens them inside the new namespaces, with the caller's rights. */
/* Also opens the writable layer (cfg->writable_layer): the directory must be the caller's own and
 * writable by no one else; upper/ and work/ are made in it when missing (never followed when
 * links). sr_rootfs_close_sources closes what this opened.
 *
 * With a layer, the new root is an overlay (nosuid, nodev, noexec) of a lower (the directory of
 * a bind at "/" when it is the first mount, else an empty directory) and DIR/upper, made in init
 * with the new mount API, its directories passed by descriptor; the other mounts, masks and
 * read-only paths then go on top as without a layer, and --read-only-root does not apply. */
int sr_rootfs_open_sources(struct sr_config *cfg, struct sr_error *err);
void sr_rootfs_close_sources(struct sr_config *cfg);

/* In a new mount namespace: builds the new root from cfg->mounts on a tmpfs (or the writable
 * layer's overlay), pivots into it, detaches the old root and, when asked, makes the new root
 * read-only. */
int sr_rootfs_setup(const struct sr_config *cfg, struct sr_error *err);

#endif
