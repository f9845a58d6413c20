#define _GNU_SOURCE
#include "args.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caps.h"
#include "mcs.h"
#include "refusals.h"
#include "relabel.h"

const char sr_usage[] =
    "usage: secure-run-launch [OPTION…] -- PROGRAM [ARG…]\n"
    "       secure-run-launch [--report-fd FD] [--die-with-parent] [--cgroup-parent PATH] --bundle FILE\n"
    "                         [--bundle-sha256 HEX]\n"
    "       secure-run-launch --instance DIR [--ready-fd FD] [--restart POLICY] [--max-retries N]\n"
    "                         [--stop-signal SIG] [--log-max BYTES] [--remove-when-done\n"
    "                         [--instance-name NAME]] --bundle FILE [--bundle-sha256 HEX]\n"
    "       secure-run-launch --remove-tree DIR\n"
    "Launches PROGRAM exactly as the options say; secure-run computes them from a plan.\n"
    "\n"
    "  --bundle FILE                launch a compiled app (secure-run compile APP -o FILE): its\n"
    "                               options, command and this architecture's seccomp filter; a\n"
    "                               bundle made for another host or architecture is refused\n"
    "  --bundle-sha256 HEX          with --bundle: launch only if the bytes read have this sha256\n"
    "  --name NAME                  app name (part of the cgroup's name)\n"
    "  --hostname NAME              hostname inside (needs uts in --unshare)\n"
    "  --unshare LIST               namespaces: comma list of cgroup,ipc,mount,net,pid,user,uts\n"
    "  --uid-map IN:OUT:COUNT       with user: map ids IN.. inside to OUT.. outside (repeat)\n"
    "  --gid-map IN:OUT:COUNT       the same for groups\n"
    "  --map-caller                 with user, instead of --uid-map/--gid-map: the app's --uid\n"
    "                               and --gid map to the caller's own uid and gid, one id each\n"
    "                               (a rootless launch without newuidmap; refused for root)\n"
    "  --uid N  --gid N             user and group of the app\n"
    "  --groups LIST                supplementary groups, comma list of gids\n"
    "  --cwd DIR                    working directory inside\n"
    "  --env NAME=VALUE             environment of the app (repeat; nothing else is passed)\n"
    "  --cap NAME                   capability to keep (repeat); all others are dropped\n"
    "  --rlimit NAME=SOFT:HARD      resource limit (core, nofile, nproc, …; 'inf' for none)\n"
    "  --new-session                run the app in a new session (no controlling terminal)\n"
    "  --die-with-parent            end the app (and clean up) when the caller dies\n"
    "  --selinux-label LABEL        SELinux label the app runs with (set at execve)\n"
    "  --selinux-mount-label LABEL  SELinux context of the tmpfs mounts\n"
    "  --selinux-mcs-registry DIR   allocate two MCS categories in DIR at launch (as secure-run\n"
    "                               run does) and append them to both labels\n"
    "  --selinux-mcs-shared GROUP   one of the instances of an app named GROUP ([A-Za-z0-9._-]):\n"
    "                               they share one category, the only one in the mount label\n"
    "  --relabel PATH               give PATH (recursively) the mount label, like podman's :Z\n"
    "  --memory BYTES               cgroup memory limit\n"
    "  --memory-swap BYTES          swap allowed on top of memory (0: none)\n"
    "  --pids N                     cgroup process limit\n"
    "  --cgroup-parent PATH         create the cgroup below this path of the own cgroup\n"
    "  --no-cgroup                  create no cgroup (no --memory, --pids, --cpu to enforce)\n"
    "  --ro-bind SRC DST            bind host SRC read-only at DST (-try: skip if missing)\n"
    "  --ro-bind-try SRC DST\n"
    "  --bind SRC DST               bind host SRC writable at DST\n"
    "  --bind-try SRC DST\n"
    "  --source-type dir|file       the source of the bind just before must be a directory / a\n"
    "                               file (not a directory); anything else is refused\n"
    "  --tmpfs DST BYTES MODE       tmpfs at DST (MODE in octal)\n"
    "  --proc DST                   a new proc at DST\n"
    "  --dev DST                    a minimal /dev at DST\n"
    "  --symlink CONTENT DST        a symbolic link at DST\n"
    "  --read-only-root             make the new root itself read-only\n"
    "  --writable-layer DIR         the new root is writable, its changes kept in DIR/upper\n"
    "                               (overlayfs; DIR is the caller's, not writable by others;\n"
    "                               a bind at / is the layer's lower, else an empty root)\n"
    "  --image-layer DIR            the new root is an overlay of these layers (repeated, top\n"
    "                               layer first; each the caller's, not writable by others)\n"
    "  --image-root DIR             the binds come from this image root of the store: held\n"
    "                               (a shared lock) for the launch, as each --image-layer is\n"
    "  --from-image                 the bind just before binds a path of the image's overlay\n"
    "                               (read-only, its layers only), not of the host\n"
    "  --mask PATH                  hide PATH (a file or directory inside the new root)\n"
    "  --read-only PATH             make PATH inside the new root read-only\n"
    "  --sysctl NAME=VALUE          set a net.* sysctl of the new network namespace\n"
    "  --cpu QUOTA:PERIOD           cgroup CPU limit in microseconds per period\n"
    "  --landlock-fs ACCESS PATH    Landlock: allow ACCESS (letters r, w, x) below PATH;\n"
    "                               with any of these, nothing else of the filesystem\n"
    "  --restrict-tcp-bind PORTS    Landlock: TCP bind only to these ports (comma list)\n"
    "  --restrict-tcp-connect PORTS Landlock: TCP connect only to these ports\n"
    "  --landlock-scope LIST        Landlock (ABI 6): comma list of abstract-unix (no connecting\n"
    "                               to abstract unix sockets bound outside the sandbox) and\n"
    "                               signal (no signals to processes outside it)\n"
    "  --seccomp-fd FD              read the BPF program from FD; loaded last, before execve\n"
    "  --report-fd FD               write the exit report (JSON) to FD\n"
    "  --explain-fd FD              the plan's filter; the one on --seccomp-fd notifies instead\n"
    "                               of refusing, and the supervisor reports each refusal and\n"
    "                               answers with this filter's verdict\n"
    "  --explain-json               report refusals as JSON lines on standard error\n"
    "  --refusals-fd FD             the plan's filter, as with --explain-fd but without a line\n"
    "                               per refusal: refusals are counted, by syscall and program\n"
    "  --refusal-fixes-fd FD        the fix table (pairs of NUL-terminated strings: syscall,\n"
    "                               the change that allows it) for the summary of refusals\n"
    "  --refusals-summary WHEN      auto (default: when the app ends with a non-zero status and\n"
    "                               something was refused), always, or off: a summary of the\n"
    "                               refused calls on standard error (an instance: in its log)\n"
    "  --trace-fd FD                the filter on --seccomp-fd notifies every call: record them\n"
    "                               all, let them continue, and write the record (JSON) to FD\n"
    "  --trace-progress             a progress line on standard error while tracing\n"
    "Instance mode (a detached service; secure-run run -d starts it so):\n"
    "  --instance DIR               supervise the app as the instance in DIR (the caller's own,\n"
    "                               mode 0700, not a symbolic link): holds DIR/lock for its whole\n"
    "                               life (another supervisor on DIR is refused), starts a session\n"
    "                               of its own and does not end with its caller; the app's stdin\n"
    "                               is /dev/null, its stdout and stderr go to DIR/log (CRI format);\n"
    "                               DIR/state.json is rewritten (atomically) at every change.\n"
    "                               SIGTERM stops (--stop-signal to the app, no restart after),\n"
    "                               SIGRTMIN+3 kills it all now; HUP, INT, QUIT, USR1, USR2 and\n"
    "                               WINCH go to the app\n"
    "  --ready-fd FD                one JSON line once the first run's app started or failed to\n"
    "                               ({\"status\":\"running\",…} or {\"status\":\"failed\",…}), then\n"
    "                               closed\n"
    "  --restart POLICY             no (default), on-failure (a non-zero exit or a signal; not\n"
    "                               after a failure of the launch itself), always; backoff 100 ms\n"
    "                               doubling up to 10 s, back to 100 ms after a run of 10 s\n"
    "  --max-retries N              restarts allowed (-1, the default: unlimited)\n"
    "  --stop-signal SIG            what SIGTERM to the supervisor sends the app (default SIGTERM)\n"
    "  --log-max BYTES              DIR/log is renamed to DIR/log.1 before it would pass BYTES\n"
    "                               (default 10485760)\n"
    "  --remove-when-done           remove DIR at the end (never following a link inside), and\n"
    "                               the name file DIR/../../names/NAME if it holds DIR's id\n"
    "  --instance-name NAME         the instance's name, for --remove-when-done\n"
    "  --remove-tree DIR            (alone) remove DIR and all below it, never following a link\n"
    "                               or entering a mount; for a user, files of its subordinate\n"
    "                               ids (/etc/subuid, /etc/subgid) are removed in a user\n"
    "                               namespace mapped with them (newuidmap, newgidmap); exit 0,\n"
    "                               1 when something was left (named), 125 on bad usage\n"
    "  --help, --version\n"
    "Exit status: the app's; 128+N when killed by signal N; 125 when the launch failed;\n"
    "126 when PROGRAM cannot be executed; 127 when it is not found.\n";

