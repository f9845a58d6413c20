#define _GNU_SOURCE
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Where the build happens: a private tmpfs over /tmp becomes the root first, so the host stays
 * reachable under /oldroot while the app's root is assembled under /newroot. Every path of the
 * new root is resolved from a descriptor of /newroot with RESOLVE_IN_ROOT: a symbolic link of the
 * image (var/lib -> /oldroot/etc, tmp -> ..) stays inside the new root, never reaches the host. */
#define BASE "/tmp"
#define OLD "/oldroot"
#define NEW "/newroot"

static int sys_openat2(int dirfd, const char *path, int flags, uint64_t resolve) {
  struct open_how how = {.flags = (uint64_t)flags, .resolve = resolve};
  return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

static int sys_move_mount(int from, int to) {
  return (int)syscall(SYS_move_mount, from, "", to, "",
                      MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

/* Sets flags (and, when given, the propagation) on the mount of fd and, with `recursive`,
 * everything below it. */
static int set_attr(int fd, uint64_t attrs, uint64_t propagation, bool recursive) {
  struct mount_attr attr = {.attr_set = attrs, .propagation = propagation};
  return (int)syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0),
                      &attr, sizeof attr);
}

static const char *type_name(mode_t mode) {
  return S_ISDIR(mode) ? "directory" : S_ISREG(mode) ? "file" : S_ISLNK(mode) ? "symbolic link"
                                                                              : "special file";
}

/* Opens the bind sources not opened yet (tree_fd -1). */
static int open_sources(struct sr_mount *mounts, size_t n, struct sr_error *err) {
  for (size_t i = 0; i < n; i++) {
    struct sr_mount *m = &mounts[i];
    if (m->kind != SR_MOUNT_BIND || m->tree_fd != -1 || m->from_image) continue;
    /* No symbolic link anywhere in the path, magic ones (/proc/PID/root) included: a link that a
     * host process swaps in between the plan and now would bind whatever it points to. */
    sr_autoclose int src = sys_openat2(AT_FDCWD, m->source, O_PATH | O_CLOEXEC,
                                       RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
    if (src < 0) {
      if (errno == ENOENT && m->optional) {
        m->tree_fd = -2;
        continue;
      }
      if (errno == ELOOP)
        return sr_fail(err, errno,
                       "bind source `%s` has a symbolic link in its path (sources are opened "
                       "without following links; give the real path)",
                       m->source);
      return sr_fail(err, errno, "bind source `%s`", m->source);
    }
    struct stat st;
    if (fstat(src, &st) < 0) return sr_fail(err, errno, "stat bind source `%s`", m->source);
    bool is_dir = S_ISDIR(st.st_mode);
    if ((m->expect == SR_SOURCE_DIR && !is_dir) || (m->expect == SR_SOURCE_FILE && is_dir))
      return sr_fail(err, 0, "bind source `%s` is a %s, the plan expects a %s", m->source,
                     type_name(st.st_mode), m->expect == SR_SOURCE_DIR ? "directory" : "file");
    int fd = (int)syscall(SYS_open_tree, src, "",
                          OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
    if (fd < 0) return sr_fail(err, errno, "clone bind source `%s`", m->source);
    /* The clone is a peer of the host's mount: made private before it is attached anywhere, so
     * that nothing mounted below it in the sandbox shows up on the host, nor the other way. */
    if (set_attr(fd, 0, MS_PRIVATE, true) < 0) {
      int e = errno;
      close(fd);
      return sr_fail(err, e, "make bind source `%s` private", m->source);
    }
    m->tree_fd = fd;
    m->is_dir = is_dir;
  }
  return 0;
}

static const char *mount_label;
static int new_fs(const char *type, const char *const *opts, uint64_t attrs, struct sr_error *err);

/* The writable layer (--writable-layer DIR). The supervisor opens and checks DIR, DIR/upper and
 * DIR/work before any namespace. Where the overlay is made depends on the caller, because
 * overlayfs takes its layers only from mounts of the mounter's own mount namespace:
 *  - root: the supervisor makes it (layer_mnt, a detached mount init attaches as the new root),
 *    with the host's root as its mounter (trusted.* metadata; copy-up may give files any owner);
 *  - an unprivileged caller: init makes it in its user namespace (overlayfs there: Linux 5.11,
 *    userxattr), from the same directories looked up again in its own mount namespace. */
static int layer_dir = -1, layer_upper = -1, layer_work = -1, layer_mnt = -1;

static void close_layer(void) {
  sr_close(layer_dir);
  sr_close(layer_upper);
  sr_close(layer_work);
  sr_close(layer_mnt);
}

/* The id init runs as in its user namespace (become_mapped_root in init.c), as seen outside. */
static uint32_t outside_root(const struct sr_id_map *map, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (map[i].inside == 0) return map[i].outside;
  return map[0].outside;
}

/* upper/ or work/ of the layer: made when missing, never followed when a link. */
static int open_layer_part(const struct sr_config *cfg, int dir, const char *name, mode_t mode,
                           struct sr_error *err) {
  if (mkdirat(dir, name, mode) < 0 && errno != EEXIST)
    return sr_fail(err, errno, "--writable-layer: mkdir `%s/%s`", cfg->writable_layer, name);
  int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return sr_fail(err, errno,
                   errno == ELOOP || errno == ENOTDIR
                       ? "--writable-layer: `%s/%s` is not a directory (a symbolic link, or a file "
                         "put in its place: remove it)"
                       : "--writable-layer: open `%s/%s`",
                   cfg->writable_layer, name);
  return fd;
}

static bool same_file(int a, int b) {
  struct stat sa, sb;
  return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Whether m is a bind of a whole directory at "/": with a writable layer, the layer's lower. */
static bool is_root_bind(const struct sr_mount *m) {
  return m->kind == SR_MOUNT_BIND && m->target[strspn(m->target, "/")] == '\0';
}

/* What the overlay being made is, in its errors. */
static const char *overlay_label = "writable layer";

/* Sets an overlay layer option to a directory: by descriptor (lowerdir+, upperdir and workdir
 * as FSCONFIG_SET_FD), else, on a kernel that does not take them so, by the directory's
 * /proc/self/fd path (`proc` is where the caller's /proc is), which the kernel resolves to the
 * very directory open: never a path that a tree could redirect. */
static int layer_option(int fs, const char *key, const char *old_key, int fd, const char *proc) {
  if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_FD, key, NULL, fd) == 0) return 0;
  if (errno != EINVAL && errno != EOPNOTSUPP) return -1;
  char path[64];
  snprintf(path, sizeof path, "%s/self/fd/%d", proc, fd);
  return (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, old_key, path, 0);
}

/* The kernel's own words on a failed overlay (the filesystem context's log), after ours. */
static int overlay_fail(int fs, int code, const char *what, struct sr_error *err) {
  char log[256] = "", line[256];
  ssize_t n;
  while (fs >= 0 && (n = read(fs, line, sizeof line - 1)) > 0) {
    line[n] = '\0';
    line[strcspn(line, "\n")] = '\0';
    snprintf(log, sizeof log, "%s", line[0] && line[1] == ' ' ? line + 2 : line);
  }
  const char *hint =
      code == ENODEV  ? "the kernel has no overlayfs (CONFIG_OVERLAY_FS; modprobe overlay)"
      : code == EPERM ? "overlayfs in a user namespace needs Linux 5.11 or later"
      : code == EINVAL || code == EOPNOTSUPP
          ? "the filesystem holding the layer must take overlay upper directories (tmpfs, ext4, "
            "xfs, btrfs: d_type and extended attributes; not NFS, FUSE or overlayfs itself), and "
            "the kernel must take the layers given (a detached lower for root: a recent kernel)"
          : NULL;
  /* An image's root has a fallback the plan can take instead. */
  const char *image = strncmp(overlay_label, "the image", 9) == 0
                          ? "; plan the app with SECURE_RUN_IMAGE_ROOT=bind for a read-only bind of "
                            "the image's root instead"
                          : "";
  return sr_fail(err, code, "%s: %s%s%s%s%s%s%s", overlay_label, what, log[0] ? " (kernel: " : "",
                 log, log[0] ? ")" : "", hint ? ": " : "", hint ? hint : "", image);
}

/* An overlay of `lowers` (top first) and, when given (upper >= 0), an upper and a work directory,
 * mounted with `attrs`. With a writable layer it is mounted nosuid, nodev and noexec (what the
 * app writes is never run: programs run from the read-only binds above it). */
static int new_overlay_of(const int *lowers, size_t n, int upper, int work, bool userns,
                          const char *proc, uint64_t attrs, struct sr_error *err) {
  sr_autoclose int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
  if (fs < 0) return overlay_fail(-1, errno, "fsopen overlay", err);
  for (size_t i = 0; i < n; i++) {
    if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_FD, "lowerdir+", NULL, lowers[i]) == 0) continue;
    if (i > 0 || (errno != EINVAL && errno != EOPNOTSUPP))
      return overlay_fail(fs, errno, "a lower directory", err);
    /* A kernel without lowerdir+ (before 6.8): all of them at once, by /proc/self/fd path. */
    char list[SR_MAX_IMAGE_LAYERS * 40] = "";
    size_t used = 0;
    for (size_t k = 0; k < n && used < sizeof list; k++)
      used += (size_t)snprintf(list + used, sizeof list - used, "%s%s/self/fd/%d", k ? ":" : "",
                               proc, lowers[k]);
    if (used >= sizeof list) return overlay_fail(fs, ENAMETOOLONG, "the lower directories", err);
    if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir", list, 0) < 0)
      return overlay_fail(fs, errno, "the lower directories", err);
    break;
  }
  if (upper >= 0) {
    if (layer_option(fs, "upperdir", "upperdir", upper, proc) < 0)
      return overlay_fail(fs, errno, "the upper directory", err);
    if (layer_option(fs, "workdir", "workdir", work, proc) < 0)
      return overlay_fail(fs, errno, "the work directory", err);
  }
  /* In a user namespace overlayfs keeps its metadata in user.overlay.* (trusted.* is the
   * host root's). */
  if (userns && syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0)
    return overlay_fail(fs, errno, "option userxattr", err);
  if (mount_label && syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "context", mount_label, 0) < 0)
    return overlay_fail(fs, errno, "option context", err);
  if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return overlay_fail(fs, errno, "create the overlay", err);
  int mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, attrs);
  if (mnt < 0) return overlay_fail(fs, errno, "fsmount the overlay", err);
  return mnt;
}

