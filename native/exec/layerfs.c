#define _GNU_SOURCE
#include "layerfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static int fail(char *err, size_t len, int e, const char *what, const char *a, const char *b) {
  snprintf(err, len, "%s `%s%s%s`", what, a, b ? "/" : "", b ? b : "");
  errno = e;
  return -1;
}

/* `dir`, a directory reached without following a link. */
static int open_dir(const char *dir, char *err, size_t len) {
  struct open_how how = {.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                         .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
  int fd = (int)syscall(SYS_openat2, AT_FDCWD, dir, &how, sizeof how);
  if (fd < 0)
    return fail(err, len, errno,
                errno == ELOOP ? "a symbolic link on the way to" : "open the directory", dir, NULL);
  return fd;
}

int sr_layer_whiteout(const char *dir, const char *name, char *err, size_t len) {
  if (name[0] == '\0' || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
    return fail(err, len, EINVAL, "not a name in the directory:", dir, name);
  int fd = open_dir(dir, err, len);
  if (fd < 0) return -1;
  /* A character device 0:0 is overlayfs's whiteout; the kernel lets anyone make this one
   * (without CAP_MKNOD: Linux 5.8). */
  int rc = mknodat(fd, name, S_IFCHR | 0000, makedev(0, 0));
  int e = errno;
  close(fd);
  return rc < 0 ? fail(err, len, e, "make the whiteout", dir, name) : 0;
}

int sr_layer_set_xattr(const char *dir, const char *attr, const char *value, char *err, size_t len) {
  int fd = open_dir(dir, err, len);
  if (fd < 0) return -1;
  int rc = fsetxattr(fd, attr, value, strlen(value), 0);
  int e = errno;
  close(fd);
  if (rc < 0) {
    char what[128];
    snprintf(what, sizeof what, "set the extended attribute %s of", attr);
    return fail(err, len, e, what, dir, NULL);
  }
  return 0;
}

long sr_layer_get_xattr(const char *dir, const char *attr, char *out, size_t size, char *err,
                        size_t len) {
  out[0] = '\0';
  int fd = open_dir(dir, err, len);
  if (fd < 0) return -1;
  ssize_t n = fgetxattr(fd, attr, out, size - 1);
  int e = errno;
  close(fd);
  if (n < 0 && e == ENODATA) return 0;
  if (n < 0) {
    char what[128];
    snprintf(what, sizeof what, "read the extended attribute %s of", attr);
    return fail(err, len, e, what, dir, NULL);
  }
  out[n] = '\0';
  return (long)n;
}
