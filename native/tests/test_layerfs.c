/* What an image layer needs for overlayfs (native/exec/layerfs.c): whiteouts and the opaque
 * attribute made relative to a directory reached without links, every error named. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../exec/layerfs.h"
#include "check.h"

int main(void) {
  char dir[] = "/tmp/sr-test-layerfs-XXXXXX", d[256], link[256], path[300], err[512], value[64];
  CHECK(mkdtemp(dir) != NULL);
  snprintf(d, sizeof d, "%s/d", dir);
  snprintf(link, sizeof link, "%s/link", dir);
  CHECK(mkdir(d, 0755) == 0);
  CHECK(symlink(d, link) == 0);

  /* A whiteout: a character device 0:0, made by any user since Linux 5.8. */
  CHECK(sr_layer_whiteout(d, "gone", err, sizeof err) == 0);
  struct stat st;
  snprintf(path, sizeof path, "%s/gone", d);
  CHECK(lstat(path, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
  CHECK(sr_layer_whiteout(d, "gone", err, sizeof err) == -1 && errno == EEXIST);
  CHECK(strstr(err, "make the whiteout") != NULL && strstr(err, "/d/gone`") != NULL);
  /* Only a name of the directory; never through a link. */
  CHECK(sr_layer_whiteout(d, "a/b", err, sizeof err) == -1 && errno == EINVAL);
  CHECK(strstr(err, "not a name in the directory") != NULL);
  CHECK(sr_layer_whiteout(d, "..", err, sizeof err) == -1 && errno == EINVAL);
  CHECK(sr_layer_whiteout(link, "x", err, sizeof err) == -1 && errno == ELOOP);
  CHECK(strstr(err, "a symbolic link on the way to") != NULL);
  snprintf(path, sizeof path, "%s/x", d);
  CHECK(lstat(path, &st) == -1 && errno == ENOENT);

  /* The opaque attribute (root's store: trusted.*, a user's: user.*). */
  const char *attr = geteuid() == 0 ? "trusted.overlay.opaque" : "user.overlay.opaque";
  CHECK(sr_layer_get_xattr(d, attr, value, sizeof value, err, sizeof err) == 0 && value[0] == 0);
  CHECK(sr_layer_set_xattr(d, attr, "y", err, sizeof err) == 0);
  CHECK(sr_layer_get_xattr(d, attr, value, sizeof value, err, sizeof err) == 1);
  CHECK_STR(value, "y");
  CHECK(sr_layer_set_xattr(link, attr, "y", err, sizeof err) == -1 && errno == ELOOP);
  CHECK(sr_layer_get_xattr(link, attr, value, sizeof value, err, sizeof err) == -1 &&
        errno == ELOOP);
  snprintf(path, sizeof path, "%s/missing", dir);
  CHECK(sr_layer_set_xattr(path, attr, "y", err, sizeof err) == -1 && errno == ENOENT);
  CHECK(strstr(err, "open the directory") != NULL && strstr(err, "/missing`") != NULL);

  snprintf(path, sizeof path, "%s/gone", d);
  CHECK(unlink(path) == 0 && unlink(link) == 0 && rmdir(d) == 0 && rmdir(dir) == 0);
  return checks_report("test_layerfs");
}
