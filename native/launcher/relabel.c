#define _GNU_SOURCE
#include "relabel.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

/* nftw's callback has no argument of ours: the walk's state. */
static const char *current_label;
static struct sr_error *current_err;
static uint64_t root_mount;
static bool by_mount_id;

/* The id of the mount `path` is on (Linux 5.8); -1 where the kernel does not say. */
static int mount_id(const char *path, uint64_t *id) {
  struct statx sx;
  if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sx) < 0) return -1;
  if (!(sx.stx_mask & STATX_MNT_ID)) {
    errno = ENOSYS;
    return -1;
  }
  *id = sx.stx_mnt_id;
  return 0;
}

static int visit(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)ftw;
  /* Another mount below the tree (a bind mount of the same file system too, which FTW_MOUNT's
   * device check misses) is not the app's to relabel: neither it nor what is below it. */
  uint64_t id;
  if (by_mount_id) {
    if (mount_id(path, &id) < 0) {
      sr_fail(current_err, errno, "statx `%s` to relabel it", path);
      return FTW_STOP;
    }
    if (id != root_mount) return flag == FTW_D ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
  }
  if (lsetxattr(path, "security.selinux", current_label, strlen(current_label) + 1, 0) < 0) {
    sr_fail(current_err, errno, "relabel `%s` as %s", path, current_label);
    return FTW_STOP;
  }
  return FTW_CONTINUE;
}

int sr_relabel(const char *path, const char *label, struct sr_error *err) {
  current_label = label;
  current_err = err;
  by_mount_id = mount_id(path, &root_mount) == 0;
  if (!by_mount_id && errno != ENOSYS && errno != EINVAL)
    return sr_fail(err, errno, "statx `%s` to relabel it", path);
  int rc = nftw(path, visit, 64, FTW_PHYS | FTW_MOUNT | FTW_ACTIONRETVAL);
  if (rc < 0) return sr_fail(err, errno, "walk `%s` to relabel it", path);
  return rc == 0 ? 0 : -1;
}
