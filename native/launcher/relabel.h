#ifndef SR_RELABEL_H
#define SR_RELABEL_H

#include "../common/sr_error.h"
#include "config.h"

/* Gives every file below path (path included, symbolic links themselves) the SELinux label, as
 * `podman run -v …:Z` does for a volume, after sr_relabel_allowed. The walk goes by file
 * descriptor (openat O_NOFOLLOW): a symbolic link inside is labelled, never followed, and other
 * mounts below path (bind mounts of the same file system too, told apart by mount id) are left
 * as they are. */
int sr_relabel(const char *path, const char *label, struct sr_error *err);

/* The launch's --relabel paths, each given the mount label, in order; stops at the first that
 * fails. */
int sr_relabel_volumes(const struct sr_config *cfg, struct sr_error *err);

/* Whether path may be relabelled at all: not the root, a system directory or anything below
 * /etc, /usr, /bin, /sbin, /lib*, /boot, /dev, /proc or /sys, nor /var, /home, /root, /run, /tmp
 * … themselves or a user's home directory (the password database's). Resolves path first
 * (symbolic links, ..). -1 with err naming it. */
int sr_relabel_allowed(const char *path, struct sr_error *err);

/* The same check on a canonical path, with the home directories given (NULL-terminated). */
int sr_relabel_allowed_canonical(const char *canonical, const char *const *homes,
                                 struct sr_error *err);

/* The walk alone, setting extended attribute `attr` (tests use user.* on tmpfs). */
int sr_relabel_tree(const char *path, const char *attr, const char *value, struct sr_error *err);

#endif
