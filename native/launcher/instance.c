/* The supervisor of an instance, in this order: DIR checked and locked, a session of its own,
 * then runs of the app (supervisor.c) for as long as the restart policy says, each recorded in
 * state.json; at the end the final state, and DIR removed when asked. */
#define _GNU_SOURCE
#include "instance.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "rmtree.h"
#include "supervisor.h"

#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 10000
#define BACKOFF_RESET_MS 10000 /* a run this long starts the backoff over */
#define DRAIN_MS 2000          /* the most the output of a run is waited for after its init */

static int64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void iso_now(char out[40]) {
  struct timespec now;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &now);
  gmtime_r(&now.tv_sec, &tm);
  size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + n, 40 - n, ".%03ldZ", now.tv_nsec / 1000000);
}

/* Field 22 of /proc/self/stat: the start time in clock ticks since boot (with the boot id,
 * what tells this supervisor from a later process with the same pid). */
static long long own_start_time(void) {
  char buf[1024];
  sr_autoclose int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (n <= 0) return 0;
  buf[n] = '\0';
  char *p = strrchr(buf, ')'); /* the name (field 2) may hold anything but ends at the last ) */
  if (p == NULL) return 0;
  p++;
  for (int field = 3; field < 22 && p; field++) p = strchr(p + 1, ' ');
  return p ? strtoll(p + 1, NULL, 10) : 0;
}

static void read_boot_id(char *out, size_t size) {
  out[0] = '\0';
  sr_autoclose int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, out, size - 1);
  if (n <= 0) {
    out[0] = '\0';
    return;
  }
  out[n] = '\0';
  out[strcspn(out, "\n")] = '\0';
}

static void json_or_null(FILE *f, const char *s) {
  if (s[0])
    sr_json_string(f, s);
  else
    fputs("null", f);
}

/* Messages of the supervisor itself (a state it could not write, a log it could not keep):
 * on its standard error, which the CLI points where it keeps them. */
static void complain(const char *what, const struct sr_error *e) {
  char msg[SR_ERROR_MSG_MAX + 128];
  sr_error_format(e, msg, sizeof msg);
  fprintf(stderr, "secure-run-launch: instance: %s: %s\n", what, msg);
}

/* state.json, atomically: state.json.tmp (made anew, never a link), fsync, renameat. */
static int write_state(struct sr_instance *in, struct sr_error *err) {
  sr_autofree char *buf = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&buf, &size);
  if (f == NULL) return sr_fail(err, errno, "state.json: open_memstream");
  fprintf(f, "{\"version\":1,\"status\":\"%s\",\"supervisorPid\":%d,\"supervisorStart\":%lld,",
          in->status, (int)in->supervisor_pid, in->supervisor_start);
  fputs("\"bootId\":", f);
  sr_json_string(f, in->boot_id);
  fprintf(f, ",\"initPid\":%d,\"appPid\":%d,\"cgroup\":", (int)in->init_pid, (int)in->app_pid);
  if (in->cg_driver) {
    fprintf(f, "{\"driver\":\"%s\",\"dirs\":{", in->cg_driver);
    for (size_t i = 0; i < in->ncg; i++) {
      if (i) fputc(',', f);
      sr_json_string(f, in->cg_keys[i]);
      fputc(':', f);
      sr_json_string(f, in->cg_dirs[i]);
    }
    fputs("}}", f);
  } else {
    fputs("null", f);
  }
  fprintf(f, ",\"restarts\":%lld,\"startedAt\":", in->restarts);
  json_or_null(f, in->started_at);
  fputs(",\"finishedAt\":", f);
  json_or_null(f, in->finished_at);
  if (in->has_exit)
    fprintf(f, ",\"exitCode\":%d", in->exit_code);
  else
    fputs(",\"exitCode\":null", f);
  if (in->has_exit && in->signal > 0)
    fprintf(f, ",\"signal\":%d", in->signal);
  else
    fputs(",\"signal\":null", f);
  fprintf(f, ",\"oomKilled\":%s,\"stopping\":%s,\"error\":", in->oom_killed ? "true" : "false",
          in->stopping ? "true" : "false");
  if (in->has_error) {
    fputs("{\"step\":", f);
    sr_json_string(f, in->error_step);
    fputs(",\"message\":", f);
    sr_json_string(f, in->error_msg);
    fputc('}', f);
  } else {
    fputs("null", f);
  }
  fputs(",\"refused\":", f);
  if (in->has_refused)
    sr_refusals_json(f, &in->refused, in->cfg->fixes);
  else
    fputs("null", f);
  fputs("}\n", f);
  if (fclose(f) != 0) return sr_fail(err, ENOMEM, "state.json: formatting");

  if (unlinkat(in->dirfd, "state.json.tmp", 0) < 0 && errno != ENOENT)
    return sr_fail(err, errno, "remove a stale `state.json.tmp`");
  sr_autoclose int fd = openat(in->dirfd, "state.json.tmp",
                               O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return sr_fail(err, errno, "create `state.json.tmp`");
  if (sr_write_all(fd, buf, size) < 0) return sr_fail(err, errno, "write `state.json.tmp`");
  if (fsync(fd) < 0) return sr_fail(err, errno, "fsync `state.json.tmp`");
  if (renameat(in->dirfd, "state.json.tmp", in->dirfd, "state.json") < 0)
    return sr_fail(err, errno, "rename `state.json.tmp` to `state.json`");
  return 0;
}

