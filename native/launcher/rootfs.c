#define _GNU_SOURCE
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Where the build happens: a private tmpfs over /tmp becomes the root first, so the host stays
 * reachable under /oldroot while the app's root is assembled under /newroot. */
#define BASE "/tmp"
#define OLD "/oldroot"
#define NEW "/newroot"

/* buf = a + b + c, refusing what does not fit. */
static int join3(char buf[PATH_MAX], const char *a, const char *b, const char *c,
                 struct sr_error *err) {
  int n = snprintf(buf, PATH_MAX, "%s%s%s", a, b, c);
  if (n < 0 || n >= PATH_MAX) return sr_fail(err, ENAMETOOLONG, "path `%s%s%s`", a, b, c);
  return 0;
}

static int join(char buf[PATH_MAX], const char *a, const char *b, struct sr_error *err) {
  return join3(buf, a, b, "", err);
}

static int mkdir_p(const char *path, mode_t mode, struct sr_error *err) {
  char buf[PATH_MAX];
  if (join(buf, "", path, err) < 0) return -1;
  for (char *p = buf + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    char saved = *p;
    *p = '\0';
    if (mkdir(buf, mode) < 0 && errno != EEXIST) return sr_fail(err, errno, "mkdir `%s`", buf);
    *p = saved;
    if (saved == '\0') break;
  }
  return 0;
}

static int mkdir_parent(const char *path, struct sr_error *err) {
  char buf[PATH_MAX];
  if (join(buf, "", path, err) < 0) return -1;
  char *slash = strrchr(buf, '/');
  if (slash == NULL || slash == buf) return 0;
  *slash = '\0';
  return mkdir_p(buf, 0755, err);
}

static int touch(const char *path, struct sr_error *err) {
  if (mkdir_parent(path, err) < 0) return -1;
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0444);
  if (fd < 0 && errno != EEXIST) return sr_fail(err, errno, "create mount point `%s`", path);
  if (fd >= 0) close(fd);
  return 0;
}

/* Sets flags on a mount and everything below it. */
static int set_attr(const char *path, uint64_t attrs, struct sr_error *err) {
  struct mount_attr attr = {.attr_set = attrs};
  if (syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof attr) < 0)
    return sr_fail(err, errno, "mount_setattr `%s`", path);
  return 0;
}

