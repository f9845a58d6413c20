/* Removing a tree a hostile app wrote, as the caller or in a user namespace with the caller's
 * subordinate ids (see rmtree.h). */
#define _GNU_SOURCE
#include "rmtree.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "spawn.h"

#define SR_STR_(x) #x
#define SR_STR(x) SR_STR_(x)

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x1000U
#endif

/* The id of the mount fd is on: statx (Linux 5.8), else /proc/self/fdinfo (3.15). -1 with
 * errno when neither says. */
static int mount_id(int fd, uint64_t *id) {
  struct statx sx;
  if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sx) == 0 &&
      (sx.stx_mask & STATX_MNT_ID)) {
    *id = sx.stx_mnt_id;
    return 0;
  }
  char path[64], line[128];
  snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
  sr_autofclose FILE *f = fopen(path, "re");
  if (f == NULL) return -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "mnt_id: %" SCNu64, id) == 1) return 0;
  errno = ENOTSUP;
  return -1;
}

struct walk {
  dev_t dev;
  uint64_t mnt;
  FILE *report;
  size_t left;
  bool denied;
  struct sr_error first;
  char path[PATH_MAX]; /* of the entry at hand, for messages (cut when longer) */
};

/* The entry at w->path is left: counted, the first kept, named on the report. The app chose the
 * names: a control character, a backslash or a backquote in them is shown as \xNN (a name must
 * not add a line to the report, or reach a terminal's escape sequences). */
static void leave(struct walk *w, int code, const char *why) {
  char shown[PATH_MAX * 4 + 1];
  size_t k = 0;
  for (const unsigned char *c = (const unsigned char *)w->path; *c && k + 5 < sizeof shown; c++) {
    if (*c < 0x20 || *c == 0x7f || *c == '\\' || *c == '`')
      k += (size_t)snprintf(shown + k, sizeof shown - k, "\\x%02x", *c);
    else
      shown[k++] = (char)*c;
  }
  shown[k] = '\0';
  if (w->left++ == 0) sr_fail(&w->first, code, "`%s`: %s", shown, why);
  if (code == EACCES || code == EPERM) w->denied = true;
  if (w->report)
    fprintf(w->report, "secure-run-launch: left `%s`: %s%s%s\n", shown, why, code ? ": " : "",
            code ? strerror(code) : "");
}