static void save_state(struct sr_instance *in) {
  struct sr_error err = {0};
  if (write_state(in, &err) < 0) complain("state.json", &err);
}

static void set_error(struct sr_instance *in, const char *step, const struct sr_error *e) {
  in->has_error = true;
  snprintf(in->error_step, sizeof in->error_step, "%s", step);
  sr_error_format(e, in->error_msg, sizeof in->error_msg);
}

/* The one line on --ready-fd, then the descriptor is closed. */
static void send_ready(struct sr_instance *in, bool running, int exit_code, const char *step,
                       const char *message) {
  struct sr_config *cfg = in->cfg;
  in->ready_sent = true;
  if (cfg->ready_fd < 0) return;
  sr_autofree char *buf = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&buf, &size);
  if (f != NULL) {
    if (running) {
      fprintf(f, "{\"status\":\"running\",\"supervisorPid\":%d,\"initPid\":%d}\n", (int)getpid(),
              (int)in->init_pid);
    } else {
      fprintf(f, "{\"status\":\"failed\",\"exitCode\":%d,\"step\":", exit_code);
      sr_json_string(f, step);
      fputs(",\"message\":", f);
      sr_json_string(f, message);
      fputs("}\n", f);
    }
    if (fclose(f) == 0) (void)sr_write_all(cfg->ready_fd, buf, size); /* the caller may be gone */
  }
  sr_close(cfg->ready_fd);
}

static void send_ready_error(struct sr_instance *in, int exit_code, const char *step,
                             const struct sr_error *e) {
  char msg[SR_ERROR_MSG_MAX + 128];
  sr_error_format(e, msg, sizeof msg);
  send_ready(in, false, exit_code, step, msg);
}

