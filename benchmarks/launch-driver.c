/* Times launch-and-exit of commands, interleaved: for each run, clock_gettime(CLOCK_MONOTONIC)
 * just before fork(), then (child) the variant's fixed set-up — standard input from /dev/null,
 * output to the variant's log, descriptors opened from files, a mount namespace entered, a user
 * switched to, environment variables added — and execve; then (parent) wait4() and the clock
 * again. So a figure is fork + the tool's whole life (its set-up, the program, its exit and
 * tear-down) + reaping; the driver's own overhead is what the "bare exec" variant shows.
 * Commands a variant runs before or after each launch (emptying a cache, deleting a container)
 * are not timed.
 *
 * Usage: launch-driver SPEC WARMUP ROUNDS LOGDIR
 * SPEC, one item a line ("%N" in an argument becomes a serial number unique to each launch):
 *   V id        a new variant         A arg    an argument of its command (the first: a path)
 *   E K=V       add to the env        U uid gid  run as this user (groups cleared)
 *   N path      enter this mount namespace (a /proc/PID/ns/mnt) before exec
 *   F fd r|w path   open path on descriptor fd
 *   P arg       an argument of the untimed command run before each launch
 *   C arg       an argument of the untimed command run after each launch (clean-up)
 *   S k         run this variant only in every k-th round (rounds 0, k, 2k…: a slow variant)
 * Round r runs the variants in turn starting at variant r mod count (round-robin, rotated).
 * A variant that fails during warm-up is dropped. Output, per variant:
 *   variant ID
 *   state ok|dropped STATUS     (STATUS: exit code, or 128+signal, or 255 for a timeout)
 *   rounds N                    (timed rounds in which it ran)
 *   failures N
 *   wall NS NS ...              (one per successful timed launch)
 *   cpu NS NS ...               (user+system CPU of the launched tree, from wait4)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ITEMS 512
#define MAX_FDS 4
#define RUN_TIMEOUT_S 60

struct fdspec {
  int fd;
  int write;
  char *path;
};

struct variant {
  char *id;
  char *argv[MAX_ITEMS], *pre[MAX_ITEMS], *post[MAX_ITEMS], *env[MAX_ITEMS];
  int argc, prec, postc, envc;
  uid_t uid;
  gid_t gid;
  int as_user;
  int mntns; /* descriptor, or -1 */
  struct fdspec fds[MAX_FDS];
  int nfds;
  int log; /* descriptor of LOGDIR/ID.log */
  int every, scheduled; /* S k; timed rounds in which it ran */
  int dropped, drop_status, failures;
  long long *wall, *cpu;
  int n;
};

static struct variant vars[64];
static int nvars;
static long serial;
static volatile sig_atomic_t timed_out;

static void die(const char *what) {
  fprintf(stderr, "launch-driver: %s: %s\n", what, strerror(errno));
  exit(2);
}

static void on_alarm(int sig) {
  (void)sig;
  timed_out = 1;
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* argv with %N replaced by the serial; allocated in the child, or leaked in the parent (tiny). */
static char **expand(char **argv, int argc, long n) {
  char **out = calloc((size_t)argc + 1, sizeof *out);
  if (!out) die("calloc");
  for (int i = 0; i < argc; i++) {
    const char *p = strstr(argv[i], "%N");
    if (!p) {
      out[i] = argv[i];
      continue;
    }
    size_t len = strlen(argv[i]) + 24;
    out[i] = malloc(len);
    if (!out[i]) die("malloc");
    snprintf(out[i], len, "%.*s%ld%s", (int)(p - argv[i]), argv[i], n, p + 2);
  }
  return out;
}

/* fork, set up, exec, wait. Returns the status as a shell would (0 = success). */
static int launch(struct variant *v, char **argv, long long *wall, long long *cpu) {
  struct rusage ru;
  int status;
  long long t0 = now_ns();
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    setpgid(0, 0); /* so that a timeout can end the whole tree */
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, 0) < 0 || dup2(v->log, 1) < 0 || dup2(v->log, 2) < 0) _exit(120);
    for (int i = 0; i < v->nfds; i++) {
      struct fdspec *f = &v->fds[i];
      int fd = f->write ? open(f->path, O_WRONLY | O_CREAT | O_TRUNC, 0600)
                        : open(f->path, O_RDONLY);
      if (fd < 0 || (fd != f->fd && dup2(fd, f->fd) < 0)) _exit(121);
    }
    if (v->mntns >= 0 && setns(v->mntns, CLONE_NEWNS) < 0) _exit(122);
    for (int i = 0; i < v->envc; i++) putenv(v->env[i]);
    if (v->as_user &&
        (setgroups(0, NULL) < 0 || setgid(v->gid) < 0 || setuid(v->uid) < 0))
      _exit(123);
    execvp(argv[0], argv);
    _exit(errno == ENOENT ? 127 : 126);
  }
  timed_out = 0;
  alarm(RUN_TIMEOUT_S);
  while (wait4(pid, &status, 0, &ru) < 0) {
    if (errno != EINTR) die("wait4");
    if (timed_out) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
    }
  }
  alarm(0);
  long long t1 = now_ns();
  *wall = t1 - t0;
  *cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
  if (timed_out) return 255;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