static int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *out,
                     struct sr_error *err) {
  char *end = NULL;
  if (s[0] < '0' || s[0] > '9')
    return sr_fail(err, 0, "%s: expected a number, got \"%s\"", opt, s);
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0' || v > max)
    return sr_fail(err, 0, "%s: expected a number up to %llu, got \"%s\"", opt,
                   (unsigned long long)max, s);
  *out = v;
  return 0;
}

/* A signal by name (SIGTERM, TERM) or number; 0 when it is neither. */
static int parse_signal(const char *s) {
  static const struct {
    const char *name;
    int sig;
  } table[] = {{"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT},   {"ABRT", SIGABRT},
               {"KILL", SIGKILL}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2},   {"ALRM", SIGALRM},
               {"TERM", SIGTERM}, {"WINCH", SIGWINCH}, {"PWR", SIGPWR}};
  const char *name = strncmp(s, "SIG", 3) == 0 ? s + 3 : s;
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp(table[i].name, name) == 0) return table[i].sig;
  char *end = NULL;
  errno = 0;
  long n = strtol(s, &end, 10);
  if (s[0] >= '1' && s[0] <= '9' && errno == 0 && *end == '\0' && n <= SIGRTMAX) return (int)n;
  return 0;
}

/* The name rule of secure-run's instances (src/instances): no slash, no leading dot. */
static bool valid_instance_name(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 63) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-'))) return false;
  }
  return true;
}

static int parse_path(const char *opt, const char *s, struct sr_error *err) {
  if (s[0] != '/')
    return sr_fail(err, 0, "%s: expected an absolute path, got \"%s\"", opt, s);
  for (const char *p = s; (p = strstr(p, "..")) != NULL; p += 2) {
    bool starts = p[-1] == '/';
    bool ends = p[2] == '/' || p[2] == '\0';
    if (starts && ends) return sr_fail(err, 0, "%s: \"..\" is not allowed in \"%s\"", opt, s);
  }
  return 0;
}

