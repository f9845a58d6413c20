#define _GNU_SOURCE
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* One line of /proc/self/mountinfo that is a cgroup file system. */
struct cg_mount {
  char root[PATH_MAX];
  char point[PATH_MAX];
  char opts[256];
  bool v2;
};

static bool has_word(const char *list, const char *word) {
  size_t n = strlen(word);
  for (const char *p = list; (p = strstr(p, word)) != NULL; p += n) {
    bool start = p == list || p[-1] == ',';
    bool end = p[n] == '\0' || p[n] == ',';
    if (start && end) return true;
  }
  return false;
}

/* Finds the mount of the v1 hierarchy with `controller`, or the v2 mount when controller is
 * NULL. mountinfo: id parent major:minor root point opts [optional…] - fstype source superopts */
static int find_mount(const char *controller, struct cg_mount *out) {
  sr_autofclose FILE *f = fopen("/proc/self/mountinfo", "re");
  if (f == NULL) return -1;
  sr_autofree char *line = NULL;
  size_t cap = 0;
  int found = -1;
  while (found < 0 && getline(&line, &cap, f) > 0) {
    char *sep = strstr(line, " - ");
    if (sep == NULL) continue;
    char fstype[32], source[64], super[256];
    if (sscanf(sep + 3, "%31s %63s %255s", fstype, source, super) != 3) continue;
    bool v2 = strcmp(fstype, "cgroup2") == 0;
    if (!v2 && strcmp(fstype, "cgroup") != 0) continue;
    if ((controller == NULL) != v2) continue;
    if (controller != NULL && !has_word(super, controller)) continue;
    if (sscanf(line, "%*s %*s %*s %4095s %4095s", out->root, out->point) != 2) continue;
    snprintf(out->opts, sizeof out->opts, "%s", super);
    out->v2 = v2;
    found = 0;
  }
  return found;
}

/* The own cgroup path in the hierarchy with `controller` (v2 when NULL), from /proc/self/cgroup
 * lines "id:controllers:path". */
static int own_path(const char *controller, char *out, size_t size) {
  sr_autofclose FILE *f = fopen("/proc/self/cgroup", "re");
  if (f == NULL) return -1;
  sr_autofree char *line = NULL;
  size_t cap = 0;
  int found = -1;
  while (found < 0 && getline(&line, &cap, f) > 0) {
    line[strcspn(line, "\n")] = '\0';
    char *c1 = strchr(line, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 == NULL) continue;
    *c1 = '\0';
    *c2 = '\0';
    const char *ctrls = c1 + 1;
    bool match = controller == NULL ? (strcmp(line, "0") == 0 && *ctrls == '\0')
                                    : has_word(ctrls, controller);
    if (match) {
      snprintf(out, size, "%s", c2 + 1);
      found = 0;
    }
  }
  return found;
}

/* dir = mount point + (own path with the mount's root removed) + parent + name */
static int child_dir(const struct cg_mount *m, const char *own, const char *parent,
                     const char *name, char *out, size_t size, struct sr_error *err) {
  size_t rl = strlen(m->root);
  const char *rel = own;
  if (strcmp(m->root, "/") != 0) {
    if (strncmp(own, m->root, rl) != 0 || (own[rl] != '/' && own[rl] != '\0'))
      return sr_fail(err, 0, "own cgroup %s is not below the mount's root %s", own, m->root);
    rel = own + rl;
  }
  int n = snprintf(out, size, "%s%s%s%s/%s", m->point, strcmp(rel, "/") == 0 ? "" : rel,
                   parent ? "/" : "", parent ? parent : "", name);
  if (n < 0 || (size_t)n >= size) return sr_fail(err, ENAMETOOLONG, "cgroup path");
  return 0;
}