/* DIR: a directory (not a link to one) of the caller's alone; then its lock. */
static int open_instance(struct sr_instance *in, struct sr_error *err) {
  const char *dir = in->cfg->instance_dir;
  char path[PATH_MAX];
  size_t len = strlen(dir);
  if (len >= sizeof path) return sr_fail(err, ENAMETOOLONG, "--instance `%s`", dir);
  memcpy(path, dir, len + 1);
  /* A trailing slash would make the kernel follow a final symbolic link despite O_NOFOLLOW. */
  while (len > 1 && path[len - 1] == '/') path[--len] = '\0';
  const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  if (strlen(base) >= sizeof in->id || strcmp(base, ".") == 0 || strcmp(base, "..") == 0 ||
      base[0] == '\0')
    return sr_fail(err, EINVAL, "--instance `%s`: expected the path of an instance directory", dir);
  memcpy(in->id, base, strlen(base) + 1);
  in->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (in->dirfd < 0) {
    int e = errno;
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
      return sr_fail(err, ELOOP, "--instance `%s` is a symbolic link: refused (give the directory)",
                     dir);
    return sr_fail(err, e, "--instance `%s`", dir);
  }
  struct stat st;
  if (fstat(in->dirfd, &st) < 0) return sr_fail(err, errno, "fstat --instance `%s`", dir);
  if (st.st_uid != geteuid())
    return sr_fail(err, EPERM,
                   "--instance `%s` is owned by uid %u, not by the caller (uid %u): refused (an "
                   "instance directory is its user's alone)",
                   dir, (unsigned)st.st_uid, (unsigned)geteuid());
  if (st.st_mode & 022)
    return sr_fail(err, EPERM,
                   "--instance `%s` is writable by its group or others (mode %04o): refused "
                   "(expected 0700: chmod 700 it)",
                   dir, (unsigned)(st.st_mode & 07777));
  in->lockfd = openat(in->dirfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (in->lockfd < 0) return sr_fail(err, errno, "open `%s/lock`", dir);
  if (fstat(in->lockfd, &st) < 0) return sr_fail(err, errno, "fstat `%s/lock`", dir);
  if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
    return sr_fail(err, EPERM, "`%s/lock` is not a regular file of uid %u: refused", dir,
                   (unsigned)geteuid());
  if (flock(in->lockfd, LOCK_EX | LOCK_NB) < 0) {
    if (errno == EWOULDBLOCK)
      return sr_fail(err, EBUSY, "instance is already running: another supervisor holds `%s/lock`",
                     dir);
    return sr_fail(err, errno, "flock `%s/lock`", dir);
  }
  /* The same file also carries an open-file-description write lock: the CLI asks whether it is
   * held with F_OFD_GETLK, which changes nothing (a probing flock would, for an instant: a
   * supervisor starting then would find its lock taken), and reads no /proc/locks (whose first
   * read in a process waits for an RCU grace period: milliseconds on every `ps`). */
  struct flock ofd = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
  if (fcntl(in->lockfd, F_OFD_SETLK, &ofd) < 0) {
    if (errno == EAGAIN || errno == EACCES)
      return sr_fail(err, EBUSY,
                     "instance is already running: another supervisor holds the OFD lock on "
                     "`%s/lock`",
                     dir);
    return sr_fail(err, errno, "fcntl(F_OFD_SETLK) `%s/lock`", dir);
  }
  return 0;
}

/* The app's cgroup thawed (v1 freezer, v2 cgroup.freeze), so that a paused app can take the
 * stop signal, or die at once. */
static void thaw(struct sr_instance *in) {
  for (size_t i = 0; i < in->ncg; i++) {
    if (strcmp(in->cg_keys[i], "freezer") == 0)
      (void)sr_cg_write(in->cg_dirs[i], "freezer.state", "THAWED", NULL);
    else if (strcmp(in->cg_keys[i], "unified") == 0)
      (void)sr_cg_write(in->cg_dirs[i], "cgroup.freeze", "0", NULL);
  }
}

int sr_instance_run_begin(struct sr_instance *in, struct sr_error *err) {
  struct sr_config *cfg = in->cfg;
  int out[2], errp[2];
  if (pipe2(out, O_CLOEXEC) < 0) return sr_fail(err, errno, "pipe for the app's stdout");
  if (pipe2(errp, O_CLOEXEC) < 0) {
    int e = errno;
    close(out[0]);
    close(out[1]);
    return sr_fail(err, e, "pipe for the app's stderr");
  }
  in->out_fd = out[0];
  in->err_fd = errp[0];
  (void)fcntl(in->out_fd, F_SETFL, O_NONBLOCK);
  (void)fcntl(in->err_fd, F_SETFL, O_NONBLOCK);
  cfg->app_stdio[0] = in->devnull;
  cfg->app_stdio[1] = out[1];
  cfg->app_stdio[2] = errp[1];
  cfg->app_stdio_set = true;
  size_t n = 0;
  int mine[] = {in->dirfd, in->lockfd, cfg->ready_fd, in->out_fd, in->err_fd, in->log.fd};
  for (size_t i = 0; i < sizeof mine / sizeof mine[0]; i++)
    if (mine[i] >= 0) cfg->supervisor_fds[n++] = mine[i];
  cfg->nsupervisor_fds = n;
  return 0;
}

void sr_instance_run_started(struct sr_instance *in, pid_t init, const struct sr_cgroup *cg) {
  struct sr_config *cfg = in->cfg;
  /* The write ends are the sandbox's alone now: the pipes end with it. */
  close(cfg->app_stdio[1]);
  close(cfg->app_stdio[2]);
  cfg->app_stdio_set = false;
  in->init_pid = init;
  in->ncg = 0;
  in->cg_driver = cg->driver ? cg->driver->name : NULL;
  for (size_t i = 0; cg->driver && i < cg->ndirs; i++) {
    snprintf(in->cg_keys[i], sizeof in->cg_keys[i], "%s",
             strcmp(cg->driver->name, "v2") == 0 ? "unified" : cg->controllers[i]);
    snprintf(in->cg_dirs[i], sizeof in->cg_dirs[i], "%s", cg->dirs[i]);
    in->ncg++;
  }
  save_state(in);
}

void sr_instance_on_app_pid(struct sr_instance *in, pid_t pid, pid_t init) {
  if (pid <= 0 || in->app_pidfd >= 0) return;
  /* Pinned first, then checked to be init's child: a pid reused in between would not be. */
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0) return;
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  sr_autoclose int sf = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n = sf < 0 ? -1 : read(sf, buf, sizeof buf - 1);
  char *p = n > 0 ? (buf[n] = '\0', strrchr(buf, ')')) : NULL;
  int ppid = 0;
  if (p == NULL || sscanf(p + 1, " %*c %d", &ppid) != 1 || ppid != init) {
    close(fd);
    return;
  }
  in->app_pidfd = fd;
  in->app_pid = pid;
  save_state(in);
}