static int parse_namespaces(const char *s, int *flags, struct sr_error *err) {
  static const struct {
    const char *name;
    int flag;
  } table[] = {{"ipc", CLONE_NEWIPC}, {"mount", CLONE_NEWNS}, {"net", CLONE_NEWNET},
               {"pid", CLONE_NEWPID}, {"uts", CLONE_NEWUTS}, {"user", CLONE_NEWUSER},
               {"cgroup", CLONE_NEWCGROUP}};
  sr_autofree char *copy = strdup(s);
  if (copy == NULL) return sr_fail(err, ENOMEM, "--unshare");
  char *save = NULL;
  for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    size_t i;
    for (i = 0; i < sizeof table / sizeof table[0]; i++)
      if (strcmp(table[i].name, tok) == 0) break;
    if (i == sizeof table / sizeof table[0])
      return sr_fail(err, 0,
                     "--unshare: unknown namespace \"%s\" (cgroup, ipc, mount, net, pid, user, uts)",
                     tok);
    *flags |= table[i].flag;
  }
  return 0;
}

static int parse_id_map(const char *opt, const char *s, struct sr_id_map *out, size_t *n,
                        struct sr_error *err) {
  if (*n == SR_MAX_ID_MAPS) return sr_fail(err, 0, "%s: at most %d ranges", opt, SR_MAX_ID_MAPS);
  unsigned int in = 0, outside = 0, count = 0;
  char tail;
  if (sscanf(s, "%u:%u:%u%c", &in, &outside, &count, &tail) != 3 || count == 0)
    return sr_fail(err, 0, "%s: expected INSIDE:OUTSIDE:COUNT, got \"%s\"", opt, s);
  if ((uint64_t)in + count > UINT32_MAX || (uint64_t)outside + count > UINT32_MAX)
    return sr_fail(err, 0, "%s: range \"%s\" goes past the largest id", opt, s);
  out[(*n)++] = (struct sr_id_map){in, outside, count};
  return 0;
}

static int parse_rlimit(const char *s, struct sr_rlimit *out, struct sr_error *err) {
  static const struct {
    const char *name;
    int resource;
  } table[] = {{"core", RLIMIT_CORE},       {"nofile", RLIMIT_NOFILE}, {"nproc", RLIMIT_NPROC},
               {"as", RLIMIT_AS},           {"cpu", RLIMIT_CPU},       {"fsize", RLIMIT_FSIZE},
               {"data", RLIMIT_DATA},       {"stack", RLIMIT_STACK},   {"memlock", RLIMIT_MEMLOCK},
               {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},   {"rtprio", RLIMIT_RTPRIO},
               {"sigpending", RLIMIT_SIGPENDING}};
  const char *eq = strchr(s, '=');
  const char *colon = eq ? strchr(eq, ':') : NULL;
  if (eq == NULL || colon == NULL)
    return sr_fail(err, 0, "--rlimit: expected NAME=SOFT:HARD, got \"%s\"", s);
  size_t i;
  for (i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strlen(table[i].name) == (size_t)(eq - s) && strncmp(table[i].name, s, eq - s) == 0)
      break;
  if (i == sizeof table / sizeof table[0])
    return sr_fail(err, 0, "--rlimit: unknown resource in \"%s\"", s);
  char soft[32], hard[32];
  if ((size_t)(colon - eq - 1) >= sizeof soft || strlen(colon + 1) >= sizeof hard)
    return sr_fail(err, 0, "--rlimit: value too long in \"%s\"", s);
  memcpy(soft, eq + 1, colon - eq - 1);
  soft[colon - eq - 1] = '\0';
  strcpy(hard, colon + 1);
  uint64_t v[2];
  const char *parts[2] = {soft, hard};
  for (int k = 0; k < 2; k++) {
    if (strcmp(parts[k], "inf") == 0)
      v[k] = RLIM_INFINITY;
    else if (parse_u64("--rlimit", parts[k], UINT64_MAX - 1, &v[k], err) < 0)
      return -1;
  }
  if (v[0] > v[1]) return sr_fail(err, 0, "--rlimit: soft limit above hard limit in \"%s\"", s);
  *out = (struct sr_rlimit){table[i].resource, (rlim_t)v[0], (rlim_t)v[1]};
  return 0;
}

static int parse_list(const char *opt, const char *s, uint64_t max, uint64_t *out, size_t cap,
                      size_t *n, struct sr_error *err) {
  sr_autofree char *copy = strdup(s);
  if (copy == NULL) return sr_fail(err, ENOMEM, "%s", opt);
  char *save = NULL;
  *n = 0;
  for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    if (*n == cap) return sr_fail(err, 0, "%s: more than %zu entries", opt, cap);
    if (parse_u64(opt, tok, max, &out[(*n)++], err) < 0) return -1;
  }
  return 0;
}

static int add_mount(struct sr_config *cfg, enum sr_mount_kind kind, const char *opt,
                     const char *source, const char *target, struct sr_error *err) {
  if (parse_path(opt, target, err) < 0) return -1;
  if (kind == SR_MOUNT_BIND && parse_path(opt, source, err) < 0) return -1;
  struct sr_mount *m = &cfg->mounts[cfg->nmounts++];
  *m = (struct sr_mount){.kind = kind, .source = source, .target = target, .tree_fd = -1};
  return 0;
}

