#define _GNU_SOURCE
#include "spawn.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nethook.h"

/* The map as the kernel reads it: "IN OUT COUNT\n" lines. */
static int format_map(const struct sr_id_map *map, size_t n, char *buf, size_t size) {
  size_t len = 0;
  for (size_t i = 0; i < n && len < size; i++)
    len += (size_t)snprintf(buf + len, size - len, "%u %u %u\n", map[i].inside, map[i].outside,
                            map[i].count);
  return len < size ? (int)len : -1;
}

static int write_file(pid_t pid, const char *file, const char *data, size_t len,
                      struct sr_error *err) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
  sr_autoclose int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return sr_fail(err, errno, "open `%s`", path);
  ssize_t w = write(fd, data, len);
  if (w < 0 || (size_t)w != len) return sr_fail(err, w < 0 ? errno : EIO, "write `%s`", path);
  return 0;
}

/* Whether an unprivileged caller may write the map itself: one id, its own (the kernel's rule
 * for a writer without CAP_SETUID/CAP_SETGID over the parent namespace). */
static bool own_id_only(const struct sr_id_map *map, size_t n, unsigned int self) {
  return n == 1 && map[0].count == 1 && map[0].outside == self;
}

/* newuidmap/newgidmap at their fixed place (never the caller's PATH), as Podman uses them. */
static const char *const id_helpers[2] = {"/usr/bin/newuidmap", "/usr/bin/newgidmap"};
static const char *const sub_files[2] = {"/etc/subuid", "/etc/subgid"};

/* The ranges `file` (/etc/subuid or /etc/subgid: "NAME-OR-NUMBER:START:COUNT" lines) grants the
 * caller, by name or number, laid out inside one after the other from `first` on: at most max, in
 * the file's order. Returns how many; a line that is not a valid range is passed over (newuidmap
 * would refuse it too), as are ranges past the largest id inside. */
static size_t sub_ranges(const char *file, const char *name, unsigned int id, uint32_t first,
                         struct sr_id_map *out, size_t max) {
  sr_autofclose FILE *f = fopen(file, "re");
  if (f == NULL) return 0;
  char line[512], num[16];
  snprintf(num, sizeof num, "%u", id);
  size_t n = 0;
  uint64_t inside = first;
  while (n < max && fgets(line, sizeof line, f)) {
    char *colon = strchr(line, ':');
    if (colon == NULL) continue;
    *colon = '\0';
    if (!((name && strcmp(line, name) == 0) || strcmp(line, num) == 0)) continue;
    char *end = NULL, *p = colon + 1;
    if (*p < '0' || *p > '9') continue;
    unsigned long long start = strtoull(p, &end, 10);
    if (*end != ':' || end[1] < '0' || end[1] > '9') continue;
    p = end + 1;
    unsigned long long count = strtoull(p, &end, 10);
    while (*end == ' ' || *end == '\t' || *end == '\r') end++;
    if ((*end != '\n' && *end != '\0') || count == 0 || start > UINT32_MAX ||
        count > UINT32_MAX || start + count > UINT32_MAX || inside + count > UINT32_MAX)
      continue;
    out[n++] = (struct sr_id_map){(uint32_t)inside, (uint32_t)start, (uint32_t)count};
    inside += count;
  }
  return n;
}

/* Whether `file` grants the caller (by name or number) a range. */
static bool has_sub_range(const char *file, const char *name, unsigned int id) {
  struct sr_id_map one;
  return sub_ranges(file, name, id, 0, &one, 1) > 0;
}

/* The caller's name from /etc/passwd (the launcher is linked statically: no NSS), or NULL; a
 * range in /etc/subuid may name the user or its number. */
static const char *user_name(uid_t uid, char *out, size_t size) {
  sr_autofclose FILE *f = fopen("/etc/passwd", "re");
  if (f == NULL) return NULL;
  char line[1024];
  while (fgets(line, sizeof line, f)) {
    char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (c2 == NULL || (size_t)(c1 - line) >= size) continue;
    char *end = NULL;
    unsigned long id = strtoul(c2 + 1, &end, 10);
    if (end == c2 + 1 || *end != ':' || id != (unsigned long)uid) continue;
    snprintf(out, size, "%.*s", (int)(c1 - line), line);
    return out;
  }
  return NULL;
}