int sr_rootfs_open_sources(struct sr_config *cfg, struct sr_error *err) {
  for (size_t i = 0; i < cfg->nmounts; i++) {
    struct sr_mount *m = &cfg->mounts[i];
    if (m->kind != SR_MOUNT_BIND) continue;
    int fd = (int)syscall(SYS_open_tree, AT_FDCWD, m->source,
                          OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (fd < 0) {
      if (errno == ENOENT && m->optional) {
        m->tree_fd = -2;
        continue;
      }
      return sr_fail(err, errno, "bind source `%s`", m->source);
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
      int e = errno;
      close(fd);
      return sr_fail(err, e, "stat bind source `%s`", m->source);
    }
    m->tree_fd = fd;
    m->is_dir = S_ISDIR(st.st_mode);
  }
  return 0;
}

void sr_rootfs_close_sources(struct sr_config *cfg) {
  for (size_t i = 0; i < cfg->nmounts; i++) {
    if (cfg->mounts[i].tree_fd >= 0) close(cfg->mounts[i].tree_fd);
    cfg->mounts[i].tree_fd = -1;
  }
}

static int do_bind(const struct sr_mount *m, struct sr_error *err) {
  char dst[PATH_MAX];
  if (m->tree_fd == -2) return 0; /* optional, and not there */
  if (m->tree_fd < 0) return sr_fail(err, EBADF, "bind source `%s` was not opened", m->source);
  if (join(dst, NEW, m->target, err) < 0) return -1;
  if (m->is_dir ? mkdir_p(dst, 0755, err) < 0 : touch(dst, err) < 0) return -1;
  if (syscall(SYS_move_mount, m->tree_fd, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
    return sr_fail(err, errno, "bind `%s` to `%s`", m->source, m->target);
  uint64_t attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (m->read_only ? MOUNT_ATTR_RDONLY : 0);
  return set_attr(dst, attrs, err);
}

/* The SELinux context of tmpfs mounts (set once by sr_rootfs_setup). */
static const char *mount_label;

static int do_tmpfs(const char *target, uint64_t size, unsigned int mode, unsigned long flags,
                    struct sr_error *err) {
  char opts[384];
  if (mount_label)
    snprintf(opts, sizeof opts, "size=%llu,mode=%04o,context=\"%s\"", (unsigned long long)size, mode,
             mount_label);
  else
    snprintf(opts, sizeof opts, "size=%llu,mode=%04o", (unsigned long long)size, mode);
  if (mkdir_p(target, 0755, err) < 0) return -1;
  if (mount("tmpfs", target, "tmpfs", flags, opts) < 0)
    return sr_fail(err, errno, "mount tmpfs on `%s`", target);
  return 0;
}

/* A minimal /dev: the harmless character devices bound from the host, a private devpts,
 * /dev/shm, the usual symbolic links, then read-only. */
static int do_dev(const char *target, struct sr_error *err) {
  static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
  static const char *const links[][2] = {{"/proc/self/fd", "fd"},   {"/proc/self/fd/0", "stdin"},
                                         {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
                                         {"pts/ptmx", "ptmx"}};
  char dir[PATH_MAX], path[PATH_MAX], src[PATH_MAX];
  if (join(dir, NEW, target, err) < 0) return -1;
  if (do_tmpfs(dir, 1 << 20, 0755, MS_NOSUID | MS_NOEXEC, err) < 0) return -1;
  for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
    snprintf(src, sizeof src, OLD "/dev/%s", nodes[i]);
    if (join3(path, dir, "/", nodes[i], err) < 0) return -1;
    if (touch(path, err) < 0) return -1;
    if (mount(src, path, NULL, MS_BIND, NULL) < 0)
      return sr_fail(err, errno, "bind /dev/%s", nodes[i]);
  }
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
    if (join3(path, dir, "/", links[i][1], err) < 0) return -1;
    if (symlink(links[i][0], path) < 0) return sr_fail(err, errno, "symlink `%s`", path);
  }
  if (join(path, dir, "/pts", err) < 0) return -1;
  if (mkdir(path, 0755) < 0) return sr_fail(err, errno, "mkdir `%s`", path);
  if (mount("devpts", path, "devpts", MS_NOSUID | MS_NOEXEC,
            "newinstance,ptmxmode=0666,mode=0620") < 0)
    return sr_fail(err, errno, "mount devpts on `%s`", path);
  if (join(path, dir, "/shm", err) < 0) return -1;
  if (do_tmpfs(path, 64 << 20, 01777, MS_NOSUID | MS_NODEV | MS_NOEXEC, err) < 0) return -1;
  if (mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC, NULL) < 0)
    return sr_fail(err, errno, "remount `%s` read-only", dir);
  return 0;
}

static int do_mount(const struct sr_mount *m, struct sr_error *err) {
  char dst[PATH_MAX];
  if (join(dst, NEW, m->target, err) < 0) return -1;
  switch (m->kind) {
  case SR_MOUNT_BIND:
    return do_bind(m, err);
  case SR_MOUNT_TMPFS:
    return do_tmpfs(dst, m->size, m->mode, MS_NOSUID | MS_NODEV, err);
  case SR_MOUNT_PROC:
    if (mkdir_p(dst, 0555, err) < 0) return -1;
    if (mount("proc", dst, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
      return sr_fail(err, errno, "mount proc on `%s`", m->target);
    return 0;
  case SR_MOUNT_DEV:
    return do_dev(m->target, err);
  case SR_MOUNT_SYMLINK:
    if (mkdir_parent(dst, err) < 0) return -1;
    if (symlink(m->source, dst) < 0) return sr_fail(err, errno, "symlink `%s`", m->target);
    return 0;
  }
  return sr_fail(err, EINVAL, "unknown mount kind");
}

/* Hides a path of the new root: /dev/null over a file, an empty read-only tmpfs over a
 * directory. A path that does not exist needs no hiding. */
static int mask(const char *path, struct sr_error *err) {
  char dst[PATH_MAX];
  struct stat st;
  if (join(dst, NEW, path, err) < 0) return -1;
  if (lstat(dst, &st) < 0) return errno == ENOENT ? 0 : sr_fail(err, errno, "stat `%s`", path);
  int rc = S_ISDIR(st.st_mode)
               ? mount("tmpfs", dst, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=0555")
               : mount(OLD "/dev/null", dst, NULL, MS_BIND, NULL);
  if (rc < 0) return sr_fail(err, errno, "mask `%s`", path);
  return 0;
}

static int make_read_only(const char *path, struct sr_error *err) {
  char dst[PATH_MAX];
  if (join(dst, NEW, path, err) < 0) return -1;
  if (access(dst, F_OK) < 0) return errno == ENOENT ? 0 : sr_fail(err, errno, "`%s`", path);
  if (mount(dst, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
    return sr_fail(err, errno, "bind `%s` onto itself", path);
  return set_attr(dst, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err);
}

int sr_rootfs_setup(const struct sr_config *cfg, struct sr_error *err) {
  mount_label = cfg->selinux_mount_label;
  /* Nothing done here may propagate back to the host's mount namespace. */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return sr_fail(err, errno, "make / private");
  if (mount("tmpfs", BASE, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755") < 0)
    return sr_fail(err, errno, "mount tmpfs on " BASE);
  if (mkdir(BASE OLD, 0755) < 0 || mkdir(BASE NEW, 0755) < 0)
    return sr_fail(err, errno, "mkdir in " BASE);
  if (syscall(SYS_pivot_root, BASE, BASE OLD) < 0)
    return sr_fail(err, errno, "pivot_root to the build tmpfs");
  if (chdir("/") < 0) return sr_fail(err, errno, "chdir /");
  if (mount("tmpfs", NEW, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") < 0)
    return sr_fail(err, errno, "mount the new root's tmpfs");

  for (size_t i = 0; i < cfg->nmounts; i++)
    if (do_mount(&cfg->mounts[i], err) < 0) return -1;
  /* The detached trees are attached now: their descriptors go. */
  for (size_t i = 0; i < cfg->nmounts; i++)
    if (cfg->mounts[i].tree_fd >= 0) close(cfg->mounts[i].tree_fd);
  for (size_t i = 0; i < cfg->nmasked; i++)
    if (mask(cfg->masked[i], err) < 0) return -1;
  for (size_t i = 0; i < cfg->nread_only; i++)
    if (make_read_only(cfg->read_only[i], err) < 0) return -1;

  /* Into the new root; the old one (build tmpfs with the host below it) is detached whole. */
  if (chdir(NEW) < 0) return sr_fail(err, errno, "chdir " NEW);
  if (syscall(SYS_pivot_root, ".", ".") < 0) return sr_fail(err, errno, "pivot_root to the new root");
  if (umount2(".", MNT_DETACH) < 0) return sr_fail(err, errno, "detach the old root");
  if (chdir("/") < 0) return sr_fail(err, errno, "chdir / in the new root");
  if (cfg->read_only_root &&
      mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
    return sr_fail(err, errno, "remount the new root read-only");
  return 0;
}