int sr_args_parse(int argc, char **argv, struct sr_config *cfg, struct sr_error *err) {
  memset(cfg, 0, sizeof *cfg);
  cfg->memory_max = cfg->swap_max = cfg->pids_max = cfg->cpu_quota = cfg->cpu_period = -1;
  cfg->seccomp_fd = cfg->report_fd = cfg->explain_fd = cfg->trace_fd = -1;
  cfg->refusals_fd = cfg->fixes_fd = -1;
  cfg->refusals_summary = SR_SUMMARY_AUTO;
  cfg->ready_fd = -1;
  cfg->max_retries = -1;
  cfg->stop_signal = SIGTERM;
  cfg->log_max = SR_LOG_MAX_DEFAULT;
  bool restart_given = false, retries_given = false, stop_given = false, log_given = false;
  cfg->uid = 0;
  cfg->gid = 0;
  cfg->cwd = "/";
  cfg->mounts = calloc((size_t)argc + 1, sizeof *cfg->mounts);
  cfg->env = calloc((size_t)argc + 1, sizeof *cfg->env);
  cfg->masked = calloc((size_t)argc + 1, sizeof *cfg->masked);
  cfg->read_only = calloc((size_t)argc + 1, sizeof *cfg->read_only);
  cfg->fs_rules = calloc((size_t)argc + 1, sizeof *cfg->fs_rules);
  cfg->relabel = calloc((size_t)argc + 1, sizeof *cfg->relabel);
  if (cfg->mounts == NULL || cfg->env == NULL || cfg->masked == NULL || cfg->read_only == NULL ||
      cfg->fs_rules == NULL || cfg->relabel == NULL)
    return sr_fail(err, ENOMEM, "parsing arguments");

  int i;
  for (i = 1; i < argc; i++) {
    const char *opt = argv[i];
    if (strcmp(opt, "--") == 0) {
      i++;
      break;
    }
    if (strcmp(opt, "--help") == 0 || strcmp(opt, "--version") == 0)
      return sr_fail(err, 0, "%s", opt); /* the caller handles these before parsing */
    if (strcmp(opt, "--new-session") == 0) {
      cfg->new_session = true;
      continue;
    }
    if (strcmp(opt, "--die-with-parent") == 0) {
      cfg->die_with_parent = true;
      continue;
    }
    if (strcmp(opt, "--trace-progress") == 0) {
      cfg->trace_progress = true;
      continue;
    }
    if (strcmp(opt, "--explain-json") == 0) {
      cfg->explain_json = true;
      continue;
    }
    if (strcmp(opt, "--from-image") == 0) {
      struct sr_mount *last = cfg->nmounts ? &cfg->mounts[cfg->nmounts - 1] : NULL;
      if (last == NULL || last->kind != SR_MOUNT_BIND || !last->read_only || last->optional)
        return sr_fail(err, 0, "--from-image: must follow a read-only bind (--ro-bind)");
      last->from_image = true;
      continue;
    }
    if (strcmp(opt, "--read-only-root") == 0) {
      cfg->read_only_root = true;
      continue;
    }
    if (strcmp(opt, "--no-cgroup") == 0) {
      cfg->no_cgroup = true;
      continue;
    }
    if (strcmp(opt, "--map-caller") == 0) {
      cfg->map_caller = true;
      continue;
    }
    if (strcmp(opt, "--remove-when-done") == 0) {
      cfg->remove_when_done = true;
      continue;
    }
    /* Every other option takes at least one value. */
    if (strncmp(opt, "--", 2) != 0)
      return sr_fail(err, 0, "unexpected argument \"%s\" (the program goes after --)", opt);
    int need = (strcmp(opt, "--tmpfs") == 0) ? 3
               : (strcmp(opt, "--ro-bind") == 0 || strcmp(opt, "--ro-bind-try") == 0 ||
                  strcmp(opt, "--bind") == 0 || strcmp(opt, "--bind-try") == 0 ||
                  strcmp(opt, "--symlink") == 0 || strcmp(opt, "--landlock-fs") == 0 ||
                  strcmp(opt, "--net-hook") == 0)
                   ? 2
                   : 1;
    if (i + need >= argc) return sr_fail(err, 0, "%s: missing value", opt);
    char **v = &argv[i + 1];
    i += need;
    uint64_t n = 0;
    if (strcmp(opt, "--name") == 0) {
      cfg->name = v[0];
    } else if (strcmp(opt, "--selinux-label") == 0 || strcmp(opt, "--selinux-mount-label") == 0) {
      if (strchr(v[0], ',') != NULL && strcmp(opt, "--selinux-mount-label") == 0 && strchr(v[0], '"'))
        return sr_fail(err, 0, "%s: quotes are not allowed", opt);
      if (strlen(v[0]) == 0 || strlen(v[0]) > 255 || strchr(v[0], '\n'))
        return sr_fail(err, 0, "%s: expected a label such as system_u:system_r:container_t:s0:c1,c2", opt);
      *(strcmp(opt, "--selinux-label") == 0 ? &cfg->selinux_label : &cfg->selinux_mount_label) = v[0];
    } else if (strcmp(opt, "--selinux-mcs-registry") == 0) {
      if (parse_path(opt, v[0], err) < 0) return -1;
      cfg->mcs_registry = v[0];
    } else if (strcmp(opt, "--selinux-mcs-shared") == 0) {
      if (!sr_mcs_group_valid(v[0]))
        return sr_fail(err, 0, "%s: expected a name of 1 to 64 of [A-Za-z0-9._-]", opt);
      cfg->mcs_group = v[0];
    } else if (strcmp(opt, "--relabel") == 0) {
      if (parse_path(opt, v[0], err) < 0) return -1;
      cfg->relabel[cfg->nrelabel++] = v[0];
    } else if (strcmp(opt, "--hostname") == 0) {
      if (strlen(v[0]) == 0 || strlen(v[0]) > 64)
        return sr_fail(err, 0, "--hostname: expected 1 to 64 characters");
      cfg->hostname = v[0];
    } else if (strcmp(opt, "--unshare") == 0) {
      if (parse_namespaces(v[0], &cfg->clone_flags, err) < 0) return -1;
    } else if (strcmp(opt, "--uid-map") == 0) {
      if (parse_id_map(opt, v[0], cfg->uid_map, &cfg->nuid_map, err) < 0) return -1;
    } else if (strcmp(opt, "--gid-map") == 0) {
      if (parse_id_map(opt, v[0], cfg->gid_map, &cfg->ngid_map, err) < 0) return -1;
    } else if (strcmp(opt, "--uid") == 0) {
      if (parse_u64(opt, v[0], UINT32_MAX - 1, &n, err) < 0) return -1;
      cfg->uid = (uid_t)n;
    } else if (strcmp(opt, "--gid") == 0) {
      if (parse_u64(opt, v[0], UINT32_MAX - 1, &n, err) < 0) return -1;
      cfg->gid = (gid_t)n;
    } else if (strcmp(opt, "--groups") == 0) {
      uint64_t g[SR_MAX_GROUPS];
      if (parse_list(opt, v[0], UINT32_MAX - 1, g, SR_MAX_GROUPS, &cfg->ngroups, err) < 0)
        return -1;
      for (size_t k = 0; k < cfg->ngroups; k++) cfg->groups[k] = (gid_t)g[k];
    } else if (strcmp(opt, "--cwd") == 0) {
      if (parse_path(opt, v[0], err) < 0) return -1;
      cfg->cwd = v[0];
    } else if (strcmp(opt, "--env") == 0) {
      if (strchr(v[0], '=') == NULL || v[0][0] == '=')
        return sr_fail(err, 0, "--env: expected NAME=VALUE, got \"%s\"", v[0]);
      cfg->env[cfg->nenv++] = v[0];
    } else if (strcmp(opt, "--cap") == 0) {
      int cap = sr_cap_from_name(v[0]);
      if (cap < 0) return sr_fail(err, 0, "--cap: unknown capability \"%s\"", v[0]);
      cfg->keep_caps |= 1ULL << cap;
    } else if (strcmp(opt, "--rlimit") == 0) {
      if (cfg->nrlimits == SR_MAX_RLIMITS) return sr_fail(err, 0, "--rlimit: too many");
      if (parse_rlimit(v[0], &cfg->rlimits[cfg->nrlimits++], err) < 0) return -1;
    } else if (strcmp(opt, "--memory") == 0) {
      if (parse_u64(opt, v[0], INT64_MAX, &n, err) < 0) return -1;
      cfg->memory_max = (int64_t)n;
    } else if (strcmp(opt, "--memory-swap") == 0) {
      if (parse_u64(opt, v[0], INT64_MAX, &n, err) < 0) return -1;
      cfg->swap_max = (int64_t)n;
    } else if (strcmp(opt, "--pids") == 0) {
      if (parse_u64(opt, v[0], INT64_MAX, &n, err) < 0) return -1;
      cfg->pids_max = (int64_t)n;
    } else if (strcmp(opt, "--cgroup-parent") == 0) {
      if (strstr(v[0], "..") != NULL || v[0][0] == '\0')
        return sr_fail(err, 0, "--cgroup-parent: expected a path without \"..\"");
      cfg->cgroup_parent = v[0];
    } else if (strcmp(opt, "--ro-bind") == 0 || strcmp(opt, "--ro-bind-try") == 0 ||
               strcmp(opt, "--bind") == 0 || strcmp(opt, "--bind-try") == 0) {
      if (add_mount(cfg, SR_MOUNT_BIND, opt, v[0], v[1], err) < 0) return -1;
      cfg->mounts[cfg->nmounts - 1].read_only = strncmp(opt, "--ro-", 5) == 0;
      cfg->mounts[cfg->nmounts - 1].optional = strstr(opt, "-try") != NULL;
    } else if (strcmp(opt, "--tmpfs") == 0) {
      if (add_mount(cfg, SR_MOUNT_TMPFS, opt, NULL, v[0], err) < 0) return -1;
      if (parse_u64(opt, v[1], UINT64_MAX, &n, err) < 0) return -1;
      cfg->mounts[cfg->nmounts - 1].size = n;
      char *end = NULL;
      unsigned long mode = strtoul(v[2], &end, 8);
      if (*v[2] == '\0' || *end != '\0' || mode > 07777)
        return sr_fail(err, 0, "--tmpfs: expected an octal mode, got \"%s\"", v[2]);
      cfg->mounts[cfg->nmounts - 1].mode = (unsigned int)mode;
    } else if (strcmp(opt, "--proc") == 0) {
      if (add_mount(cfg, SR_MOUNT_PROC, opt, NULL, v[0], err) < 0) return -1;
    } else if (strcmp(opt, "--dev") == 0) {
      if (add_mount(cfg, SR_MOUNT_DEV, opt, NULL, v[0], err) < 0) return -1;
    } else if (strcmp(opt, "--symlink") == 0) {
      if (add_mount(cfg, SR_MOUNT_SYMLINK, opt, v[0], v[1], err) < 0) return -1;
    } else if (strcmp(opt, "--source-type") == 0) {
      struct sr_mount *last = cfg->nmounts ? &cfg->mounts[cfg->nmounts - 1] : NULL;
      if (last == NULL || last->kind != SR_MOUNT_BIND)
        return sr_fail(err, 0, "--source-type: must follow a bind (--bind, --ro-bind…)");
      if (strcmp(v[0], "dir") == 0)
        last->expect = SR_SOURCE_DIR;
      else if (strcmp(v[0], "file") == 0)
        last->expect = SR_SOURCE_FILE;
      else
        return sr_fail(err, 0, "--source-type: expected dir or file, got \"%s\"", v[0]);
    } else if (strcmp(opt, "--restrict-tcp-bind") == 0 ||
               strcmp(opt, "--restrict-tcp-connect") == 0) {
      bool bind = strcmp(opt, "--restrict-tcp-bind") == 0;
      uint64_t p[SR_MAX_PORTS];
      size_t n_ports = 0;
      if (parse_list(opt, v[0], 65535, p, SR_MAX_PORTS, &n_ports, err) < 0) return -1;
      for (size_t k = 0; k < n_ports; k++)
        (bind ? cfg->bind_ports : cfg->connect_ports)[k] = (uint16_t)p[k];
      *(bind ? &cfg->nbind_ports : &cfg->nconnect_ports) = n_ports;
      *(bind ? &cfg->restrict_tcp_bind : &cfg->restrict_tcp_connect) = true;
    } else if (strcmp(opt, "--mask") == 0 || strcmp(opt, "--read-only") == 0) {
      if (parse_path(opt, v[0], err) < 0) return -1;
      if (strcmp(opt, "--mask") == 0)
        cfg->masked[cfg->nmasked++] = v[0];
      else
        cfg->read_only[cfg->nread_only++] = v[0];
    } else if (strcmp(opt, "--image-layer") == 0) {
      if (parse_path(opt, v[0], err) < 0) return -1;
      if (cfg->nimage_layers >= SR_MAX_IMAGE_LAYERS)
        return sr_fail(err, 0, "%s: more than %d layers", opt, SR_MAX_IMAGE_LAYERS);
      cfg->image_layers[cfg->nimage_layers++] = v[0];
    } else if (strcmp(opt, "--image-root") == 0) {
      if (parse_path(opt, v[0], err) < 0) return -1;
      if (cfg->image_root) return sr_fail(err, 0, "%s: given twice", opt);
      cfg->image_root = v[0];
    } else if (strcmp(opt, "--writable-layer") == 0) {
      if (parse_path(opt, v[0], err) < 0) return -1;
      if (cfg->writable_layer) return sr_fail(err, 0, "%s: given twice", opt);
      cfg->writable_layer = v[0];
    } else if (strcmp(opt, "--sysctl") == 0) {
      if (strncmp(v[0], "net.", 4) != 0 || strchr(v[0], '=') == NULL || strstr(v[0], "..") ||
          strchr(v[0], '/'))
        return sr_fail(err, 0, "--sysctl: expected net.NAME=VALUE, got \"%s\"", v[0]);
      if (cfg->nsysctls == SR_MAX_SYSCTLS) return sr_fail(err, 0, "--sysctl: too many");
      cfg->sysctls[cfg->nsysctls++] = v[0];
    } else if (strcmp(opt, "--cpu") == 0) {
      char *colon = strchr(v[0], ':');
      uint64_t q = 0, per = 0;
      if (colon == NULL) return sr_fail(err, 0, "--cpu: expected QUOTA:PERIOD, got \"%s\"", v[0]);
      *colon = '\0';
      int rc = parse_u64(opt, v[0], 1000000000, &q, err);
      *colon = ':';
      if (rc < 0 || parse_u64(opt, colon + 1, 1000000, &per, err) < 0) return -1;
      if (q < 1000 || per < 1000)
        return sr_fail(err, 0, "--cpu: quota and period must be at least 1000 microseconds");
      cfg->cpu_quota = (int64_t)q;
      cfg->cpu_period = (int64_t)per;
    } else if (strcmp(opt, "--landlock-fs") == 0) {
      unsigned int access = 0;
      for (const char *c = v[0]; *c; c++) {
        if (*c == 'r') access |= SR_ACCESS_READ;
        else if (*c == 'w') access |= SR_ACCESS_WRITE;
        else if (*c == 'x') access |= SR_ACCESS_EXECUTE;
        else return sr_fail(err, 0, "--landlock-fs: access is made of r, w, x; got \"%s\"", v[0]);
      }
      if (parse_path(opt, v[1], err) < 0) return -1;
      cfg->fs_rules[cfg->nfs_rules++] = (struct sr_fs_rule){v[1], access};
      cfg->restrict_fs = true;
    } else if (strcmp(opt, "--landlock-scope") == 0) {
      char *copy = strdup(v[0]), *save = NULL;
      if (copy == NULL) return sr_fail(err, ENOMEM, "--landlock-scope");
      for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, "abstract-unix") == 0) {
          cfg->landlock_scope |= SR_SCOPE_ABSTRACT_UNIX;
        } else if (strcmp(t, "signal") == 0) {
          cfg->landlock_scope |= SR_SCOPE_SIGNAL;
        } else {
          sr_fail(err, 0, "--landlock-scope: unknown scope \"%s\" (abstract-unix, signal)", t);
          free(copy);
          return -1;
        }
      }
      free(copy);
      if (cfg->landlock_scope == 0) return sr_fail(err, 0, "--landlock-scope: expected a list");
    } else if (strcmp(opt, "--net-hook") == 0) {
      if (v[0][0] != '/' || v[1][0] != '/')
        return sr_fail(err, 0, "--net-hook: expected an absolute executable and configuration");
      cfg->net_hook = v[0];
      cfg->net_hook_config = v[1];
    } else if (strcmp(opt, "--instance") == 0) {
      if (v[0][0] == '\0') return sr_fail(err, 0, "--instance: expected a directory");
      cfg->instance_dir = v[0];
    } else if (strcmp(opt, "--instance-name") == 0) {
      if (!valid_instance_name(v[0]))
        return sr_fail(err, 0,
                       "--instance-name: expected a name of 1 to 63 letters, digits, _ . - (not "
                       "starting with _ . -), got \"%s\"",
                       v[0]);
      cfg->instance_name = v[0];
    } else if (strcmp(opt, "--ready-fd") == 0) {
      if (parse_u64(opt, v[0], INT32_MAX, &n, err) < 0) return -1;
      if (n < 3) return sr_fail(err, 0, "%s: expected a descriptor above 2", opt);
      cfg->ready_fd = (int)n;
    } else if (strcmp(opt, "--restart") == 0) {
      if (strcmp(v[0], "no") == 0)
        cfg->restart_policy = SR_RESTART_NO;
      else if (strcmp(v[0], "on-failure") == 0)
        cfg->restart_policy = SR_RESTART_ON_FAILURE;
      else if (strcmp(v[0], "always") == 0)
        cfg->restart_policy = SR_RESTART_ALWAYS;
      else
        return sr_fail(err, 0, "--restart: expected no, on-failure or always, got \"%s\"", v[0]);
      restart_given = true;
    } else if (strcmp(opt, "--max-retries") == 0) {
      if (strcmp(v[0], "-1") != 0) {
        if (parse_u64(opt, v[0], INT32_MAX, &n, err) < 0) return -1;
        cfg->max_retries = (int64_t)n;
      }
      retries_given = true;
    } else if (strcmp(opt, "--stop-signal") == 0) {
      cfg->stop_signal = parse_signal(v[0]);
      if (cfg->stop_signal == 0)
        return sr_fail(err, 0,
                       "--stop-signal: expected a signal name (SIGTERM, SIGINT, SIGQUIT, SIGHUP, "
                       "SIGUSR1…) or number, got \"%s\"",
                       v[0]);
      stop_given = true;
    } else if (strcmp(opt, "--log-max") == 0) {
      if (parse_u64(opt, v[0], INT64_MAX, &n, err) < 0) return -1;
      if (n < 1024) return sr_fail(err, 0, "--log-max: expected at least 1024 bytes, got %s", v[0]);
      cfg->log_max = (int64_t)n;
      log_given = true;
    } else if (strcmp(opt, "--trace-fd") == 0) {
      if (parse_u64(opt, v[0], INT32_MAX, &n, err) < 0) return -1;
      if (n < 3) return sr_fail(err, 0, "%s: expected a descriptor above 2", opt);
      cfg->trace_fd = (int)n;
    } else if (strcmp(opt, "--refusals-summary") == 0) {
      if (strcmp(v[0], "auto") == 0) cfg->refusals_summary = SR_SUMMARY_AUTO;
      else if (strcmp(v[0], "always") == 0) cfg->refusals_summary = SR_SUMMARY_ALWAYS;
      else if (strcmp(v[0], "off") == 0) cfg->refusals_summary = SR_SUMMARY_OFF;
      else return sr_fail(err, 0, "%s: expected auto, always or off, got \"%s\"", opt, v[0]);
    } else if (strcmp(opt, "--refusals-fd") == 0 || strcmp(opt, "--refusal-fixes-fd") == 0) {
      if (parse_u64(opt, v[0], INT32_MAX, &n, err) < 0) return -1;
      if (n < 3) return sr_fail(err, 0, "%s: expected a descriptor above 2", opt);
      *(strcmp(opt, "--refusals-fd") == 0 ? &cfg->refusals_fd : &cfg->fixes_fd) = (int)n;
    } else if (strcmp(opt, "--seccomp-fd") == 0 || strcmp(opt, "--report-fd") == 0 ||
               strcmp(opt, "--explain-fd") == 0) {
      if (parse_u64(opt, v[0], INT32_MAX, &n, err) < 0) return -1;
      if (n < 3) return sr_fail(err, 0, "%s: expected a descriptor above 2", opt);
      *(strcmp(opt, "--seccomp-fd") == 0  ? &cfg->seccomp_fd
        : strcmp(opt, "--report-fd") == 0 ? &cfg->report_fd
                                           : &cfg->explain_fd) = (int)n;
    } else {
      return sr_fail(err, 0, "unknown option \"%s\" (see --help)", opt);
    }
  }
  if (i >= argc) return sr_fail(err, 0, "no program given (put it after --)");
  cfg->argv = &argv[i];
  cfg->new_root = cfg->nmounts > 0 || cfg->nimage_layers > 0;
  for (size_t k = 0; k < cfg->nmounts; k++)
    if (cfg->mounts[k].from_image && !cfg->nimage_layers)
      return sr_fail(err, 0, "--from-image needs --image-layer");
  if (cfg->new_root && !(cfg->clone_flags & CLONE_NEWNS))
    return sr_fail(err, 0, "mount options need \"mount\" in --unshare");
  if (cfg->hostname && !(cfg->clone_flags & CLONE_NEWUTS))
    return sr_fail(err, 0, "--hostname needs \"uts\" in --unshare");
  if (cfg->swap_max >= 0 && cfg->memory_max < 0)
    return sr_fail(err, 0, "--memory-swap needs --memory");
  if (cfg->writable_layer && !cfg->new_root)
    return sr_fail(err, 0, "--writable-layer needs a new root (mount options)");
  if ((cfg->nmasked || cfg->nread_only) && !cfg->new_root)
    return sr_fail(err, 0, "--mask and --read-only need a new root (mount options)");
  /* The cgroup namespace is entered by init once it is in the app's cgroup, not at clone. */
  cfg->cgroup_ns = (cfg->clone_flags & CLONE_NEWCGROUP) != 0;
  cfg->clone_flags &= ~CLONE_NEWCGROUP;
  if (cfg->no_cgroup && (cfg->memory_max >= 0 || cfg->pids_max >= 0 || cfg->cpu_quota >= 0 ||
                         cfg->cgroup_parent))
    return sr_fail(err, 0,
                   "--no-cgroup excludes --memory, --pids, --cpu and --cgroup-parent (limits need "
                   "a cgroup)");
  if (cfg->map_caller) {
    if (cfg->nuid_map || cfg->ngid_map)
      return sr_fail(err, 0, "--map-caller excludes --uid-map and --gid-map");
    if (!(cfg->clone_flags & CLONE_NEWUSER))
      return sr_fail(err, 0, "--map-caller needs \"user\" in --unshare");
    /* Root's app would be root on the host's files that its view reaches. */
    if (geteuid() == 0)
      return sr_fail(err, 0,
                     "--map-caller: the caller is root, whose app must not map to uid 0 outside; "
                     "give --uid-map and --gid-map (an unprivileged range)");
    cfg->uid_map[cfg->nuid_map++] = (struct sr_id_map){cfg->uid, geteuid(), 1};
    cfg->gid_map[cfg->ngid_map++] = (struct sr_id_map){cfg->gid, getegid(), 1};
  }
  if ((cfg->nuid_map || cfg->ngid_map) && !(cfg->clone_flags & CLONE_NEWUSER))
    return sr_fail(err, 0, "--uid-map and --gid-map need \"user\" in --unshare");
  if ((cfg->clone_flags & CLONE_NEWUSER) && (cfg->nuid_map == 0 || cfg->ngid_map == 0))
    return sr_fail(err, 0, "\"user\" in --unshare needs --uid-map and --gid-map");
  if ((cfg->explain_fd >= 0 || cfg->trace_fd >= 0) && cfg->seccomp_fd < 0)
    return sr_fail(err, 0, "--explain-fd and --trace-fd need --seccomp-fd (the notifying filter)");
  if (cfg->explain_fd >= 0 && cfg->trace_fd >= 0)
    return sr_fail(err, 0, "--explain-fd and --trace-fd exclude each other");
  if (cfg->refusals_fd >= 0 && cfg->seccomp_fd < 0)
    return sr_fail(err, 0, "--refusals-fd needs --seccomp-fd (the notifying filter)");
  if (cfg->refusals_fd >= 0 && (cfg->explain_fd >= 0 || cfg->trace_fd >= 0))
    return sr_fail(err, 0, "--refusals-fd excludes --explain-fd (which counts refusals too) and "
                           "--trace-fd");
  if (cfg->fixes_fd >= 0 && cfg->refusals_fd < 0 && cfg->explain_fd < 0)
    return sr_fail(err, 0, "--refusal-fixes-fd goes with --refusals-fd or --explain-fd");
  if (cfg->nrelabel && !cfg->selinux_mount_label)
    return sr_fail(err, 0, "--relabel needs --selinux-mount-label");
  /* Refused before anything is written: a system path, a home directory. */
  for (size_t i = 0; i < cfg->nrelabel; i++)
    if (sr_relabel_allowed(cfg->relabel[i], err) < 0) return -1;
  if (cfg->mcs_registry && (!cfg->selinux_label || !cfg->selinux_mount_label))
    return sr_fail(err, 0, "--selinux-mcs-registry needs --selinux-label and --selinux-mount-label");
  if (cfg->mcs_group && !cfg->mcs_registry)
    return sr_fail(err, 0, "--selinux-mcs-shared needs --selinux-mcs-registry");
  if (cfg->nsysctls && !(cfg->clone_flags & CLONE_NEWNET))
    return sr_fail(err, 0, "--sysctl needs \"net\" in --unshare");
  if (cfg->net_hook && !(cfg->clone_flags & CLONE_NEWNET))
    return sr_fail(err, 0, "--net-hook needs \"net\" in --unshare");
  if (cfg->instance_dir == NULL &&
      (cfg->ready_fd >= 0 || restart_given || retries_given || stop_given || log_given ||
       cfg->remove_when_done || cfg->instance_name))
    return sr_fail(err, 0,
                   "--ready-fd, --restart, --max-retries, --stop-signal, --log-max, "
                   "--remove-when-done and --instance-name need --instance");
  if (cfg->instance_dir) {
    /* The supervisor of an instance outlives its caller and reports through DIR/state.json. */
    if (cfg->die_with_parent || cfg->report_fd >= 0 || cfg->explain_fd >= 0 || cfg->trace_fd >= 0 ||
        cfg->refusals_fd >= 0 || cfg->fixes_fd >= 0)
      return sr_fail(err, 0,
                     "--instance excludes --die-with-parent, --report-fd, --explain-fd, "
                     "--refusals-fd, --refusal-fixes-fd and --trace-fd (the instance's state is in "
                     "DIR/state.json)");
    if (retries_given && cfg->restart_policy == SR_RESTART_NO)
      return sr_fail(err, 0, "--max-retries needs --restart on-failure or always");
    if (cfg->instance_name && !cfg->remove_when_done)
      return sr_fail(err, 0, "--instance-name goes with --remove-when-done");
  }
  /* What needs root's privileges on the host, refused up front for anyone else. */
  if (geteuid() != 0 && cfg->mcs_registry)
    return sr_fail(err, 0,
                   "--selinux-mcs-registry: SELinux categories are allocated for root launches "
                   "only (an unprivileged caller cannot give its app a label: the app keeps the "
                   "caller's)");
  if (geteuid() != 0 && cfg->nrelabel)
    return sr_fail(err, 0, "--relabel: relabelling volumes needs root (relabelfrom/to)");
  return 0;
}

void sr_args_free(struct sr_config *cfg) {
  free(cfg->mounts);
  free(cfg->env);
  free(cfg->masked);
  free(cfg->read_only);
  free(cfg->fs_rules);
  free(cfg->relabel);
  free(cfg->inherited_fds);
  cfg->inherited_fds = NULL;
  cfg->ninherited_fds = 0;
  cfg->mounts = NULL;
  cfg->env = NULL;
  cfg->masked = cfg->read_only = NULL;
  cfg->fs_rules = NULL;
}
