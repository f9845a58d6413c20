/* Removing a tree that a hostile app wrote: an instance's directory and its writable layer. The
 * walk goes from directory descriptors (openat, unlinkat): a symbolic link is unlinked, never
 * followed; a directory on another file system or another mount (a bind of the same file system
 * too) is left as it is, named; nothing deeper than SR_RMTREE_MAX_DEPTH is entered.
 *
 * A user whose app made files as one of the user's subordinate ids (root.writable with a range of
 * ids, and a chown inside) cannot remove them as itself: those are removed in a user namespace
 * that maps the user's own id to 0 and its ranges above it (newuidmap, newgidmap), where the user
 * is root over every id it has — as `podman unshare rm -rf` does. */
#ifndef SR_RMTREE_H
#define SR_RMTREE_H

#include <stdbool.h>
#include <stdio.h>

#include "../common/sr_error.h"

#define SR_RMTREE_MAX_DEPTH 256

/* Removes everything below the directory dfd (not dfd itself); `label` names dfd (its path) in
 * messages. Each entry it cannot remove is named on `report`, a line each (NULL: not named).
 * 0 when all is gone; else -1, with err saying how many entries were left and why the first
 * was (its errno), and *denied set when an entry was refused for want of permission (EACCES,
 * EPERM). */
int sr_rmtree_below(int dfd, const char *label, FILE *report, bool *denied, struct sr_error *err);

/* The same, in a child in a new user namespace mapped with the caller's ranges
 * (sr_caller_range_maps). *walked: whether the walk ran (its entries left are then named on
 * `report`); when it did not, err says why (no range, no newuidmap, the helper refused). */
int sr_rmtree_userns(int dfd, const char *label, FILE *report, bool *walked, struct sr_error *err);

/* What removal uses: sr_rmtree_below; when that is refused for want of permission and the caller
 * is not root, sr_rmtree_userns. In the end each entry left is named on `report`, and err says
 * what was left and, when the user namespace could not help, why. */
int sr_rmtree(int dfd, const char *label, FILE *report, struct sr_error *err);

/* secure-run-launch --remove-tree DIR: removes DIR and all below it as sr_rmtree does (DIR itself
 * must not be a mount point or a link). Exit status: 0 removed (or DIR did not exist), 1 something
 * was left (named on standard error), 125 bad usage or DIR's parent cannot be opened. */
int sr_rmtree_main(int argc, char **argv);

#endif