/* The writable layer's overlay of one lower. */
static int new_overlay(int lower, bool userns, const char *proc, struct sr_error *err) {
  return new_overlay_of(&lower, 1, layer_upper, layer_work, userns, proc,
                        MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, err);
}

/* Root's overlay, made by the supervisor. The lower: the rootfs directory (the bind at "/"),
 * opened without following links, or an empty read-only tmpfs. The upper's root is the app's
 * "/": given to the user namespace's root, as the new root's tmpfs is without a layer. */
static int root_overlay(const struct sr_config *cfg, struct sr_error *err) {
  sr_autoclose int lower = -1;
  if (cfg->nmounts && is_root_bind(&cfg->mounts[0])) {
    struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                           .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
    lower = (int)syscall(SYS_openat2, AT_FDCWD, cfg->mounts[0].source, &how, sizeof how);
    if (lower < 0) return sr_fail(err, errno, "the root `%s` (the layer's lower)", cfg->mounts[0].source);
  } else {
    const char *const opts[] = {"size", "4096", "mode", "0755", NULL};
    lower = new_fs("tmpfs", opts, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err);
    if (lower < 0) return -1;
  }
  bool userns = (cfg->clone_flags & CLONE_NEWUSER) != 0;
  if (userns && fchown(layer_upper, outside_root(cfg->uid_map, cfg->nuid_map),
                       outside_root(cfg->gid_map, cfg->ngid_map)) < 0)
    return sr_fail(err, errno, "--writable-layer: give `%s/upper` to the user namespace's root",
                   cfg->writable_layer);
  mount_label = cfg->selinux_mount_label;
  layer_mnt = new_overlay(lower, false, "/proc", err);
  return layer_mnt < 0 ? -1 : 0;
}

