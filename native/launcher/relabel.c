/* Relabelling volumes (podman's :Z): refused for system paths, walked by file descriptor. */
#define _GNU_SOURCE
#include "relabel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#define MAX_DEPTH 256

/* Never relabelled, nor anything below them: the host's system. */
static const char *const system_trees[] = {"/etc", "/usr", "/bin", "/sbin", "/lib", "/lib32",
                                           "/lib64", "/libx32", "/boot", "/dev", "/proc", "/sys"};
/* Never relabelled themselves (what is below them may be a volume). */
static const char *const system_dirs[] = {"/", "/var", "/var/lib", "/var/log", "/home", "/root",
                                          "/run", "/tmp", "/opt", "/srv", "/media", "/mnt"};

static bool below(const char *path, const char *dir) {
  size_t n = strlen(dir);
  return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int sr_relabel_allowed_canonical(const char *canonical, const char *const *homes,
                                 struct sr_error *err) {
  for (size_t i = 0; i < sizeof system_trees / sizeof system_trees[0]; i++)
    if (below(canonical, system_trees[i]))
      return sr_fail(err, 0, "--relabel `%s`: %s is the host's system and is never relabelled",
                     canonical, system_trees[i]);
  for (size_t i = 0; i < sizeof system_dirs / sizeof system_dirs[0]; i++)
    if (strcmp(canonical, system_dirs[i]) == 0)
      return sr_fail(err, 0,
                     "--relabel `%s`: a system directory is never relabelled (give a directory "
                     "of the app's below it)",
                     canonical);
  for (size_t i = 0; homes && homes[i]; i++)
    if (strcmp(canonical, homes[i]) == 0)
      return sr_fail(err, 0,
                     "--relabel `%s`: a user's home directory is never relabelled (give a "
                     "directory of the app's below it)",
                     canonical);
  return 0;
}

int sr_relabel_allowed(const char *path, struct sr_error *err) {
  char canonical[PATH_MAX];
  if (realpath(path, canonical) == NULL) return sr_fail(err, errno, "--relabel `%s`", path);
  /* Every home directory in the password database, canonical too (e.g. /home -> /usr/home). */
  size_t n = 0, cap = 16;
  char **homes = calloc(cap + 1, sizeof *homes);
  if (homes == NULL) return sr_fail(err, ENOMEM, "--relabel");
  int rc = 0;
  /* /etc/passwd read as a file (fgetpwent): the launcher is linked statically, and getpwent's
   * NSS modules would have to be loaded from the host's glibc at run time. */
  FILE *db = fopen("/etc/passwd", "re");
  if (db == NULL && errno != ENOENT) rc = sr_fail(err, errno, "--relabel: read `/etc/passwd`");
  for (struct passwd *pw; rc == 0 && db != NULL && (pw = fgetpwent(db)) != NULL;) {
    char home[PATH_MAX];
    if (pw->pw_dir == NULL || pw->pw_dir[0] != '/' || realpath(pw->pw_dir, home) == NULL) continue;
    if (n == cap) {
      char **more = realloc(homes, (2 * cap + 1) * sizeof *homes);
      if (more == NULL) {
        rc = sr_fail(err, ENOMEM, "--relabel");
        break;
      }
      homes = more;
      cap *= 2;
    }
    if ((homes[n] = strdup(home)) == NULL) rc = sr_fail(err, ENOMEM, "--relabel");
    else homes[++n] = NULL;
  }
  if (db != NULL) fclose(db);
  if (rc == 0) rc = sr_relabel_allowed_canonical(canonical, (const char *const *)homes, err);
  for (size_t i = 0; i < n; i++) free(homes[i]);
  free(homes);
  return rc;
}

/* The id of the mount `name` (relative to dirfd; "" for dirfd itself) is on (Linux 5.8). */
static int mount_id(int dirfd, const char *name, uint64_t *id) {
  struct statx sx;
  int flags = AT_SYMLINK_NOFOLLOW | (name[0] == '\0' ? AT_EMPTY_PATH : 0);
  if (statx(dirfd, name, flags, STATX_MNT_ID, &sx) < 0) return -1;
  if (!(sx.stx_mask & STATX_MNT_ID)) {
    errno = ENOSYS;
    return -1;
  }
  *id = sx.stx_mnt_id;
  return 0;
}

struct walk {
  const char *attr, *value, *root;
  uint64_t root_mount;
  dev_t root_dev;
  bool by_mount_id;
  struct sr_error *err;
};

/* Labels the directory open on fd and, depth first, what is in it; fd is consumed. */
static int walk_dir(struct walk *w, int fd, const char *shown, int depth) {
  if (fsetxattr(fd, w->attr, w->value, strlen(w->value) + 1, 0) < 0) {
    int e = errno;
    close(fd);
    return sr_fail(w->err, e, "relabel `%s` as %s", shown, w->value);
  }
  if (depth >= MAX_DEPTH) {
    close(fd);
    return sr_fail(w->err, 0, "relabel `%s`: more than %d directories deep", w->root, MAX_DEPTH);
  }
  DIR *d = fdopendir(fd);
  if (d == NULL) {
    int e = errno;
    close(fd);
    return sr_fail(w->err, e, "relabel: list `%s`", shown);
  }
  int rc = 0;
  for (struct dirent *e; rc == 0;) {
    errno = 0;
    if ((e = readdir(d)) == NULL) {
      if (errno) rc = sr_fail(w->err, errno, "relabel: list `%s`", shown);
      break;
    }
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", shown, e->d_name);
    uint64_t id;
    if (w->by_mount_id) {
      if (mount_id(dirfd(d), e->d_name, &id) < 0) {
        rc = sr_fail(w->err, errno, "statx `%s` to relabel it", path);
        break;
      }
      /* Another mount below the tree is not the app's to relabel: neither it nor its content. */
      if (id != w->root_mount) continue;
    }
    struct stat st;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
      rc = sr_fail(w->err, errno, "stat `%s` to relabel it", path);
      break;
    }
    if (st.st_dev != w->root_dev) continue; /* another file system mounted here */
    if (S_ISDIR(st.st_mode)) {
      int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0) {
        rc = sr_fail(w->err, errno, "open `%s` to relabel it", path);
        break;
      }
      rc = walk_dir(w, sub, path, depth + 1);
    } else {
      /* Not followed: the name inside this open directory, its last component not resolved
       * (a symbolic link is labelled itself, whatever it points to). */
      char at[64 + NAME_MAX];
      snprintf(at, sizeof at, "/proc/self/fd/%d/%s", dirfd(d), e->d_name);
      /* (user.* attributes, which the tests use, cannot be set on a symbolic link.) */
      if (lsetxattr(at, w->attr, w->value, strlen(w->value) + 1, 0) < 0 &&
          !(S_ISLNK(st.st_mode) && errno == EPERM && strncmp(w->attr, "user.", 5) == 0))
        rc = sr_fail(w->err, errno, "relabel `%s` as %s", path, w->value);
    }
  }
  closedir(d);
  return rc;
}