/* Runs the helper: HELPER PID IN OUT COUNT…; it checks the ranges against /etc/sub?id. */
static int run_helper(const char *helper, pid_t pid, const struct sr_id_map *map, size_t n,
                      struct sr_error *err) {
  char nums[SR_MAX_ID_MAPS * 3 + 1][16];
  char *argv[SR_MAX_ID_MAPS * 3 + 3];
  size_t k = 0;
  argv[k] = (char *)helper;
  k++;
  snprintf(nums[0], sizeof nums[0], "%d", (int)pid);
  argv[k++] = nums[0];
  for (size_t i = 0; i < n; i++) {
    uint32_t v[3] = {map[i].inside, map[i].outside, map[i].count};
    for (size_t j = 0; j < 3; j++) {
      snprintf(nums[1 + 3 * i + j], sizeof nums[0], "%u", v[j]);
      argv[k++] = nums[1 + 3 * i + j];
    }
  }
  argv[k] = NULL;
  char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
  pid_t child = fork();
  if (child < 0) return sr_fail(err, errno, "fork for %s", helper);
  if (child == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(helper, argv, envp);
    _exit(127);
  }
  int status;
  while (waitpid(child, &status, 0) < 0)
    if (errno != EINTR) return sr_fail(err, errno, "wait for %s", helper);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return sr_fail(err, 0, "%s %s failed (exit %d): see its message above", helper, nums[0],
                   WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return 0;
}

/* Root writes the maps as given. An unprivileged caller writes them itself when each is its own
 * id alone (with setgroups denied first, as the kernel requires); any other map goes through
 * newuidmap and newgidmap with the caller's ranges in /etc/subuid and /etc/subgid, or is
 * refused, naming what is missing. */
int sr_write_id_maps(pid_t pid, const struct sr_id_map *uid_map, size_t nuid_map,
                     const struct sr_id_map *gid_map, size_t ngid_map, struct sr_error *err) {
  char buf[SR_MAX_ID_MAPS * 40];
  const struct {
    const char *file;
    const struct sr_id_map *map;
    size_t n;
    unsigned int self;
  } maps[2] = {{"uid_map", uid_map, nuid_map, geteuid()},
               {"gid_map", gid_map, ngid_map, getegid()}};
  bool privileged = geteuid() == 0;
  bool alone = own_id_only(maps[0].map, maps[0].n, maps[0].self) &&
               own_id_only(maps[1].map, maps[1].n, maps[1].self);
  if (privileged || alone) {
    if (!privileged && write_file(pid, "setgroups", "deny", 4, err) < 0) return -1;
    for (size_t m = 0; m < 2; m++) {
      int len = format_map(maps[m].map, maps[m].n, buf, sizeof buf);
      if (len < 0) return sr_fail(err, E2BIG, "%s too long", maps[m].file);
      if (write_file(pid, maps[m].file, buf, (size_t)len, err) < 0) return -1;
    }
    return 0;
  }
  char user[256];
  const char *name = user_name(geteuid(), user, sizeof user);
  char missing[512] = "";
  size_t ml = 0;
  for (size_t m = 0; m < 2; m++) {
    if (access(id_helpers[m], X_OK) < 0)
      ml += (size_t)snprintf(missing + ml, sizeof missing - ml, "%s%s (package uidmap)",
                             ml ? ", " : "", id_helpers[m]);
    else if (!has_sub_range(sub_files[m], name, maps[m].self))
      ml += (size_t)snprintf(missing + ml, sizeof missing - ml, "%sa range for %s%s%u in %s",
                             ml ? ", " : "", name ? name : "", name ? " / " : "uid ",
                             maps[m].self, sub_files[m]);
    if (ml >= sizeof missing) break;
  }
  if (missing[0]) {
    format_map(maps[0].map, maps[0].n, buf, sizeof buf);
    buf[strcspn(buf, "\n")] = '\0';
    return sr_fail(err, EPERM,
                   "the user namespace's map (uid %s%s) is more than an unprivileged caller (uid "
                   "%u, gid %u) may write alone, its own id: it needs %s; or launch with "
                   "--map-caller",
                   buf, maps[0].n > 1 ? " …" : "", maps[0].self, maps[1].self, missing);
  }
  for (size_t m = 0; m < 2; m++)
    if (run_helper(id_helpers[m], pid, maps[m].map, maps[m].n, err) < 0) return -1;
  return 0;
}

int sr_caller_range_maps(struct sr_id_map *uid_map, size_t *nuid_map, struct sr_id_map *gid_map,
                         size_t *ngid_map, struct sr_error *err) {
  char user[256];
  const char *name = user_name(geteuid(), user, sizeof user);
  struct sr_id_map *maps[2] = {uid_map, gid_map};
  size_t *counts[2] = {nuid_map, ngid_map};
  unsigned int self[2] = {geteuid(), getegid()};
  for (size_t m = 0; m < 2; m++) {
    if (access(id_helpers[m], X_OK) < 0)
      return sr_fail(err, errno, "%s (package uidmap), which maps the subordinate ids",
                     id_helpers[m]);
    maps[m][0] = (struct sr_id_map){0, self[m], 1};
    size_t n = sub_ranges(sub_files[m], name, self[m], 1, maps[m] + 1, SR_MAX_ID_MAPS - 1);
    if (n == 0)
      return sr_fail(err, 0, "no subordinate range for %s%s%u in %s", name ? name : "",
                     name ? " / " : "uid ", self[m], sub_files[m]);
    *counts[m] = 1 + n;
  }
  return 0;
}

/* The cgroup v1 `tasks` files init joins by itself; closed by the supervisor once init has its
 * copies. */
static void close_tasks(struct sr_channels *ch) {
  for (size_t i = 0; i < ch->ncg_tasks; i++) close(ch->cg_tasks[i]);
  ch->ncg_tasks = 0;
}

static int open_tasks(const struct sr_cgroup *cg, struct sr_channels *ch, struct sr_error *err) {
  if (cg->driver == NULL || strcmp(cg->driver->name, "v1") != 0) return 0;
  for (size_t i = 0; i < cg->ndirs; i++) {
    char path[PATH_MAX + 8];
    snprintf(path, sizeof path, "%s/tasks", cg->dirs[i]);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return sr_fail(err, errno, "open `%s`", path);
    ch->cg_tasks[ch->ncg_tasks++] = fd;
  }
  return 0;
}

static int release_init(int sync, const char *what, struct sr_error *err) {
  if (write(sync, what, 1) != 1) return sr_fail(err, errno, "releasing init");
  return 0;
}

void sr_spawn_close(struct sr_spawn *sp) {
  sr_cleanup_child(&sp->init);
  sp->init = -1;
  sr_close(sp->msg);
  sr_close(sp->release);
  sr_close(sp->exec);
  if (sp->net_pid > 0) {
    struct sr_error err = {0};
    if (sr_net_hook(sp->net_hook, sp->net_hook_config, "del", sp->net_pid, &sp->net_ns, &err) < 0) {
      char msg[sizeof err.msg + 64];
      sr_error_format(&err, msg, sizeof msg);
      fprintf(stderr, "secure-run-launch: network cleanup: %s\n", msg);
    }
    sp->net_pid = -1;
  }
  sr_net_ns_close(&sp->net_ns);
}

int sr_spawn_init(const struct sr_config *cfg, const struct sr_bpf_prog *bpf, struct sr_cgroup *cg,
                  int sfd, bool want_release, struct sr_spawn *sp, const char **placement,
                  const char **step, struct sr_error *err) {
  /* The child's ends stay here only until the clone. */
  sr_autoclose int child_msg = -1, child_sync = -1, child_release = -1, child_exec = -1, sync = -1;
  int p[2], one = 1;
  *step = "setup";
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p) < 0)
    return sr_fail(err, errno, "signalfd, socketpair or pipe");
  sp->msg = p[0];
  child_msg = p[1];
  if (pipe2(p, O_CLOEXEC) < 0) return sr_fail(err, errno, "signalfd, socketpair or pipe");
  child_sync = p[0];
  sync = p[1];
  if (want_release) {
    if (pipe2(p, O_CLOEXEC) < 0) return sr_fail(err, errno, "signalfd, socketpair or pipe");
    child_release = p[0];
    sp->release = p[1];
  }
  if (cfg->instance_dir) {
    if (pipe2(p, O_CLOEXEC) < 0) return sr_fail(err, errno, "signalfd, socketpair or pipe");
    sp->exec = p[0];
    child_exec = p[1];
  }
  if (setsockopt(sp->msg, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0)
    return sr_fail(err, errno, "signalfd, socketpair or pipe");

  /* cgroup v2: born in its cgroup (clone3 with CLONE_INTO_CGROUP, Linux 5.7), no migration;
   * v1: init joins by itself through the `tasks` files opened here (see sr_init_main); else
   * (an older kernel) moved there right after the clone. */
  *step = "cgroup";
  __attribute__((cleanup(close_tasks))) struct sr_channels ch = {
      .msg = -1, .sync = -1, .explain = -1, .exec = -1};
  if (open_tasks(cg, &ch, err) < 0) return -1;
  bool placed = false;
  sr_autoclose int cgfd = cg->driver && strcmp(cg->driver->name, "v2") == 0
                              ? open(cg->dirs[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                              : -1;
  if (cgfd >= 0) {
    struct clone_args ca;
    memset(&ca, 0, sizeof ca);
    ca.flags = (uint64_t)cfg->clone_flags | CLONE_INTO_CGROUP;
    ca.exit_signal = SIGCHLD;
    ca.cgroup = (uint64_t)cgfd;
    sp->init = (pid_t)syscall(SYS_clone3, &ca, sizeof ca);
    placed = sp->init >= 0;
    if (placed) *placement = "clone";
    if (sp->init != 0) sr_close(cgfd);
  }
  if (!placed) {
    sp->init = (pid_t)syscall(SYS_clone, (unsigned long)(cfg->clone_flags | SIGCHLD), NULL, NULL,
                              NULL, NULL);
    placed = ch.ncg_tasks > 0;
    if (placed) *placement = "joined";
  }
  int clone_errno = errno;
  if (sp->init == 0) {
    /* init: only its own ends stay open. */
    sr_close(cgfd);
    sr_close(sp->msg);
    sr_close(sync);
    sr_close(sp->release);
    sr_close(sp->exec);
    close(sfd);
    if (cfg->report_fd >= 0) close(cfg->report_fd);
    if (cfg->trace_fd >= 0) close(cfg->trace_fd);
    ch.msg = child_msg;
    ch.sync = child_sync;
    ch.explain = child_release;
    ch.exec = child_exec;
    sr_init_main(cfg, bpf, &ch);
  }
  close_tasks(&ch); /* init has its own copies */
  *step = "clone";
  if (sp->init < 0) return sr_fail(err, clone_errno, "clone into new namespaces");
  sr_close(child_msg);
  sr_close(child_sync);
  sr_close(child_release);
  sr_close(child_exec);
  /* Its namespaces for the network hook, while init is still dumpable (nethook.h). */
  *step = "network";
  if (cfg->net_hook && sr_net_ns_open(sp->init, &sp->net_ns, err) < 0) return -1;

  /* Its ids, then into the cgroup, before it runs anything of the app's. */
  *step = "user namespace";
  if ((cfg->clone_flags & CLONE_NEWUSER) &&
      sr_write_id_maps(sp->init, cfg->uid_map, cfg->nuid_map, cfg->gid_map, cfg->ngid_map, err) < 0)
    return -1;
  *step = "sync";
  if (release_init(sync, "m", err) < 0) return -1;
  if (!placed && cg->driver) *placement = "moved";
  *step = "cgroup";
  if (!placed && cg->driver && cg->driver->add(cg, sp->init, err) < 0) return -1;
  /* Its network, once its namespace exists and before anything of the app's runs in it. */
  if (cfg->net_hook) {
    *step = "network";
    sp->net_hook = cfg->net_hook;
    sp->net_hook_config = cfg->net_hook_config;
    sp->net_pid = sp->init;
    if (sr_net_hook(cfg->net_hook, cfg->net_hook_config, "add", sp->init, &sp->net_ns, err) < 0)
      return -1;
    /* The hook leaves the ruleset in CONFIG.nft: loaded here, where the namespaces can be
     * joined (nethook.h). */
    char rules[PATH_MAX];
    int n = snprintf(rules, sizeof rules, "%s.nft", cfg->net_hook_config);
    if (n < 0 || (size_t)n >= sizeof rules) return sr_fail(err, ENAMETOOLONG, "--net-hook configuration");
    int rc = sr_net_rules(&sp->net_ns, rules, (cfg->clone_flags & CLONE_NEWUSER) && geteuid() != 0, err);
    unlink(rules);
    if (rc < 0) return -1;
  }
  *step = "sync";
  if (release_init(sync, "g", err) < 0) return -1;
  return 0;
}