void sr_instance_on_exec(struct sr_instance *in, const struct sr_report *rep) {
  if (sr_report_failed(rep)) return; /* reported with the run's end */
  in->status = "running";
  save_state(in);
  if (!in->ready_sent) send_ready(in, true, 0, NULL, NULL);
}

void sr_instance_signal(struct sr_instance *in, int sig, pid_t init) {
  if (sig == SIGTERM) {
    /* Stop: the app's stop signal to the app; no restart after. Before the app is there, the
     * start is ended. */
    in->stopping = true;
    save_state(in);
    thaw(in);
    if (in->app_pidfd >= 0)
      (void)syscall(SYS_pidfd_send_signal, in->app_pidfd, in->cfg->stop_signal, NULL, 0);
    else
      kill(init, SIGKILL);
  } else if (sig == SR_SIG_KILL) {
    /* Now: init, and with it the whole pid namespace. */
    in->stopping = true;
    save_state(in);
    thaw(in);
    kill(init, SIGKILL);
  } else if (sig == SIGHUP || sig == SIGINT || sig == SIGQUIT || sig == SIGUSR1 ||
             sig == SIGUSR2 || sig == SIGWINCH || sig == SIGCONT) {
    kill(init, sig); /* init passes it to the app */
  }
}

void sr_instance_read_log(struct sr_instance *in, enum sr_log_stream s) {
  int *fd = s == SR_LOG_STDOUT ? &in->out_fd : &in->err_fd;
  struct sr_error err = {0};
  int rc = sr_logger_read(&in->log, s, *fd, &err);
  if (rc < 0) {
    complain("log", &err);
    /* Keep reading, so that the app never blocks on a full pipe; what is read is lost. */
    char sink[65536];
    while (read(*fd, sink, sizeof sink) > 0) {
    }
    return;
  }
  if (rc == 0) {
    if (sr_logger_flush(&in->log, s, &err) < 0) complain("log", &err);
    sr_close(*fd);
  }
}

