/* What the launcher is asked to do: one launch, fully explicit. Filled by sr_args_parse from
 * the command line; nothing in here is a default that the plan did not state. */
#ifndef SR_CONFIG_H
#define SR_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

struct sr_fixes;

#define SR_MAX_GROUPS 64
#define SR_MAX_RLIMITS 16
#define SR_MAX_PORTS 64
#define SR_MAX_SYSCTLS 8
#define SR_MAX_ID_MAPS 8

enum sr_mount_kind { SR_MOUNT_BIND, SR_MOUNT_TMPFS, SR_MOUNT_PROC, SR_MOUNT_DEV, SR_MOUNT_SYMLINK };

/* What a bind source must be (--source-type); ANY when the command line does not say. */
enum sr_source_type { SR_SOURCE_ANY, SR_SOURCE_DIR, SR_SOURCE_FILE };

struct sr_mount {
  enum sr_mount_kind kind;
  const char *source; /* bind: host path; symlink: the link's content */
  const char *target; /* absolute path inside the sandbox */
  bool read_only;
  bool optional; /* bind: skip when the source does not exist */
  enum sr_source_type expect; /* bind: refused when the source is something else */
  uint64_t size; /* tmpfs: bytes */
  unsigned int mode; /* tmpfs: permissions of its root */
  /* bind: the source, opened by the supervisor with open_tree before any namespace (a user
   * namespace could not reach host paths that are not world-accessible); -1: not opened,
   * -2: optional and missing. */
  int tree_fd;
  bool is_dir;
  /* bind (--from-image): the source is a path of the image's read-only overlay (resolved in it
   * as in a root), not of the host. */
  bool from_image;
};

#define SR_MAX_IMAGE_LAYERS 128

/* Landlock filesystem access, by kind. */
#define SR_ACCESS_READ 1u
#define SR_ACCESS_WRITE 2u
#define SR_ACCESS_EXECUTE 4u

/* Landlock scopes (ABI 6): what the app may not reach outside its own Landlock domain. */
#define SR_SCOPE_ABSTRACT_UNIX 1u /* abstract unix sockets bound outside (the host's, on its network) */
#define SR_SCOPE_SIGNAL 2u        /* signals to processes outside */

struct sr_fs_rule {
  const char *path; /* inside the sandbox */
  unsigned int access;
};

struct sr_id_map {
  uint32_t inside, outside, count;
};

struct sr_rlimit {
  int resource;
  rlim_t soft, hard;
};

