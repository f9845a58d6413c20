#define _GNU_SOURCE
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int write_id_maps(pid_t pid, const struct sr_config *cfg, struct sr_error *err) {
  char path[64], buf[SR_MAX_ID_MAPS * 40];
  struct {
    const char *file;
    const struct sr_id_map *map;
    size_t n;
  } maps[] = {{"uid_map", cfg->uid_map, cfg->nuid_map}, {"gid_map", cfg->gid_map, cfg->ngid_map}};
  if (geteuid() != 0) {
    snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid);
    sr_autoclose int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "deny", 4) != 4) return sr_fail(err, errno, "write `%s`", path);
  }
  for (size_t m = 0; m < 2; m++) {
    size_t len = 0;
    for (size_t i = 0; i < maps[m].n; i++)
      len += (size_t)snprintf(buf + len, sizeof buf - len, "%u %u %u\n", maps[m].map[i].inside,
                              maps[m].map[i].outside, maps[m].map[i].count);
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, maps[m].file);
    sr_autoclose int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return sr_fail(err, errno, "open `%s`", path);
    ssize_t w = write(fd, buf, len);
    if (w < 0 || (size_t)w != len) return sr_fail(err, w < 0 ? errno : EIO, "write `%s`", path);
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
}

int sr_spawn_init(const struct sr_config *cfg, const struct sr_bpf_prog *bpf, struct sr_cgroup *cg,
                  int sfd, bool want_release, struct sr_spawn *sp, const char **placement,
                  const char **step, struct sr_error *err) {
  /* The child's ends stay here only until the clone. */
  sr_autoclose int child_msg = -1, child_sync = -1, child_release = -1, sync = -1;
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
  if (setsockopt(sp->msg, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0)
    return sr_fail(err, errno, "signalfd, socketpair or pipe");

  /* cgroup v2: born in its cgroup (clone3 with CLONE_INTO_CGROUP, Linux 5.7), no migration;
   * v1: init joins by itself through the `tasks` files opened here (see sr_init_main); else
   * (an older kernel) moved there right after the clone. */
  *step = "cgroup";
  __attribute__((cleanup(close_tasks))) struct sr_channels ch = {.msg = -1, .sync = -1, .explain = -1};
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
    close(sfd);
    if (cfg->report_fd >= 0) close(cfg->report_fd);
    if (cfg->trace_fd >= 0) close(cfg->trace_fd);
    ch.msg = child_msg;
    ch.sync = child_sync;
    ch.explain = child_release;
    sr_init_main(cfg, bpf, &ch);
  }
  close_tasks(&ch); /* init has its own copies */
  *step = "clone";
  if (sp->init < 0) return sr_fail(err, clone_errno, "clone into new namespaces");
  sr_close(child_msg);
  sr_close(child_sync);
  sr_close(child_release);

  /* Its ids, then into the cgroup, before it runs anything of the app's. */
  *step = "user namespace";
  if ((cfg->clone_flags & CLONE_NEWUSER) && write_id_maps(sp->init, cfg, err) < 0) return -1;
  *step = "sync";
  if (release_init(sync, "m", err) < 0) return -1;
  if (!placed && cg->driver) *placement = "moved";
  *step = "cgroup";
  if (!placed && cg->driver && cg->driver->add(cg, sp->init, err) < 0) return -1;
  *step = "sync";
  if (release_init(sync, "g", err) < 0) return -1;
  return 0;
}