void sr_instance_run_end(struct sr_instance *in) {
  struct sr_config *cfg = in->cfg;
  if (cfg->app_stdio_set) { /* init never started */
    close(cfg->app_stdio[1]);
    close(cfg->app_stdio[2]);
    cfg->app_stdio_set = false;
  }
  int64_t deadline = now_ms() + DRAIN_MS;
  while (in->out_fd >= 0 || in->err_fd >= 0) {
    int64_t left = deadline - now_ms();
    if (left <= 0) break; /* something outside a pid namespace still holds them */
    struct pollfd fds[2] = {{in->out_fd, POLLIN, 0}, {in->err_fd, POLLIN, 0}};
    int n = poll(fds, 2, (int)left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    if (fds[0].revents) sr_instance_read_log(in, SR_LOG_STDOUT);
    if (fds[1].revents) sr_instance_read_log(in, SR_LOG_STDERR);
  }
  struct sr_error err = {0};
  for (int s = 0; s < 2; s++)
    if (sr_logger_flush(&in->log, (enum sr_log_stream)s, &err) < 0) complain("log", &err);
  sr_close(in->out_fd);
  sr_close(in->err_fd);
  sr_close(in->app_pidfd);
}

/* Waits ms, unless a stop (SIGTERM) or kill (SR_SIG_KILL) comes first: then true. */
static bool backoff(struct sr_instance *in, int64_t ms) {
  sigset_t set;
  sr_signals_block(&set);
  sr_autoclose int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  int64_t deadline = now_ms() + ms;
  for (;;) {
    int64_t left = deadline - now_ms();
    if (left <= 0) return false;
    if (sfd < 0) { /* no signalfd: wait anyway; a stop is then seen by the next run */
      struct timespec ts = {left / 1000, (left % 1000) * 1000000};
      nanosleep(&ts, NULL);
      return false;
    }
    struct pollfd p = {sfd, POLLIN, 0};
    if (poll(&p, 1, (int)left) <= 0) continue;
    struct signalfd_siginfo si;
    if (read(sfd, &si, sizeof si) != sizeof si) continue;
    if ((int)si.ssi_signo == SIGTERM || (int)si.ssi_signo == SR_SIG_KILL) {
      in->stopping = true;
      return true;
    }
  }
}

/* --remove-when-done: DIR and all below it, then the name file if it still names this id. */
/* The instance's name, when it still names this id (names/ beside instances/). */
static int release_name(int instances, const char *name, const char *id, struct sr_error *err) {
  sr_autoclose int state = openat(instances, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  sr_autoclose int names =
      state < 0 ? -1 : openat(state, "names", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (names < 0) return sr_fail(err, errno, "removing the name `%s`: open ../../names", name);
  sr_autoclose int fd = openat(names, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return 0;
    return sr_fail(err, errno, "removing the name `%s`", name);
  }
  struct stat st;
  char buf[128];
  ssize_t n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, buf, sizeof buf - 1) : -1;
  if (n < 0) return sr_fail(err, EINVAL, "removing the name `%s`: not a readable regular file", name);
  buf[n] = '\0';
  buf[strcspn(buf, "\n")] = '\0';
  if (strcmp(buf, id) != 0) return 0; /* another instance's name now */
  if (unlinkat(names, name, 0) < 0 && errno != ENOENT)
    return sr_fail(err, errno, "removing the name `%s`", name);
  return 0;
}

/* How long an --rm instance's exit is kept for `wait` (EXIT_KEEP_MS in src/instances/exits.ts). */
#define EXIT_KEEP_S (5 * 60)

/* The exits kept beside the instances (`.exit-ID`) that are older than EXIT_KEEP_S: the
 * supervisor that adds one removes the old ones (`gc` does too). */
static void prune_exits(int parent) {
  int fd = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fd < 0 ? NULL : fdopendir(fd);
  if (d == NULL) {
    complain("--remove-when-done: pruning old exits", &(struct sr_error){errno, "open instances/"});
    if (fd >= 0) close(fd);
    return;
  }
  time_t now = time(NULL);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    struct stat st;
    if (strncmp(e->d_name, ".exit-", 6) != 0 || strlen(e->d_name) != 6 + 64 ||
        fstatat(parent, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
        now - st.st_mtime < EXIT_KEEP_S)
      continue;
    if (unlinkat(parent, e->d_name, 0) < 0 && errno != ENOENT)
      complain("--remove-when-done: pruning old exits", &(struct sr_error){errno, "unlink"});
  }
  closedir(d);
}

/* --remove-when-done: the directory first leaves its name, for `.rm-ID-PID` (atomic: the CLI
 * sees the instance whole or not at all, never half removed; `gc` finishes one whose PID is
 * gone); then the instance's name is released and its tree goes. Where that name is taken, the
 * tree is removed in place, and the name only once it is all gone (until then the instance stays
 * whole enough for `rm`). */
static int remove_instance(struct sr_instance *in, struct sr_error *err) {
  struct stat self, there;
  if (fstat(in->dirfd, &self) < 0) return sr_fail(err, errno, "removing the instance: fstat");
  sr_autoclose int parent = openat(in->dirfd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (parent < 0) return sr_fail(err, errno, "removing the instance: open its parent");
  /* The name in the parent must still be this directory. */
  if (fstatat(parent, in->id, &there, AT_SYMLINK_NOFOLLOW) < 0 || there.st_dev != self.st_dev ||
      there.st_ino != self.st_ino)
    return sr_fail(err, ESTALE, "removing the instance: `%s` is no longer this directory", in->id);
  /* Its last state stays, as `.exit-ID` beside it, for `secure-run wait` (which otherwise finds
   * nothing to read its exit code from); kept EXIT_KEEP_S (exits.ts). */
  char exit_name[sizeof in->id + 8];
  snprintf(exit_name, sizeof exit_name, ".exit-%s", in->id);
  if (renameat(in->dirfd, "state.json", parent, exit_name) < 0 && errno != ENOENT)
    complain("--remove-when-done: keeping the exit for `wait`",
             &(struct sr_error){errno, "rename state.json to ../.exit-ID"});
  prune_exits(parent);
  char gone[sizeof in->id + 32];
  snprintf(gone, sizeof gone, ".rm-%s-%ld", in->id, (long)getpid());
  const char *now = in->id;
  if (renameat2(parent, in->id, parent, gone, RENAME_NOREPLACE) == 0)
    now = gone;
  else if (errno != EEXIST && errno != EINVAL && errno != ENOSYS)
    return sr_fail(err, errno, "removing the instance: rename `%s` to `%s`", in->id, gone);
  const char *name = in->cfg->instance_name;
  struct sr_error name_err = {0};
  int named = 0;
  if (name && now == gone) named = release_name(parent, name, in->id, &name_err);
  /* A link is unlinked, never followed; a mount is not entered; files of the caller's subordinate
   * ids (its app's, in the layer) are removed in a user namespace with its ranges (rmtree.h). */
  if (sr_rmtree(in->dirfd, in->cfg->instance_dir, stderr, err) < 0) return -1;
  if (unlinkat(parent, now, AT_REMOVEDIR) < 0)
    return sr_fail(err, errno, "removing the instance: rmdir `%s`", now);
  if (name && now != gone) named = release_name(parent, name, in->id, &name_err);
  if (named < 0) *err = name_err;
  return named;
}

/* Descriptors 0, 1 and 2 are open (to /dev/null when the caller closed them): the pipes and
 * files of the instance must never take their numbers. Standard input is /dev/null. */
static int standard_streams(struct sr_error *err) {
  int fd = open("/dev/null", O_RDWR);
  if (fd < 0) return sr_fail(err, errno, "open /dev/null");
  if (dup2(fd, 0) < 0) return sr_fail(err, errno, "dup2 /dev/null to standard input");
  while (fd <= 2) { /* 1 or 2 was closed: take them too */
    fd = open("/dev/null", O_RDWR);
    if (fd < 0) return sr_fail(err, errno, "open /dev/null");
  }
  close(fd);
  return 0;
}

/* The summary of the run's refusals, when due, as secure-run's own lines in the log (on its
 * stderr stream, after the app's output of the run, which is all read by now). */
static void log_refusals(struct sr_instance *in, const struct sr_report *rep) {
  const struct sr_config *cfg = in->cfg;
  struct sr_error err = {0};
  sr_autofree char *text = NULL;
  size_t len = 0;
  int due = sr_report_refusals_text(rep, cfg->fixes, cfg->refusals_summary,
                                    cfg->name ? cfg->name : "the app", &text, &len, &err);
  if (due < 0 || (due > 0 && (sr_logger_feed(&in->log, SR_LOG_STDERR, text, len, &err) < 0 ||
                              sr_logger_flush(&in->log, SR_LOG_STDERR, &err) < 0)))
    complain("log", &err);
}

static void forget_run(struct sr_instance *in) {
  in->init_pid = in->app_pid = 0;
  in->cg_driver = NULL;
  in->ncg = 0;
}

int sr_instance_main(struct sr_config *cfg) {
  struct sr_instance in;
  memset(&in, 0, sizeof in);
  in.cfg = cfg;
  in.dirfd = in.lockfd = in.devnull = in.out_fd = in.err_fd = in.app_pidfd = -1;
  in.log = (struct sr_logger)SR_LOGGER_EMPTY;
  in.status = "starting";
  struct sr_error err = {0};

  sigset_t set;
  sr_signals_instance_mode();
  if (sr_signals_block(&set) < 0) {
    sr_fail(&err, errno, "sigprocmask");
    send_ready_error(&in, 125, "signals", &err);
    return 125;
  }
  if (cfg->ready_fd >= 0 && fcntl(cfg->ready_fd, F_SETFD, FD_CLOEXEC) < 0) {
    fprintf(stderr, "secure-run-launch: --ready-fd %d: %s\n", cfg->ready_fd, strerror(errno));
    return 125;
  }
  /* DIR first: until its lock is held, nothing in it is this supervisor's to write. */
  if (open_instance(&in, &err) < 0) {
    char msg[SR_ERROR_MSG_MAX + 128];
    sr_error_format(&err, msg, sizeof msg);
    fprintf(stderr, "secure-run-launch: %s\n", msg);
    send_ready(&in, false, 125, "instance", msg);
    sr_close(in.dirfd);
    sr_close(in.lockfd);
    return 125;
  }
  in.supervisor_pid = getpid();
  in.supervisor_start = own_start_time();
  read_boot_id(in.boot_id, sizeof in.boot_id);
  const char *step = NULL;
  /* A session of its own: no terminal's signals, and the caller's end is not this one's. */
  if (setsid() < 0 && getsid(0) != getpid()) {
    step = "setsid";
    sr_fail(&err, errno, "setsid");
  } else if (chdir("/") < 0) { /* no hold on the caller's working directory (or its mount) */
    step = "setup";
    sr_fail(&err, errno, "chdir /");
  } else if (standard_streams(&err) < 0) {
    step = "setup";
  } else if ((in.devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
    step = "setup";
    sr_fail(&err, errno, "open /dev/null");
  } else if (sr_logger_open(&in.log, in.dirfd, cfg->log_max, &err) < 0) {
    step = "log";
  }
  int code = 125;
  if (step) {
    in.status = "failed";
    set_error(&in, step, &err);
    iso_now(in.finished_at);
    save_state(&in);
    send_ready_error(&in, 125, step, &err);
  } else {
    save_state(&in);
    /* Each run labels itself anew (the categories are the run's). */
    const char *label = cfg->selinux_label, *mount_label = cfg->selinux_mount_label;
    int64_t delay = BACKOFF_FIRST_MS;
    for (;;) {
      cfg->selinux_label = label;
      cfg->selinux_mount_label = mount_label;
      iso_now(in.started_at);
      in.finished_at[0] = '\0';
      in.has_exit = in.oom_killed = in.has_refused = false;
      in.exit_code = in.signal = 0;
      save_state(&in);
      int64_t began = now_ms();
      struct sr_report rep;
      sr_supervise(cfg, &rep, &in);
      int64_t ran = now_ms() - began;
      forget_run(&in);
      iso_now(in.finished_at);
      code = rep.exit_code;
      in.has_exit = true;
      in.exit_code = rep.exit_code;
      in.signal = strcmp(rep.status, "signaled") == 0 ? rep.app_signal : 0;
      in.oom_killed = rep.stats.oom_kills > 0 || rep.oom_group_kill;
      in.has_refused = rep.refused.counting;
      in.refused = rep.refused;
      log_refusals(&in, &rep);
      if (rep.cleanup_error[0]) {
        in.has_error = true;
        snprintf(in.error_step, sizeof in.error_step, "cleanup");
        snprintf(in.error_msg, sizeof in.error_msg, "%s", rep.cleanup_error);
      }
      if (sr_report_failed(&rep)) {
        in.status = "failed";
        set_error(&in, rep.step, &rep.error);
        if (!in.ready_sent) send_ready_error(&in, rep.exit_code, rep.step, &rep.error);
        break;
      }
      if (!in.ready_sent) send_ready(&in, true, 0, NULL, NULL);
      if (in.stopping) {
        in.status = "stopped";
        break;
      }
      bool failed = rep.exit_code != 0;
      bool again = cfg->restart_policy == SR_RESTART_ALWAYS ||
                   (cfg->restart_policy == SR_RESTART_ON_FAILURE && failed);
      if (again && cfg->max_retries >= 0 && in.restarts >= cfg->max_retries) again = false;
      if (!again) {
        in.status = "exited";
        break;
      }
      if (ran >= BACKOFF_RESET_MS) delay = BACKOFF_FIRST_MS;
      in.status = "restarting";
      save_state(&in);
      if (backoff(&in, delay)) {
        in.status = "stopped";
        break;
      }
      delay = delay * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : delay * 2;
      in.restarts++;
    }
    save_state(&in);
  }
  sr_logger_close(&in.log);
  sr_close(in.devnull);
  sr_close(cfg->ready_fd);
  if (cfg->remove_when_done) {
    memset(&err, 0, sizeof err);
    if (remove_instance(&in, &err) < 0) complain("--remove-when-done", &err);
  }
  sr_close(in.dirfd);
  sr_close(in.lockfd); /* the lock goes with it */
  return code;
}
