#define _GNU_SOURCE
#include "relabel.h"

#include <errno.h>
#include <ftw.h>
#include <string.h>
#include <sys/xattr.h>

static const char *current_label;
static struct sr_error *current_err;

static int visit(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  if (lsetxattr(path, "security.selinux", current_label, strlen(current_label) + 1, 0) < 0) {
    sr_fail(current_err, errno, "relabel `%s` as %s", path, current_label);
    return 1;
  }
  return 0;
}

int sr_relabel(const char *path, const char *label, struct sr_error *err) {
  current_label = label;
  current_err = err;
  int rc = nftw(path, visit, 64, FTW_PHYS | FTW_MOUNT);
  if (rc < 0) return sr_fail(err, errno, "walk `%s` to relabel it", path);
  return rc == 0 ? 0 : -1;
}