static bool v2_has_controller(const struct cg_mount *m, const char *own, const char *ctrl) {
  char dir[PATH_MAX], buf[512] = {0};
  const char *rel = own + (strcmp(m->root, "/") == 0 ? 0 : strlen(m->root));
  int len = snprintf(dir, sizeof dir, "%s%s/cgroup.controllers", m->point, rel);
  if (len < 0 || (size_t)len >= sizeof dir) return false;
  sr_autoclose int fd = open(dir, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  if (n <= 0) return false;
  buf[strcspn(buf, "\n")] = '\0';
  for (char *p = buf; *p; p++)
    if (*p == ' ') *p = ',';
  return has_word(buf, ctrl);
}

int sr_cgroup_prepare(struct sr_cgroup *cg, const char *name, const char *parent,
                      const struct sr_cgroup_limits *lim, struct sr_error *err) {
  memset(cg, 0, sizeof *cg);
  const char *needed[3];
  size_t nneeded = 0;
  if (lim->memory_max >= 0) needed[nneeded++] = "memory";
  if (lim->pids_max >= 0) needed[nneeded++] = "pids";
  if (lim->cpu_quota >= 0) needed[nneeded++] = "cpu";

  /* v1 when every needed controller has a v1 hierarchy, v2 when the unified hierarchy offers
   * them all; a controller on neither is an error (fail closed). */
  size_t on_v1 = 0;
  struct cg_mount m;
  char own[PATH_MAX];
  for (size_t i = 0; i < nneeded; i++)
    if (find_mount(needed[i], &m) == 0) on_v1++;
  if (nneeded > 0 && on_v1 == nneeded) {
    cg->driver = &sr_cgroup_v1;
    for (size_t i = 0; i < nneeded; i++) {
      if (find_mount(needed[i], &m) < 0 || own_path(needed[i], own, sizeof own) < 0)
        return sr_fail(err, 0, "cannot find the own %s cgroup", needed[i]);
      if (child_dir(&m, own, parent, name, cg->dirs[cg->ndirs], PATH_MAX, err) < 0) return -1;
      snprintf(cg->controllers[cg->ndirs], sizeof cg->controllers[0], "%s", needed[i]);
      cg->ndirs++;
    }
    /* No freezer is no error: the instance cannot be paused, which the CLI says. */
    char parent_dir[PATH_MAX];
    struct sr_error ferr = {0};
    if (lim->freezer && find_mount("freezer", &m) == 0 && own_path("freezer", own, sizeof own) == 0 &&
        child_dir(&m, own, parent, name, cg->dirs[cg->ndirs], PATH_MAX, &ferr) == 0) {
      snprintf(parent_dir, sizeof parent_dir, "%s", cg->dirs[cg->ndirs]);
      *strrchr(parent_dir, '/') = '\0';
      if (access(parent_dir, W_OK) == 0) {
        snprintf(cg->controllers[cg->ndirs], sizeof cg->controllers[0], "freezer");
        cg->ndirs++;
      }
    }
    return 0;
  }
  if (find_mount(NULL, &m) == 0 && own_path(NULL, own, sizeof own) == 0) {
    for (size_t i = 0; i < nneeded; i++)
      if (!v2_has_controller(&m, own, needed[i]))
        return sr_fail(err, 0,
                       "the %s controller is available neither on a cgroup v1 hierarchy nor "
                       "in the own cgroup v2 (%s%s)",
                       needed[i], m.point, own);
    cg->driver = &sr_cgroup_v2;
    if (child_dir(&m, own, parent, name, cg->dirs[0], PATH_MAX, err) < 0) return -1;
    cg->ndirs = 1;
    return 0;
  }
  if (nneeded == 0) return 0; /* no limits: no cgroup */
  return sr_fail(err, 0, "no cgroup hierarchy offers the %s controller", needed[0]);
}

int sr_cg_write(const char *dir, const char *file, const char *value, struct sr_error *err) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    sr_fail(err, e, "open `%s`", path);
    errno = e;
    return -1;
  }
  size_t len = strlen(value);
  ssize_t n = write(fd, value, len);
  int e = errno;
  close(fd);
  if (n < 0 || (size_t)n != len) {
    sr_fail(err, n < 0 ? e : EIO, "write `%s` to `%s`", value, path);
    errno = n < 0 ? e : EIO; /* callers may look at it */
    return -1;
  }
  return 0;
}

static ssize_t read_file(const char *dir, const char *file, char *buf, size_t size) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, size - 1);
  close(fd);
  if (n < 0) return -1;
  buf[n] = '\0';
  return n;
}

int sr_cg_read_i64(const char *dir, const char *file, int64_t *out) {
  char buf[64];
  if (read_file(dir, file, buf, sizeof buf) <= 0) return -1;
  char *end = NULL;
  long long v = strtoll(buf, &end, 10);
  if (end == buf) return -1;
  *out = v;
  return 0;
}

int64_t sr_cg_read_key(const char *dir, const char *file, const char *key) {
  char buf[4096];
  if (read_file(dir, file, buf, sizeof buf) <= 0) return -1;
  size_t kl = strlen(key);
  for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
    if (strncmp(line, key, kl) == 0 && line[kl] == ' ') return strtoll(line + kl + 1, NULL, 10);
  return -1;
}

/* Kills what is left in the cgroup (v1, which has no cgroup.kill; on v2 its cgroup.kill came
 * first). A pid read from cgroup.procs may have ended and been reused by the time it is
 * signalled: each is pinned with a pidfd first and signalled only if cgroup.procs still lists
 * it once pinned (then the pinned process is the one in this cgroup). */
static bool lists_pid(const char *buf, long want) {
  for (const char *p = buf; *p;) {
    char *end = NULL;
    long pid = strtol(p, &end, 10);
    if (end == p) return false;
    if (pid == want) return true;
    p = end;
    while (*p == '\n') p++;
  }
  return false;
}

static void kill_procs(const char *dir) {
  char buf[8192], again[8192];
  if (read_file(dir, "cgroup.procs", buf, sizeof buf) <= 0) return;
  for (char *p = buf; *p;) {
    char *end = NULL;
    long pid = strtol(p, &end, 10);
    if (end == p) break;
    p = end;
    while (*p == '\n') p++;
    if (pid <= 0) continue;
    int pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
    if (pidfd < 0) continue; /* gone already */
    if (read_file(dir, "cgroup.procs", again, sizeof again) > 0 && lists_pid(again, pid))
      (void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
    close(pidfd);
  }
}

int sr_cg_remove(const char *dir, struct sr_error *err) {
  /* Processes of a dead pid namespace leave the cgroup a moment after its init is reaped. */
  for (int attempt = 0; attempt < 2000; attempt++) {
    if (rmdir(dir) == 0 || errno == ENOENT) return 0;
    if (errno != EBUSY) return sr_fail(err, errno, "rmdir `%s`", dir);
    if (attempt % 50 == 10) kill_procs(dir);
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  return sr_fail(err, EBUSY, "rmdir `%s` (still busy after 2 s)", dir);
}
