#define _GNU_SOURCE
#include "layerfs.h"

#include <stdbool.h>

#include <errno.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
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

/* The probe's steps, run by root in place or by a child in a user namespace; writes no memory
 * but `*step` (the child shares this process's memory: CLONE_VM). */
static int overlay_steps(bool userns, const char **step) {
  int fds[8] = {-1, -1, -1, -1, -1, -1, -1, -1}, rc = -1;
  static const char *const dirs[] = {"l1", "l2", "u", "w"};
  *step = "fsopen tmpfs";
  if ((fds[0] = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC)) < 0) goto out;
  *step = "create a tmpfs";
  if (syscall(SYS_fsconfig, fds[0], FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) goto out;
  if ((fds[1] = (int)syscall(SYS_fsmount, fds[0], FSMOUNT_CLOEXEC, 0)) < 0) goto out;
  *step = "make the layers' directories";
  for (int i = 0; i < 4; i++)
    if (mkdirat(fds[1], dirs[i], 0755) < 0 ||
        (fds[2 + i] = openat(fds[1], dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
      goto out;
  *step = "fsopen overlay";
  if ((fds[6] = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC)) < 0) goto out;
  *step = "lowerdir+ by descriptor";
  if (syscall(SYS_fsconfig, fds[6], FSCONFIG_SET_FD, "lowerdir+", NULL, fds[2]) < 0 ||
      syscall(SYS_fsconfig, fds[6], FSCONFIG_SET_FD, "lowerdir+", NULL, fds[3]) < 0)
    goto out;
  *step = "upperdir and workdir by descriptor";
  if (syscall(SYS_fsconfig, fds[6], FSCONFIG_SET_FD, "upperdir", NULL, fds[4]) < 0 ||
      syscall(SYS_fsconfig, fds[6], FSCONFIG_SET_FD, "workdir", NULL, fds[5]) < 0)
    goto out;
  *step = "option userxattr";
  if (userns && syscall(SYS_fsconfig, fds[6], FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
    goto out;
  *step = "create the overlay";
  if (syscall(SYS_fsconfig, fds[6], FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) goto out;
  *step = "fsmount the overlay";
  if ((fds[7] = (int)syscall(SYS_fsmount, fds[6], FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY)) < 0)
    goto out;
  rc = 0;
out:;
  int e = errno;
  for (int i = 0; i < 8; i++)
    if (fds[i] >= 0) close(fds[i]);
  errno = e;
  return rc;
}

struct probe {
  char uid_map[64], gid_map[64];
  const char *step;
  int err;
};

static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  int e = errno;
  close(fd);
  errno = e;
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int probe_child(void *arg) {
  struct probe *p = arg;
  p->step = "map the caller in its user namespace";
  if (write_file("/proc/self/setgroups", "deny") < 0 ||
      write_file("/proc/self/uid_map", p->uid_map) < 0 ||
      write_file("/proc/self/gid_map", p->gid_map) < 0) {
    p->err = errno;
    return 1;
  }
  if (overlay_steps(true, &p->step) < 0) {
    p->err = errno;
    return 1;
  }
  p->err = 0;
  return 0;
}

int sr_layer_overlay_probe(char *err, size_t len) {
  const char *step = NULL;
  if (geteuid() == 0) {
    if (overlay_steps(false, &step) == 0) return 0;
    int e = errno;
    snprintf(err, len, "%s", step);
    errno = e;
    return -1;
  }
  struct probe p = {.step = "clone into a user namespace", .err = 0};
  snprintf(p.uid_map, sizeof p.uid_map, "0 %u 1", (unsigned)geteuid());
  snprintf(p.gid_map, sizeof p.gid_map, "0 %u 1", (unsigned)getegid());
  size_t size = 64 * 1024;
  char *stack = malloc(size);
  if (stack == NULL) {
    snprintf(err, len, "allocate the probe's stack");
    errno = ENOMEM;
    return -1;
  }
  /* CLONE_VM | CLONE_VFORK: no copy of this (large, threaded) process; the child only makes
   * system calls and writes `p`. */
  pid_t pid = clone(probe_child, stack + size, CLONE_NEWUSER | CLONE_NEWNS | CLONE_VM |
                                                   CLONE_VFORK | SIGCHLD, &p);
  int e = errno;
  if (pid < 0) {
    free(stack);
    snprintf(err, len, "clone into a user namespace");
    errno = e;
    return -1;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  free(stack);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && p.err == 0) return 0;
  snprintf(err, len, "%s", p.step);
  errno = p.err ? p.err : ECHILD;
  return -1;
}