/* Everything below dfd, whose path is w->path[0..plen). */
static void walk(struct walk *w, int dfd, int depth, size_t plen) {
  w->path[plen] = '\0';
  int copy = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
  DIR *d = copy < 0 ? NULL : fdopendir(copy);
  if (d == NULL) {
    int e = errno;
    if (copy >= 0) close(copy);
    leave(w, e, "read the directory");
    return;
  }
  sr_autoclosedir DIR *held = d;
  rewinddir(d); /* the copy shares dfd's offset, which an earlier walk left at the end */
  for (struct dirent *e; (errno = 0, e = readdir(d)) != NULL;) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    int n = snprintf(w->path + plen, sizeof w->path - plen, "/%s", e->d_name);
    size_t nlen =
        n < 0 || (size_t)n >= sizeof w->path - plen ? sizeof w->path - 1 : plen + (size_t)n;
    struct stat st;
    if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
      if (errno != ENOENT) leave(w, errno, "stat");
      continue;
    }
    if (!S_ISDIR(st.st_mode)) { /* a file, a link (never followed), a socket…: unlinked */
      if (unlinkat(dfd, e->d_name, 0) < 0 && errno != ENOENT) leave(w, errno, "unlink");
      continue;
    }
    if (depth >= SR_RMTREE_MAX_DEPTH) {
      leave(w, ELOOP, "more than " SR_STR(SR_RMTREE_MAX_DEPTH) " levels deep: not entered");
      continue;
    }
    /* O_NOFOLLOW: a directory swapped for a link since the stat is refused, not followed.
     * O_PATH first: it needs no permission on the directory itself, which may be closed. */
    sr_autoclose int at = openat(dfd, e->d_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (at < 0) {
      if (errno != ENOENT) leave(w, errno, "open the directory");
      continue;
    }
    /* What was opened, not what the name was at the stat: another file system, or another mount
     * of this one (a bind), is not entered. */
    struct stat sst;
    uint64_t mnt = 0;
    if (fstat(at, &sst) < 0) {
      leave(w, errno, "fstat");
      continue;
    }
    if (sst.st_dev != w->dev) {
      leave(w, EXDEV, "another file system is mounted there: not entered");
      continue;
    }
    if (mount_id(at, &mnt) < 0) {
      leave(w, errno, "cannot tell whether it is a mount point: not entered");
      continue;
    }
    if (mnt != w->mnt) {
      leave(w, EXDEV, "a mount point: not entered");
      continue;
    }
    /* A directory the app made unreadable is the caller's to open up again (as overlayfs leaves
     * work/work, mode 0): the inode held, through its descriptor. */
    if (sst.st_uid == geteuid() && (sst.st_mode & 0700) != 0700) {
      char self[64];
      snprintf(self, sizeof self, "/proc/self/fd/%d", at);
      (void)chmod(self, (sst.st_mode & 07777) | 0700);
    }
    sr_autoclose int sub = openat(at, ".", O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
    if (sub < 0) {
      leave(w, errno, "open the directory");
      continue;
    }
    sr_close(at); /* two descriptors a level, not three */
    size_t before = w->left;
    walk(w, sub, depth + 1, nlen);
    snprintf(w->path + plen, sizeof w->path - plen, "/%s", e->d_name); /* the walk below moved on */
    /* What is left below keeps it: named already. */
    if (w->left == before && unlinkat(dfd, e->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
      leave(w, errno, "rmdir");
  }
  if (errno != 0) {
    w->path[plen] = '\0';
    leave(w, errno, "read the directory");
  }
}

int sr_rmtree_below(int dfd, const char *label, FILE *report, bool *denied,
                    struct sr_error *err) {
  struct walk *w = calloc(1, sizeof *w);
  if (w == NULL) return sr_fail(err, ENOMEM, "removing `%s`", label);
  sr_autofree struct walk *held = w;
  w->report = report;
  struct stat st;
  if (fstat(dfd, &st) < 0) return sr_fail(err, errno, "removing `%s`: fstat", label);
  if (mount_id(dfd, &w->mnt) < 0)
    return sr_fail(err, errno, "removing `%s`: its mount id (statx, /proc/self/fdinfo)", label);
  w->dev = st.st_dev;
  snprintf(w->path, sizeof w->path, "%s", label);
  walk(w, dfd, 0, strlen(w->path));
  *denied = w->denied;
  if (w->left == 0) return 0;
  if (report) /* each named there already */
    return sr_fail(err, w->first.code, "%zu entr%s of `%s` left", w->left,
                   w->left == 1 ? "y" : "ies", label);
  return sr_fail(err, w->first.code, "removing `%s`: %zu entr%s left; the first, %s", label,
                 w->left, w->left == 1 ? "y" : "ies", w->first.msg);
}

/* What the child of sr_rmtree_userns tells its parent: ready (in its user namespace), or the end
 * of its walk; under PIPE_BUF, so written at once. */
struct userns_msg {
  int stage; /* 0: could not make the namespace, 1: ready for its maps, 2: walked */
  int rc;
  struct sr_error err;
};

static int read_msg(int fd, struct userns_msg *m) {
  size_t got = 0;
  while (got < sizeof *m) {
    ssize_t r = read(fd, (char *)m + got, sizeof *m - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    got += (size_t)r;
  }
  return 0;
}

static _Noreturn void userns_child(int dfd, const char *label, FILE *report, int up, int down) {
  struct userns_msg m;
  memset(&m, 0, sizeof m);
  (void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  if (unshare(CLONE_NEWUSER) < 0) {
    sr_fail(&m.err, errno, "unshare a user namespace");
    (void)sr_write_all(up, &m, sizeof m);
    _exit(1);
  }
  m.stage = 1;
  if (sr_write_all(up, &m, sizeof m) < 0) _exit(1);
  char go = 0;
  ssize_t r;
  while ((r = read(down, &go, 1)) < 0 && errno == EINTR) {
  }
  if (r != 1 || go != 'm') _exit(1); /* the parent said why */
  /* Root of this namespace now, with every capability in it: over each inode whose owner and
   * group are the caller's or in its ranges. */
  bool denied = false;
  m.stage = 2;
  m.rc = sr_rmtree_below(dfd, label, report, &denied, &m.err);
  if (report) fflush(report);
  (void)sr_write_all(up, &m, sizeof m);
  _exit(m.rc < 0 ? 1 : 0);
}

int sr_rmtree_userns(int dfd, const char *label, FILE *report, bool *walked,
                     struct sr_error *err) {
  *walked = false;
  struct sr_id_map uid_map[SR_MAX_ID_MAPS], gid_map[SR_MAX_ID_MAPS];
  size_t nuid = 0, ngid = 0;
  if (sr_caller_range_maps(uid_map, &nuid, gid_map, &ngid, err) < 0) return -1;
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) return sr_fail(err, errno, "pipe");
  sr_autoclose int up_r = p[0], up_w = p[1];
  if (pipe2(p, O_CLOEXEC) < 0) return sr_fail(err, errno, "pipe");
  sr_autoclose int down_r = p[0], down_w = p[1];
  if (report) fflush(report);
  fflush(stderr);
  sr_autokill pid_t child = fork();
  if (child < 0) return sr_fail(err, errno, "fork");
  if (child == 0) {
    close(up_r);
    close(down_w);
    userns_child(dfd, label, report, up_w, down_r);
  }
  sr_close(up_w);
  sr_close(down_r);
  struct userns_msg m;
  if (read_msg(up_r, &m) < 0) return sr_fail(err, 0, "the child making the user namespace ended");
  if (m.stage != 1) {
    *err = m.err;
    return -1;
  }
  if (sr_write_id_maps(child, uid_map, nuid, gid_map, ngid, err) < 0) return -1;
  if (write(down_w, "m", 1) != 1) return sr_fail(err, errno, "releasing the child");
  if (read_msg(up_r, &m) < 0 || m.stage != 2)
    return sr_fail(err, 0, "the removal in the user namespace ended without saying how it went");
  *walked = true;
  int status = 0;
  pid_t reaped = sr_steal_pid(child);
  while (waitpid(reaped, &status, 0) < 0 && errno == EINTR) {
  }
  if (m.rc < 0) {
    *err = m.err;
    return -1;
  }
  return 0;
}

int sr_rmtree(int dfd, const char *label, FILE *report, struct sr_error *err) {
  bool denied = false;
  if (sr_rmtree_below(dfd, label, NULL, &denied, err) == 0) return 0;
  char why[SR_ERROR_MSG_MAX + 64] = "";
  if (denied && geteuid() != 0) {
    /* Files of the caller's subordinate ids (its app's, made in a user namespace with a range):
     * the caller is root over them in a user namespace mapped as the app's was. */
    bool walked = false;
    struct sr_error ns = {0};
    if (sr_rmtree_userns(dfd, label, report, &walked, &ns) == 0) return 0;
    if (walked) {
      *err = ns;
      return sr_wrap(err, "in a user namespace with the caller's subordinate ids");
    }
    sr_error_format(&ns, why, sizeof why);
  }
  /* Named on the report: what is left now. */
  if (sr_rmtree_below(dfd, label, report, &denied, err) == 0) return 0;
  if (why[0]) {
    char left[SR_ERROR_MSG_MAX + 64];
    sr_error_format(err, left, sizeof left);
    return sr_fail(err, 0, "%s; and not removable in a user namespace with the caller's "
                   "subordinate ids: %s", left, why);
  }
  return -1;
}

int sr_rmtree_main(int argc, char **argv) {
  if (argc != 3 || argv[2][0] == '\0') {
    fputs("secure-run-launch: usage: secure-run-launch --remove-tree DIR\n", stderr);
    return 125;
  }
  const char *dir = argv[2];
  char path[PATH_MAX];
  size_t len = strlen(dir);
  if (len >= sizeof path) {
    fprintf(stderr, "secure-run-launch: --remove-tree `%s`: %s\n", dir, strerror(ENAMETOOLONG));
    return 125;
  }
  memcpy(path, dir, len + 1);
  /* A trailing slash would make the kernel follow a final symbolic link despite O_NOFOLLOW. */
  while (len > 1 && path[len - 1] == '/') path[--len] = '\0';
  char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  const char *parent_path = slash == NULL ? "." : slash == path ? "/" : path;
  if (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
    fprintf(stderr, "secure-run-launch: --remove-tree `%s`: expected the path of a directory\n",
            dir);
    return 125;
  }
  if (slash && slash != path) *slash = '\0';
  sr_autoclose int parent = open(parent_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (parent < 0) {
    if (errno == ENOENT) return 0;
    fprintf(stderr, "secure-run-launch: --remove-tree `%s`: open its parent `%s`: %s\n", dir,
            parent_path, strerror(errno));
    return 125;
  }
  struct stat st;
  if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return 0;
    fprintf(stderr, "secure-run-launch: --remove-tree `%s`: %s\n", dir, strerror(errno));
    return 1;
  }
  if (!S_ISDIR(st.st_mode)) { /* a file or a link: unlinked, never followed */
    if (unlinkat(parent, base, 0) < 0 && errno != ENOENT) {
      fprintf(stderr, "secure-run-launch: --remove-tree `%s`: unlink: %s\n", dir, strerror(errno));
      return 1;
    }
    return 0;
  }
  sr_autoclose int fd =
      openat(parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  struct stat self, up;
  uint64_t mnt = 0, parent_mnt = 0;
  if (fd < 0 || fstat(fd, &self) < 0 || fstat(parent, &up) < 0 || mount_id(fd, &mnt) < 0 ||
      mount_id(parent, &parent_mnt) < 0) {
    fprintf(stderr, "secure-run-launch: --remove-tree `%s`: %s\n", dir, strerror(errno));
    return 1;
  }
  if (self.st_dev != up.st_dev || mnt != parent_mnt) {
    fprintf(stderr, "secure-run-launch: --remove-tree `%s` is a mount point: refused\n", dir);
    return 1;
  }
  struct sr_error err = {0};
  if (sr_rmtree(fd, dir, stderr, &err) < 0) {
    char msg[SR_ERROR_MSG_MAX + 128];
    sr_error_format(&err, msg, sizeof msg);
    fprintf(stderr, "secure-run-launch: --remove-tree: %s\n", msg);
    return 1;
  }
  /* DIR itself, if the name is still the directory emptied. */
  struct stat now;
  if (fstatat(parent, base, &now, AT_SYMLINK_NOFOLLOW) < 0) return errno == ENOENT ? 0 : 1;
  if (now.st_dev != self.st_dev || now.st_ino != self.st_ino) {
    fprintf(stderr,
            "secure-run-launch: --remove-tree `%s` was replaced while it was removed: the new one "
            "is left\n",
            dir);
    return 1;
  }
  if (unlinkat(parent, base, AT_REMOVEDIR) < 0 && errno != ENOENT) {
    fprintf(stderr, "secure-run-launch: --remove-tree `%s`: rmdir: %s\n", dir, strerror(errno));
    return 1;
  }
  return 0;
}