static void untimed(struct variant *v, char **cmd, int n, long s) {
  if (n == 0) return;
  long long w, c;
  struct variant quiet = *v;
  quiet.nfds = 0;
  quiet.as_user = 0;
  launch(&quiet, expand(cmd, n, s), &w, &c);
}

static void run_once(struct variant *v, int timed) {
  long s = ++serial;
  long long w, c;
  untimed(v, v->pre, v->prec, s);
  int rc = launch(v, expand(v->argv, v->argc, s), &w, &c);
  untimed(v, v->post, v->postc, s);
  if (rc != 0) {
    if (!timed) {
      v->dropped = 1;
      v->drop_status = rc;
    } else {
      v->failures++;
      if (!v->drop_status) v->drop_status = rc;
    }
    return;
  }
  if (timed) {
    v->wall[v->n] = w;
    v->cpu[v->n] = c;
    v->n++;
  }
}

static char *dup_line(const char *s) {
  char *d = strdup(s);
  if (!d) die("strdup");
  return d;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: launch-driver SPEC WARMUP ROUNDS LOGDIR\n");
    return 2;
  }
  int warmup = atoi(argv[2]), rounds = atoi(argv[3]);
  FILE *spec = fopen(argv[1], "re");
  if (!spec) die(argv[1]);
  char line[8192];
  struct variant *v = NULL;
  while (fgets(line, sizeof line, spec)) {
    line[strcspn(line, "\n")] = 0;
    if (line[0] == 0) continue;
    char *arg = line + 2;
    if (line[0] == 'V') {
      if (nvars == 64) {
        fprintf(stderr, "launch-driver: too many variants\n");
        return 2;
      }
      v = &vars[nvars++];
      memset(v, 0, sizeof *v);
      v->id = dup_line(arg);
      v->mntns = -1;
      v->every = 1;
      continue;
    }
    if (!v) {
      fprintf(stderr, "launch-driver: spec must start with V\n");
      return 2;
    }
    switch (line[0]) {
      case 'A':
        if (v->argc < MAX_ITEMS - 1) v->argv[v->argc++] = dup_line(arg);
        break;
      case 'P':
        if (v->prec < MAX_ITEMS - 1) v->pre[v->prec++] = dup_line(arg);
        break;
      case 'C':
        if (v->postc < MAX_ITEMS - 1) v->post[v->postc++] = dup_line(arg);
        break;
      case 'E':
        if (v->envc < MAX_ITEMS - 1) v->env[v->envc++] = dup_line(arg);
        break;
      case 'S':
        v->every = atoi(arg);
        if (v->every < 1) return 2;
        break;
      case 'U':
        if (sscanf(arg, "%u %u", &v->uid, &v->gid) != 2) return 2;
        v->as_user = 1;
        break;
      case 'N':
        v->mntns = open(arg, O_RDONLY | O_CLOEXEC);
        if (v->mntns < 0) die(arg);
        break;
      case 'F': {
        char mode;
        int fd, off = 0;
        if (v->nfds == MAX_FDS || sscanf(arg, "%d %c %n", &fd, &mode, &off) < 2 || !off)
          return 2;
        v->fds[v->nfds++] = (struct fdspec){fd, mode == 'w', dup_line(arg + off)};
        break;
      }
      default:
        fprintf(stderr, "launch-driver: bad spec line: %s\n", line);
        return 2;
    }
  }
  fclose(spec);
  struct sigaction sa = {0};
  sa.sa_handler = on_alarm; /* no SA_RESTART: wait4 returns EINTR */
  sigaction(SIGALRM, &sa, NULL);
  for (int i = 0; i < nvars; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.log", argv[4], vars[i].id);
    vars[i].log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (vars[i].log < 0) die(path);
    vars[i].wall = calloc((size_t)rounds + 1, sizeof(long long));
    vars[i].cpu = calloc((size_t)rounds + 1, sizeof(long long));
    if (!vars[i].wall || !vars[i].cpu) die("calloc");
  }
  for (int r = 0; r < warmup + rounds; r++) {
    for (int k = 0; k < nvars; k++) {
      struct variant *x = &vars[(r + k) % nvars];
      if (x->dropped || r % x->every != 0) continue;
      if (r >= warmup) x->scheduled++;
      run_once(x, r >= warmup);
    }
  }
  for (int i = 0; i < nvars; i++) {
    struct variant *x = &vars[i];
    printf("variant %s\nstate %s %d\nrounds %d\nfailures %d\nwall", x->id,
           x->dropped ? "dropped" : "ok", x->drop_status, x->scheduled, x->failures);
    for (int k = 0; k < x->n; k++) printf(" %lld", x->wall[k]);
    printf("\ncpu");
    for (int k = 0; k < x->n; k++) printf(" %lld", x->cpu[k]);
    printf("\n");
  }
  return 0;
}