struct sr_config {
  const char *name;     /* the app's name, part of the cgroup's name */
  const char *hostname; /* NULL: keep */
  int clone_flags;      /* CLONE_NEW… */
  bool cgroup_ns;       /* a cgroup namespace rooted at the app's cgroup */
  struct sr_id_map uid_map[SR_MAX_ID_MAPS]; /* with CLONE_NEWUSER */
  size_t nuid_map;
  struct sr_id_map gid_map[SR_MAX_ID_MAPS];
  size_t ngid_map;
  uid_t uid;
  gid_t gid;
  gid_t groups[SR_MAX_GROUPS];
  size_t ngroups;
  const char *cwd;
  char **env; /* NULL-terminated; the app's whole environment */
  size_t nenv;
  uint64_t keep_caps; /* bit n: keep capability n */
  struct sr_rlimit rlimits[SR_MAX_RLIMITS];
  size_t nrlimits;
  bool new_session;
  bool die_with_parent; /* end the app when the launcher's caller dies */
  const char *selinux_label;       /* the app's process label (SELinux enforcing only) */
  const char *selinux_mount_label; /* context= of the tmpfs mounts, and the label relabel gives */
  const char **relabel; /* host paths given selinux_mount_label before the launch (volumes) */
  /* --selinux-mcs-registry: a pair of categories allocated there at launch is appended to both
   * labels (given without categories); a compiled bundle's launches use it. */
  const char *mcs_registry;
  /* --selinux-mcs-shared: the instances of one app, named by this group, share one category
   * (see mcs.h); NULL: not one of a group's instances. */
  const char *mcs_group;
  size_t nrelabel;
  int64_t memory_max;  /* bytes, -1: no limit */
  int64_t swap_max;    /* bytes of swap on top of memory, -1: not set */
  int64_t pids_max;    /* -1: no limit */
  int64_t cpu_quota;   /* microseconds per period, -1: no limit */
  int64_t cpu_period;
  const char *cgroup_parent; /* relative to the launcher's own cgroup; NULL: directly under it */
  bool no_cgroup;            /* --no-cgroup: no cgroup at all (no limits to enforce) */
  bool map_caller;           /* --map-caller: uid/gid inside -> the caller's own, one id each */
  bool unprivileged;         /* the caller is not root (set by the launcher, not an option) */
  struct sr_mount *mounts;
  size_t nmounts;
  bool new_root;        /* build a new root from `mounts` and pivot into it */
  bool read_only_root;
  /* --writable-layer: a directory of the caller's holding upper/ and work/; the new root becomes
   * an overlay of what it is made of (lower) and upper/ (see rootfs.h). NULL: none. */
  const char *writable_layer;
  /* --image-layer: the new root is an overlay of these directories (top layer first), an
   * image's layers in the store; each the caller's own, writable by no one else (see rootfs.h). */
  const char *image_layers[SR_MAX_IMAGE_LAYERS];
  size_t nimage_layers;
  /* --image-root: an image's flattened root in the store, which the binds come from (where the
   * root cannot be an overlay of the layers): held for the launch as the layers are. */
  const char *image_root;
  const char **masked; /* paths hidden from the app */
  size_t nmasked;
  const char **read_only; /* paths made read-only */
  size_t nread_only;
  const char *sysctls[SR_MAX_SYSCTLS]; /* "net.ipv4.x=value", in the new network namespace */
  size_t nsysctls;
  /* --net-hook EXE CONFIG: the private network's plumbing, outside the sandbox. The supervisor
   * runs `EXE net-hook add CONFIG PID` once init's namespaces exist and before the app runs, and
   * `EXE net-hook del CONFIG PID` when the run ends (nethook.h). NULL: none. */
  const char *net_hook;
  const char *net_hook_config;
  struct sr_fs_rule *fs_rules; /* Landlock; restrict_fs: only these paths, with this access */
  size_t nfs_rules;
  bool restrict_fs;
  bool restrict_tcp_bind; /* Landlock: bind only to bind_ports */
  uint16_t bind_ports[SR_MAX_PORTS];
  size_t nbind_ports;
  bool restrict_tcp_connect; /* Landlock: connect only to connect_ports */
  uint16_t connect_ports[SR_MAX_PORTS];
  size_t nconnect_ports;
  unsigned int landlock_scope; /* SR_SCOPE_… */
  int seccomp_fd; /* -1: none */
  const void *bundle_insns; /* --bundle: this architecture's filter (struct sock_filter[]) */
  size_t bundle_len;        /* instructions */
  int explain_fd; /* --explain: the plan's own filter, whose verdicts answer notifications */
  /* --refusals-fd: the plan's own filter, as with --explain-fd, without a line per refusal: the
   * refusals are counted and summarised at the end (refusals.h). */
  int refusals_fd;
  const void *bundle_answers; /* --bundle: the plan's own filter (the bundle's is the notifying) */
  size_t bundle_answers_len;  /* instructions */
  int fixes_fd;               /* --refusal-fixes-fd: the fix table, -1: none */
  const struct sr_fixes *fixes; /* read from fixes_fd or the bundle; NULL: none */
  int refusals_summary;       /* --refusals-summary: enum sr_summary_mode */
  int trace_fd;   /* --trace: where the record of every syscall goes at the end */
  bool trace_progress;
  bool explain_json;
  int report_fd;  /* -1: none */
  char **argv;    /* program and arguments, NULL-terminated */
  /* The descriptors the caller left open (not those of the options above): init closes them
   * before anything else, so neither it nor the app holds one. */
  int *inherited_fds;
  size_t ninherited_fds;
  /* The launcher's own argument strings, as the kernel laid them out (one block): init, a clone
   * of the launcher, shows them as its /proc/1/cmdline to the app unless it wipes them. */
  char *arg_area;
  size_t arg_area_len;

  /* Instance mode (--instance DIR): this launcher is the instance's detached supervisor. */
  const char *instance_dir;  /* NULL: a foreground launch */
  const char *instance_name; /* --instance-name: the name file to remove with the directory */
  int ready_fd;              /* --ready-fd: one JSON line once the first run started, -1: none */
  int restart_policy;        /* SR_RESTART_… */
  int64_t max_retries;       /* restarts allowed, -1: unlimited */
  int stop_signal;           /* --stop-signal, default SIGTERM */
  int64_t log_max;           /* bytes of DIR/log before it is rotated to DIR/log.1 */
  bool remove_when_done;     /* --remove-when-done: remove DIR (and the name file) at the end */
  /* Set by the supervisor for each run, not options: the app's stdin, stdout and stderr (init
   * puts them at 0, 1, 2), and the supervisor's own descriptors that init closes first. */
  bool app_stdio_set;
  int app_stdio[3];
  int supervisor_fds[8];
  size_t nsupervisor_fds;
};

enum { SR_RESTART_NO, SR_RESTART_ON_FAILURE, SR_RESTART_ALWAYS };
#define SR_LOG_MAX_DEFAULT (10 * 1024 * 1024)

#endif