int sr_relabel_tree(const char *path, const char *attr, const char *value, struct sr_error *err) {
  struct walk w = {.attr = attr, .value = value, .root = path, .err = err};
  /* The volume itself, reached through no symbolic link at all (path is canonical: one that
   * appeared since is someone else's doing). */
  struct open_how how = {.flags = O_PATH | O_CLOEXEC,
                         .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
  int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
  if (fd < 0 && errno == ENOSYS) fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return sr_fail(err, errno, "open `%s` to relabel it", path);
  struct stat st;
  if (fstat(fd, &st) < 0) {
    int e = errno;
    close(fd);
    return sr_fail(err, e, "stat `%s` to relabel it", path);
  }
  char self[64];
  snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
  if (!S_ISDIR(st.st_mode)) {
    /* A single file: labelled through its descriptor (setxattr on an O_PATH fd's proc link). */
    int rc = setxattr(self, attr, value, strlen(value) + 1, 0);
    int e = errno;
    close(fd);
    return rc < 0 ? sr_fail(err, e, "relabel `%s` as %s", path, value) : 0;
  }
  int dir = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int e = errno;
  close(fd);
  if (dir < 0) return sr_fail(err, e, "open `%s` to relabel it", path);
  fd = dir;
  w.root_dev = st.st_dev;
  w.by_mount_id = mount_id(fd, "", &w.root_mount) == 0;
  if (!w.by_mount_id && errno != ENOSYS && errno != EINVAL) {
    int e = errno;
    close(fd);
    return sr_fail(err, e, "statx `%s` to relabel it", path);
  }
  return walk_dir(&w, fd, path, 0);
}

int sr_relabel(const char *path, const char *label, struct sr_error *err) {
  char canonical[PATH_MAX];
  if (realpath(path, canonical) == NULL) return sr_fail(err, errno, "--relabel `%s`", path);
  if (sr_relabel_allowed(canonical, err) < 0) return -1;
  return sr_relabel_tree(canonical, "security.selinux", label, err);
}

int sr_relabel_volumes(const struct sr_config *cfg, struct sr_error *err) {
  for (size_t i = 0; i < cfg->nrelabel; i++)
    SR_TRY(sr_relabel(cfg->relabel[i], cfg->selinux_mount_label, err));
  return 0;
}