/* DIR is checked as every directory a caller names: a directory itself (not a link to one),
 * the caller's own, writable by nobody else (another user could swap upper/ for a directory
 * of its choosing, or read what the app wrote). */
static int open_layer(const struct sr_config *cfg, struct sr_error *err) {
  const char *dir = cfg->writable_layer;
  layer_dir = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (layer_dir < 0)
    return sr_fail(err, errno,
                   errno == ELOOP || errno == ENOTDIR
                       ? "--writable-layer `%s` is not a directory (symbolic links are not "
                         "followed: give the real path)"
                       : "--writable-layer `%s`",
                   dir);
  struct stat st;
  if (fstat(layer_dir, &st) < 0) return sr_fail(err, errno, "--writable-layer: stat `%s`", dir);
  if (st.st_uid != geteuid())
    return sr_fail(err, EPERM,
                   "--writable-layer `%s` belongs to uid %u, not to the caller (uid %u): a layer "
                   "must be the caller's own directory",
                   dir, (unsigned)st.st_uid, (unsigned)geteuid());
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return sr_fail(err, EPERM,
                   "--writable-layer `%s` is writable by its group or others (mode %04o): make it "
                   "the caller's alone (chmod 700)",
                   dir, (unsigned)(st.st_mode & 07777));
  layer_upper = open_layer_part(cfg, layer_dir, "upper", 0755, err);
  if (layer_upper < 0) return -1;
  layer_work = open_layer_part(cfg, layer_dir, "work", 0700, err);
  if (layer_work < 0) return -1;
  /* An image's root: its overlay takes the layer (root_image). */
  return geteuid() == 0 && !cfg->nimage_layers ? root_overlay(cfg, err) : 0;
}

/* An unprivileged caller's layer, in init before the build tmpfs hides the caller's view: DIR,
 * upper and work looked up again in init's own mount namespace (with the caller's rights: its
 * id is mapped in the user namespace); they must be the very directories the supervisor checked
 * (same device and inode), and replace its descriptors. */
static int reopen_layer(const struct sr_config *cfg, struct sr_error *err) {
  sr_autoclose int dir = open(cfg->writable_layer, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dir < 0 || !same_file(dir, layer_dir))
    return sr_fail(err, dir < 0 ? errno : EXDEV,
                   "--writable-layer `%s` is not the directory checked before the launch (moved "
                   "or replaced meanwhile)",
                   cfg->writable_layer);
  static const char *const names[] = {"upper", "work"};
  int *fds[] = {&layer_upper, &layer_work};
  for (size_t i = 0; i < 2; i++) {
    int fd = openat(dir, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || !same_file(fd, *fds[i])) {
      int e = fd < 0 ? errno : EXDEV;
      if (fd >= 0) close(fd);
      return sr_fail(err, e, "--writable-layer: `%s/%s` is not the directory checked before the "
                     "launch", cfg->writable_layer, names[i]);
    }
    close(*fds[i]);
    *fds[i] = fd;
  }
  return 0;
}

/* The image's layers (--image-layer, top first): the new root is an overlay of them. The
 * supervisor opens each before any namespace, without following a link anywhere in its path
 * (nor a magic link), and checks it as the writable layer's directory: a directory, the
 * caller's own, writable by no one else (a layer that another user could write to, or swap for
 * a directory of its choosing, would be the app's root). Then, as for the writable layer:
 *  - root: the supervisor makes the overlay (trusted.* metadata, the store's format for root);
 *  - an unprivileged caller: init makes it in its user namespace (userxattr), from the same
 *    directories looked up again in its own mount namespace and checked to be the same.
 * Read-only, the overlay's upper is a small tmpfs that only ever holds the mount points made
 * while the root is built (an image need not have /proc, nor the app's mount targets); the
 * root is made read-only before the app runs. With a writable layer, the layer's upper. A
 * second overlay of the layers alone (image_ro_mnt, no upper: read-only by construction) is
 * where --from-image binds come from: the program directories of a writable image root. */
static int image_fds[SR_MAX_IMAGE_LAYERS];
static size_t nimage_fds;
static int image_mnt = -1, image_ro_mnt = -1, image_ro_dir = -1, image_root_fd = -1;

static void close_image(void) {
  for (size_t i = 0; i < nimage_fds; i++) sr_close(image_fds[i]);
  nimage_fds = 0;
  sr_close(image_root_fd);
  sr_close(image_mnt);
  sr_close(image_ro_mnt);
  sr_close(image_ro_dir);
}

static bool wants_image_binds(const struct sr_config *cfg) {
  for (size_t i = 0; i < cfg->nmounts; i++)
    if (cfg->mounts[i].from_image) return true;
  return false;
}

static int open_image_layer(const char *path, struct sr_error *err) {
  struct open_how how = {.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                         .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
  int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
  if (fd < 0)
    return sr_fail(err, errno,
                   errno == ELOOP || errno == ENOTDIR
                       ? "image layer `%s` is not a directory reached without symbolic links (a "
                         "layer of the store replaced by a link, or a link on its path): load the "
                         "image again"
                       : "image layer `%s`",
                   path);
  return fd;
}

/* Holds `fd`, a layer or a flattened root of the image store, for the launch: a shared flock,
 * kept by the supervisor until the run ends (sr_rootfs_close_sources; init's copies close at
 * exec). `rmi` and `image prune` take it exclusively before they remove the directory, and
 * refuse the image while a launch holds it (src/images/store.ts): an app's root never loses its
 * files. Checked after the lock: a directory removed as it was opened (no links left) is not
 * launched from. `st`: the directory's stat, for the caller's own checks. */
static int hold_image_dir(int fd, const char *what, const char *path, struct stat *st,
                          struct sr_error *err) {
  int r;
  do r = flock(fd, LOCK_SH | LOCK_NB);
  while (r < 0 && errno == EINTR);
  if (r < 0 && errno == EWOULDBLOCK)
    return sr_fail(err, 0,
                   "%s `%s` is being removed (secure-run rmi or image prune): load the image "
                   "again once that is done",
                   what, path);
  if (r < 0) return sr_fail(err, errno, "%s `%s`: flock", what, path);
  if (fstat(fd, st) < 0) return sr_fail(err, errno, "stat %s `%s`", what, path);
  if (st->st_nlink == 0)
    return sr_fail(err, 0,
                   "%s `%s` was removed (secure-run rmi or image prune) as the launch opened it: "
                   "load the image again",
                   what, path);
  return 0;
}

/* --image-root: held, as the layers are (its binds are opened from it by path, later). */
static int hold_image_root(const struct sr_config *cfg, struct sr_error *err) {
  struct open_how how = {.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                         .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
  image_root_fd = (int)syscall(SYS_openat2, AT_FDCWD, cfg->image_root, &how, sizeof how);
  if (image_root_fd < 0)
    return sr_fail(err, errno,
                   errno == ENOENT ? "the image root `%s` (removed: load the image again)"
                                   : "the image root `%s`",
                   cfg->image_root);
  struct stat st;
  return hold_image_dir(image_root_fd, "the image root", cfg->image_root, &st, err);
}

static int open_image(const struct sr_config *cfg, struct sr_error *err) {
  for (size_t i = 0; i < cfg->nimage_layers; i++) {
    const char *path = cfg->image_layers[i];
    int fd = open_image_layer(path, err);
    if (fd < 0) return -1;
    image_fds[nimage_fds++] = fd;
    struct stat st;
    if (hold_image_dir(fd, "image layer", path, &st, err) < 0) return -1;
    if (st.st_uid != geteuid())
      return sr_fail(err, EPERM,
                     "image layer `%s` belongs to uid %u, not to the caller (uid %u): the image "
                     "store must be the caller's own (remove the layer and load the image again)",
                     path, (unsigned)st.st_uid, (unsigned)geteuid());
    if (st.st_mode & (S_IWGRP | S_IWOTH))
      return sr_fail(err, EPERM,
                     "image layer `%s` is writable by its group or others (mode %04o): a layer "
                     "must be the caller's alone (chmod go-w, or remove it and load the image "
                     "again)",
                     path, (unsigned)(st.st_mode & 07777));
  }
  return 0;
}

/* init, for an unprivileged caller: the layers looked up again in its mount namespace. */
static int reopen_image(const struct sr_config *cfg, struct sr_error *err) {
  for (size_t i = 0; i < nimage_fds; i++) {
    int fd = open_image_layer(cfg->image_layers[i], err);
    if (fd < 0) return -1;
    if (!same_file(fd, image_fds[i])) {
      close(fd);
      return sr_fail(err, EXDEV,
                     "image layer `%s` is not the directory checked before the launch (moved or "
                     "replaced meanwhile)",
                     cfg->image_layers[i]);
    }
    close(image_fds[i]);
    image_fds[i] = fd;
  }
  return 0;
}

/* The image's overlay: over the writable layer's upper, or a tmpfs's for the mount points. */
static int image_overlay(const struct sr_config *cfg, bool userns, const char *proc,
                         struct sr_error *err) {
  overlay_label = "the image's root (an overlay of its layers)";
  bool outside = (cfg->clone_flags & CLONE_NEWUSER) && !userns;
  if (cfg->writable_layer) {
    if (outside && fchown(layer_upper, outside_root(cfg->uid_map, cfg->nuid_map),
                          outside_root(cfg->gid_map, cfg->ngid_map)) < 0)
      return sr_fail(err, errno, "--writable-layer: give `%s/upper` to the user namespace's root",
                     cfg->writable_layer);
    return new_overlay_of(image_fds, nimage_fds, layer_upper, layer_work, userns, proc,
                          MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, err);
  }
  const char *const opts[] = {"size", "1048576", "mode", "0755",
                              mount_label ? "context" : NULL, mount_label, NULL};
  sr_autoclose int tmp = new_fs("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err);
  if (tmp < 0) return -1;
  if (mkdirat(tmp, "upper", 0755) < 0 || mkdirat(tmp, "work", 0700) < 0)
    return sr_fail(err, errno, "mkdir the image root's upper and work directories");
  sr_autoclose int upper = openat(tmp, "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  sr_autoclose int work = openat(tmp, "work", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (upper < 0 || work < 0)
    return sr_fail(err, errno, "open the image root's upper and work directories");
  /* The root's "/" is the upper's: the user namespace's root's, as the tmpfs root is. */
  if (outside && fchown(upper, outside_root(cfg->uid_map, cfg->nuid_map),
                        outside_root(cfg->gid_map, cfg->ngid_map)) < 0)
    return sr_fail(err, errno, "give the image root's upper to the user namespace's root");
  return new_overlay_of(image_fds, nimage_fds, upper, work, userns, proc,
                        MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err);
}

/* The layers alone: read-only (no upper), for --from-image binds. */
static int image_ro_overlay(bool userns, const char *proc, struct sr_error *err) {
  overlay_label = "the image's read-only overlay";
  return new_overlay_of(image_fds, nimage_fds, -1, -1, userns, proc,
                        MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err);
}

/* Root's: both made by the supervisor, before any namespace. */
static int root_image(const struct sr_config *cfg, struct sr_error *err) {
  mount_label = cfg->selinux_mount_label;
  image_mnt = image_overlay(cfg, false, "/proc", err);
  if (image_mnt < 0) return -1;
  if (wants_image_binds(cfg) && (image_ro_mnt = image_ro_overlay(false, "/proc", err)) < 0)
    return -1;
  return 0;
}

/* In init, in the build tmpfs: the image's overlay becomes NEW, and the read-only one is
 * attached at /image for --from-image binds. */
static int make_image_root(const struct sr_config *cfg, struct sr_error *err) {
  bool userns = (cfg->clone_flags & CLONE_NEWUSER) != 0;
  sr_autoclose int mnt = -1;
  if (image_mnt >= 0) {
    mnt = image_mnt;
    image_mnt = -1;
  } else if ((mnt = image_overlay(cfg, userns, OLD "/proc", err)) < 0) {
    return -1;
  }
  sr_autoclose int at = open(NEW, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (at < 0) return sr_fail(err, errno, "open " NEW);
  if (sys_move_mount(mnt, at) < 0) return sr_fail(err, errno, "mount the image's overlay on " NEW);
  if (!wants_image_binds(cfg)) return 0;
  sr_autoclose int ro = -1;
  if (image_ro_mnt >= 0) {
    ro = image_ro_mnt;
    image_ro_mnt = -1;
  } else if ((ro = image_ro_overlay(userns, OLD "/proc", err)) < 0) {
    return -1;
  }
  if (mkdir("/image", 0755) < 0) return sr_fail(err, errno, "mkdir the image's overlay");
  sr_autoclose int dir = open("/image", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return sr_fail(err, errno, "open the image's overlay");
  if (sys_move_mount(ro, dir) < 0) return sr_fail(err, errno, "mount the image's overlay");
  image_ro_dir = open("/image", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (image_ro_dir < 0) return sr_fail(err, errno, "open the image's overlay");
  return 0;
}

int sr_rootfs_open_sources(struct sr_config *cfg, struct sr_error *err) {
  if (cfg->writable_layer && open_layer(cfg, err) < 0) {
    close_layer();
    return -1;
  }
  if ((cfg->image_root && hold_image_root(cfg, err) < 0) ||
      (cfg->nimage_layers &&
       (open_image(cfg, err) < 0 || (geteuid() == 0 && root_image(cfg, err) < 0)))) {
    close_image();
    close_layer();
    return -1;
  }
  /* Cloning a mount needs CAP_SYS_ADMIN over the mount namespace it belongs to: only root has
   * it over the host's. An unprivileged caller's sources are opened by init instead, once it
   * holds that capability in its own user and mount namespaces (sr_rootfs_setup). */
  if (geteuid() != 0) return 0;
  return open_sources(cfg->mounts, cfg->nmounts, err);
}

void sr_rootfs_close_sources(struct sr_config *cfg) {
  close_layer();
  close_image();
  for (size_t i = 0; i < cfg->nmounts; i++) {
    if (cfg->mounts[i].tree_fd >= 0) close(cfg->mounts[i].tree_fd);
    cfg->mounts[i].tree_fd = -1;
  }
}

/* A descriptor of the new root; reopened when something is mounted over "/" itself. */
static int root_fd = -1;

enum want { WANT_EXISTING, WANT_DIR, WANT_FILE };

/* Opens `target` (absolute, inside the new root) as an O_PATH descriptor, symbolic links resolved
 * as if the new root were "/". WANT_DIR / WANT_FILE create what is missing (directories along the
 * way, then a directory or an empty file); WANT_EXISTING returns -1 with errno ENOENT and no
 * error recorded when the target is not there. */
static int resolve(const char *target, enum want want, struct sr_error *err) {
  char rel[PATH_MAX];
  size_t skip = strspn(target, "/");
  int n = snprintf(rel, sizeof rel, "%s", target + skip);
  if (n < 0 || (size_t)n >= sizeof rel) return sr_fail(err, ENAMETOOLONG, "path `%s`", target);
  while (n > 0 && rel[n - 1] == '/') rel[--n] = '\0';
  if (n == 0) {
    int fd = sys_openat2(root_fd, ".", O_PATH | O_CLOEXEC, 0);
    return fd < 0 ? sr_fail(err, errno, "open the new root") : fd;
  }
  const uint64_t in_root = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  int fd = sys_openat2(root_fd, rel, O_PATH | O_CLOEXEC, in_root);
  if (fd >= 0 || errno != ENOENT || want == WANT_EXISTING) {
    if (fd < 0 && !(errno == ENOENT && want == WANT_EXISTING))
      return sr_fail(err, errno, "resolve `%s` in the new root", target);
    return fd;
  }
  /* Missing: create it in its parent (itself resolved, and created, the same way). */
  char parent_path[PATH_MAX + 1];
  char *slash = strrchr(rel, '/');
  const char *name = slash ? slash + 1 : rel;
  snprintf(parent_path, sizeof parent_path, "/%.*s", slash ? (int)(slash - rel) : 0, rel);
  if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
    return sr_fail(err, EINVAL, "mount target `%s`", target);
  sr_autoclose int parent = resolve(parent_path, WANT_DIR, err);
  if (parent < 0) return -1;
  if (want == WANT_DIR) {
    if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST)
      return sr_fail(err, errno, "mkdir `%s` in the new root", target);
  } else {
    int f = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
    if (f < 0 && errno != EEXIST) return sr_fail(err, errno, "create `%s` in the new root", target);
    if (f >= 0) close(f);
  }
  fd = sys_openat2(root_fd, rel, O_PATH | O_CLOEXEC, in_root);
  if (fd < 0)
    return sr_fail(err, errno,
                   "resolve `%s` in the new root (a symbolic link there leads nowhere inside it)",
                   target);
  return fd;
}

/* Attaches a detached mount at target; `what` names it in errors. */
static int attach(int mnt, const char *target, enum want want, const char *what,
                  struct sr_error *err) {
  sr_autoclose int at = resolve(target, want, err);
  if (at < 0) return -1;
  struct stat st;
  if (fstat(at, &st) < 0) return sr_fail(err, errno, "stat `%s`", target);
  if (want == WANT_DIR && !S_ISDIR(st.st_mode))
    return sr_fail(err, ENOTDIR, "mount %s on `%s`: the target is a %s", what, target,
                   type_name(st.st_mode));
  if (want == WANT_FILE && S_ISDIR(st.st_mode))
    return sr_fail(err, EISDIR, "mount %s on `%s`: the target is a directory", what, target);
  if (sys_move_mount(mnt, at) < 0) return sr_fail(err, errno, "mount %s on `%s`", what, target);
  if (target[strspn(target, "/")] == '\0') {
    int fd = open(NEW, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return sr_fail(err, errno, "open " NEW);
    close(root_fd);
    root_fd = fd;
  }
  return 0;
}

/* The SELinux context of tmpfs mounts (and the overlay): set by sr_rootfs_setup, and for
 * root's overlay by the supervisor. */

/* A new, detached filesystem (new mount API): `type` with string options (name, value pairs, a
 * NULL name ends them), mounted with `attrs`. */
static int new_fs(const char *type, const char *const *opts, uint64_t attrs, struct sr_error *err) {
  sr_autoclose int fs = (int)syscall(SYS_fsopen, type, FSOPEN_CLOEXEC);
  if (fs < 0) return sr_fail(err, errno, "fsopen %s", type);
  for (; opts && opts[0]; opts += 2)
    if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, opts[0], opts[1], 0) < 0)
      return sr_fail(err, errno, "%s option %s=%s", type, opts[0], opts[1]);
  if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return sr_fail(err, errno, "create %s", type);
  int mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, attrs);
  if (mnt < 0) return sr_fail(err, errno, "fsmount %s", type);
  return mnt;
}

static int new_tmpfs(uint64_t size, unsigned int mode, uint64_t attrs, struct sr_error *err) {
  char sz[32], md[16];
  snprintf(sz, sizeof sz, "%llu", (unsigned long long)size);
  snprintf(md, sizeof md, "%04o", mode);
  const char *opts[] = {"size", sz, "mode", md, mount_label ? "context" : NULL, mount_label, NULL};
  return new_fs("tmpfs", opts, attrs, err);
}

/* A bind of the host's path below /oldroot (device nodes, /dev/null for masks). */
static int host_clone(const char *path, struct sr_error *err) {
  int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  return fd < 0 ? sr_fail(err, errno, "clone `%s`", path) : fd;
}

/* A minimal /dev: the harmless character devices bound from the host, a private devpts,
 * /dev/shm, the usual symbolic links, then read-only. Built through the descriptor of its own
 * tmpfs, so nothing of it is looked up by path. */
static int do_dev(const char *target, struct sr_error *err) {
  static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
  static const char *const links[][2] = {{"/proc/self/fd", "fd"},   {"/proc/self/fd/0", "stdin"},
                                         {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
                                         {"pts/ptmx", "ptmx"}};
  sr_autoclose int dev = new_tmpfs(1 << 20, 0755, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, err);
  if (dev < 0) return -1;
  if (attach(dev, target, WANT_DIR, "/dev", err) < 0) return -1;
  for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
    char src[64];
    snprintf(src, sizeof src, OLD "/dev/%s", nodes[i]);
    int f = openat(dev, nodes[i], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
    if (f < 0) return sr_fail(err, errno, "create /dev/%s", nodes[i]);
    close(f);
    sr_autoclose int at = sys_openat2(dev, nodes[i], O_PATH | O_CLOEXEC, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
    if (at < 0) return sr_fail(err, errno, "open /dev/%s", nodes[i]);
    sr_autoclose int node = host_clone(src, err);
    if (node < 0) return -1;
    if (sys_move_mount(node, at) < 0) return sr_fail(err, errno, "bind /dev/%s", nodes[i]);
  }
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    if (symlinkat(links[i][0], dev, links[i][1]) < 0)
      return sr_fail(err, errno, "symlink /dev/%s", links[i][1]);
  const char *const pts_opts[] = {"ptmxmode", "0666", "mode", "0620", NULL};
  const char *const dirs[] = {"pts", "shm"};
  for (size_t i = 0; i < 2; i++) {
    if (mkdirat(dev, dirs[i], 0755) < 0) return sr_fail(err, errno, "mkdir /dev/%s", dirs[i]);
    sr_autoclose int at = sys_openat2(dev, dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC,
                                      RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS);
    if (at < 0) return sr_fail(err, errno, "open /dev/%s", dirs[i]);
    sr_autoclose int fs =
        i == 0 ? new_fs("devpts", pts_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, err)
               : new_tmpfs(64 << 20, 01777, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, err);
    if (fs < 0) return -1;
    if (sys_move_mount(fs, at) < 0) return sr_fail(err, errno, "mount /dev/%s", dirs[i]);
  }
  if (set_attr(dev, MOUNT_ATTR_RDONLY, 0, false) < 0)
    return sr_fail(err, errno, "make `%s` read-only", target);
  return 0;
}

/* A path of the image's read-only overlay, resolved in it as in a root (its links stay in it). */
static int image_tree(const struct sr_mount *m, struct sr_error *err) {
  if (image_ro_dir < 0)
    return sr_fail(err, EBADF, "bind `%s` of the image: no image overlay", m->source);
  const char *rel = m->source + strspn(m->source, "/");
  sr_autoclose int at = sys_openat2(image_ro_dir, rel[0] ? rel : ".", O_PATH | O_CLOEXEC,
                                    RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
  if (at < 0) return sr_fail(err, errno, "the image's `%s`", m->source);
  int fd = (int)syscall(SYS_open_tree, at, "",
                        OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
  if (fd < 0) return sr_fail(err, errno, "clone the image's `%s`", m->source);
  return fd;
}

static int do_bind(const struct sr_mount *m, struct sr_error *err) {
  if (m->from_image) {
    struct sr_mount copy = *m;
    copy.tree_fd = image_tree(m, err);
    if (copy.tree_fd < 0) return -1;
    struct stat st;
    if (fstat(copy.tree_fd, &st) < 0) {
      int e = errno;
      close(copy.tree_fd);
      return sr_fail(err, e, "stat the image's `%s`", m->source);
    }
    copy.is_dir = S_ISDIR(st.st_mode);
    copy.from_image = false;
    if ((m->expect == SR_SOURCE_DIR && !copy.is_dir) || (m->expect == SR_SOURCE_FILE && copy.is_dir)) {
      close(copy.tree_fd);
      return sr_fail(err, 0, "the image's `%s` is a %s, the plan expects a %s", m->source,
                     type_name(st.st_mode), m->expect == SR_SOURCE_DIR ? "directory" : "file");
    }
    int rc = do_bind(&copy, err);
    close(copy.tree_fd);
    return rc;
  }
  if (m->tree_fd == -2) return 0; /* optional, and not there */
  if (m->tree_fd < 0) return sr_fail(err, EBADF, "bind source `%s` was not opened", m->source);
  if (attach(m->tree_fd, m->target, m->is_dir ? WANT_DIR : WANT_FILE, m->source, err) < 0)
    return -1;
  uint64_t attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (m->read_only ? MOUNT_ATTR_RDONLY : 0);
  if (set_attr(m->tree_fd, attrs, 0, true) < 0)
    return sr_fail(err, errno, "mount_setattr `%s`", m->target);
  return 0;
}

static int do_mount(const struct sr_mount *m, struct sr_error *err) {
  switch (m->kind) {
  case SR_MOUNT_BIND:
    return do_bind(m, err);
  case SR_MOUNT_TMPFS: {
    sr_autoclose int fs = new_tmpfs(m->size, m->mode, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err);
    return fs < 0 ? -1 : attach(fs, m->target, WANT_DIR, "tmpfs", err);
  }
  case SR_MOUNT_PROC: {
    sr_autoclose int fs =
        new_fs("proc", NULL, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, err);
    return fs < 0 ? -1 : attach(fs, m->target, WANT_DIR, "proc", err);
  }
  case SR_MOUNT_DEV:
    return do_dev(m->target, err);
  case SR_MOUNT_SYMLINK: {
    char parent[PATH_MAX];
    const char *slash = strrchr(m->target, '/');
    snprintf(parent, sizeof parent, "/%.*s", (int)(slash - m->target), m->target);
    sr_autoclose int dir = resolve(parent, WANT_DIR, err);
    if (dir < 0) return -1;
    if (symlinkat(m->source, dir, slash + 1) == 0) return 0;
    if (errno != EEXIST) return sr_fail(err, errno, "symlink `%s`", m->target);
    /* On a writable layer, the link of the last launch is there: kept when it is the plan's,
     * replaced when the app changed it (it is the plan's view, not the app's). */
    char have[PATH_MAX];
    ssize_t n = readlinkat(dir, slash + 1, have, sizeof have - 1);
    if (n >= 0 && (size_t)n == strlen(m->source) && memcmp(have, m->source, (size_t)n) == 0) return 0;
    if (unlinkat(dir, slash + 1, 0) < 0 && unlinkat(dir, slash + 1, AT_REMOVEDIR) < 0)
      return sr_fail(err, errno, "symlink `%s`: something else is in its place", m->target);
    if (symlinkat(m->source, dir, slash + 1) < 0)
      return sr_fail(err, errno, "symlink `%s`", m->target);
    return 0;
  }
  }
  return sr_fail(err, EINVAL, "unknown mount kind");
}

/* Hides a path of the new root: /dev/null over a file, an empty read-only tmpfs over a
 * directory. A path that does not exist needs no hiding. */
static int mask(const char *path, struct sr_error *err) {
  sr_autoclose int at = resolve(path, WANT_EXISTING, err);
  if (at < 0) return errno == ENOENT ? 0 : -1;
  struct stat st;
  if (fstat(at, &st) < 0) return sr_fail(err, errno, "stat `%s`", path);
  const uint64_t ro = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
  sr_autoclose int fs = S_ISDIR(st.st_mode) ? new_tmpfs(4096, 0555, ro, err)
                                            : host_clone(OLD "/dev/null", err);
  if (fs < 0) return -1;
  if (sys_move_mount(fs, at) < 0) return sr_fail(err, errno, "mask `%s`", path);
  return 0;
}

/* The new root with a writable layer: root's overlay (made by the supervisor), or one made
 * here of a lower in the build tmpfs (the rootfs bound at "/", or an empty directory) and the
 * layer's directories. The mounts of the plan then go on top, as on the tmpfs without a layer:
 * the host's directories read-only. *lower_is_first: mounts[0] was the lower. */
static int make_layer(const struct sr_config *cfg, bool *lower_is_first, struct sr_error *err) {
  const struct sr_mount *first = cfg->nmounts ? &cfg->mounts[0] : NULL;
  *lower_is_first = first && is_root_bind(first);
  sr_autoclose int mnt = -1;
  if (layer_mnt >= 0) {
    mnt = layer_mnt;
    layer_mnt = -1;
  } else {
    if (mkdir("/lower", 0755) < 0) return sr_fail(err, errno, "mkdir the layer's lower");
    sr_autoclose int lower = open("/lower", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (lower < 0) return sr_fail(err, errno, "open the layer's lower");
    if (*lower_is_first) {
      if (first->tree_fd < 0 || !first->is_dir)
        return sr_fail(err, EINVAL, "the root `%s` (the layer's lower) is not a directory",
                       first->source);
      if (sys_move_mount(first->tree_fd, lower) < 0)
        return sr_fail(err, errno, "mount the root `%s` as the layer's lower", first->source);
      if (set_attr(first->tree_fd, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0, true) < 0)
        return sr_fail(err, errno, "make the root `%s` read-only", first->source);
      sr_close(lower);
      lower = open("/lower", O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (lower < 0) return sr_fail(err, errno, "open the layer's lower");
    }
    mnt = new_overlay(lower, (cfg->clone_flags & CLONE_NEWUSER) != 0, OLD "/proc", err);
    if (mnt < 0) return -1;
  }
  sr_autoclose int at = open(NEW, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (at < 0) return sr_fail(err, errno, "open " NEW);
  if (sys_move_mount(mnt, at) < 0) return sr_fail(err, errno, "mount the overlay on " NEW);
  return 0;
}

static int make_read_only(const char *path, struct sr_error *err) {
  sr_autoclose int at = resolve(path, WANT_EXISTING, err);
  if (at < 0) return errno == ENOENT ? 0 : -1;
  sr_autoclose int tree = (int)syscall(SYS_open_tree, at, "",
                                       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
  if (tree < 0) return sr_fail(err, errno, "clone `%s`", path);
  if (set_attr(tree, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, MS_PRIVATE, true) < 0)
    return sr_fail(err, errno, "mount_setattr `%s`", path);
  if (sys_move_mount(tree, at) < 0) return sr_fail(err, errno, "bind `%s` onto itself", path);
  return 0;
}

static int build(const struct sr_config *cfg, size_t from, struct sr_error *err) {
  for (size_t i = from; i < cfg->nmounts; i++)
    if (do_mount(&cfg->mounts[i], err) < 0) return -1;
  for (size_t i = 0; i < cfg->nmasked; i++)
    if (mask(cfg->masked[i], err) < 0) return -1;
  for (size_t i = 0; i < cfg->nread_only; i++)
    if (make_read_only(cfg->read_only[i], err) < 0) return -1;
  return 0;
}

int sr_rootfs_setup(const struct sr_config *cfg, struct sr_error *err) {
  mount_label = cfg->selinux_mount_label;
  /* Nothing done here may propagate back to the host's mount namespace. */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return sr_fail(err, errno, "make / private");
  /* An unprivileged caller's sources (see sr_rootfs_open_sources): opened here, in init's copy
   * of the caller's mount namespace, with the caller's rights to reach them, before anything is
   * mounted over the caller's view (the build tmpfs hides BASE). The copy's mounts are locked to
   * this namespace's user (MNT_LOCKED, and their flags): they are cloned whole (AT_RECURSIVE) and
   * their flags only ever added to, which the kernel allows. */
  if (open_sources(cfg->mounts, cfg->nmounts, err) < 0) return -1;
  if (cfg->writable_layer && layer_mnt < 0 && image_mnt < 0 && reopen_layer(cfg, err) < 0)
    return -1;
  if (cfg->nimage_layers && image_mnt < 0 && reopen_image(cfg, err) < 0) return -1;
  if (mount("tmpfs", BASE, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755") < 0)
    return sr_fail(err, errno, "mount tmpfs on " BASE);
  if (mkdir(BASE OLD, 0755) < 0 || mkdir(BASE NEW, 0755) < 0)
    return sr_fail(err, errno, "mkdir in " BASE);
  if (syscall(SYS_pivot_root, BASE, BASE OLD) < 0)
    return sr_fail(err, errno, "pivot_root to the build tmpfs");
  if (chdir("/") < 0) return sr_fail(err, errno, "chdir /");
  bool lower_is_first = false;
  if (cfg->nimage_layers) {
    int rc = make_image_root(cfg, err);
    close_layer(); /* the overlays hold their layers now; the app never gets these */
    for (size_t i = 0; i < nimage_fds; i++) sr_close(image_fds[i]);
    nimage_fds = 0;
    if (rc < 0) return -1;
  } else if (cfg->writable_layer) {
    int rc = make_layer(cfg, &lower_is_first, err);
    close_layer(); /* the overlay holds its layers now; the app never gets these */
    if (rc < 0) return -1;
  } else if (mount("tmpfs", NEW, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") < 0) {
    return sr_fail(err, errno, "mount the new root's tmpfs");
  }
  root_fd = open(NEW, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return sr_fail(err, errno, "open " NEW);
  int rc = build(cfg, lower_is_first ? 1 : 0, err);
  sr_close(image_ro_dir);
  close(root_fd);
  root_fd = -1;
  /* The detached trees are attached now: their descriptors go. */
  for (size_t i = 0; i < cfg->nmounts; i++)
    if (cfg->mounts[i].tree_fd >= 0) close(cfg->mounts[i].tree_fd);
  if (rc < 0) return -1;

  /* Into the new root; the old one (build tmpfs with the host below it) is detached whole. */
  if (chdir(NEW) < 0) return sr_fail(err, errno, "chdir " NEW);
  if (syscall(SYS_pivot_root, ".", ".") < 0) return sr_fail(err, errno, "pivot_root to the new root");
  if (umount2(".", MNT_DETACH) < 0) return sr_fail(err, errno, "detach the old root");
  if (chdir("/") < 0) return sr_fail(err, errno, "chdir / in the new root");
  /* With a writable layer the root is the overlay: writable, its base read-only below it. */
  if (cfg->read_only_root && !cfg->writable_layer) {
    /* mount_setattr adds these flags and keeps the others: a remount would clear those it does
     * not name, which the kernel refuses in a user namespace for a bind of a host mount over "/"
     * (its noexec, atime flags are locked). */
    sr_autoclose int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0 || set_attr(root, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0, false) < 0)
      return sr_fail(err, errno, "make the new root read-only");
  }
  return 0;
}
