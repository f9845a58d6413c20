/* The launcher's command line: what it accepts and what it refuses. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <unistd.h>

#include "../launcher/args.h"
#include "../launcher/caps.h"
#include "check.h"

#define ARGV(...) ((char *[]){"secure-run-launch", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"secure-run-launch", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(cfg, err, ...) sr_args_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), cfg, err)

static void full_command_line(void) {
  struct sr_config cfg;
  struct sr_error err = {0};
  int rc = PARSE(&cfg, &err, "--name", "web", "--unshare", "ipc,mount,net,pid,uts", "--uid", "65534",
                 "--gid", "65534", "--groups", "4,27", "--hostname", "h", "--env", "A=1", "--env",
                 "PATH=/bin", "--cap", "NET_BIND_SERVICE", "--cap", "CAP_KILL", "--rlimit",
                 "nofile=1024:4096", "--memory", "67108864", "--memory-swap", "0", "--pids", "32",
                 "--ro-bind", "/usr", "/usr", "--ro-bind-try", "/etc/x", "/etc/x", "--tmpfs", "/tmp",
                 "1048576", "1777", "--proc", "/proc", "--dev", "/dev", "--symlink", "usr/bin",
                 "/bin", "--read-only-root", "--new-session", "--restrict-tcp-bind", "8080,8443",
                 "--seccomp-fd", "3", "--report-fd", "4", "--", "/bin/echo", "hi");
  CHECK(rc == 0);
  if (rc != 0) fprintf(stderr, "  %s\n", err.msg);
  CHECK_STR(cfg.name, "web");
  CHECK(cfg.clone_flags == (CLONE_NEWIPC | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWUTS));
  CHECK(cfg.uid == 65534 && cfg.gid == 65534);
  CHECK(cfg.ngroups == 2 && cfg.groups[0] == 4 && cfg.groups[1] == 27);
  CHECK(cfg.nenv == 2 && cfg.env[2] == NULL);
  CHECK(cfg.keep_caps == ((1ULL << 10) | (1ULL << 5)));
  CHECK(cfg.nrlimits == 1 && cfg.rlimits[0].soft == 1024 && cfg.rlimits[0].hard == 4096);
  CHECK(cfg.memory_max == 67108864 && cfg.swap_max == 0 && cfg.pids_max == 32);
  CHECK(cfg.nmounts == 6);
  CHECK(cfg.mounts[0].kind == SR_MOUNT_BIND && cfg.mounts[0].read_only && !cfg.mounts[0].optional);
  CHECK(cfg.mounts[1].optional);
  CHECK(cfg.mounts[2].kind == SR_MOUNT_TMPFS && cfg.mounts[2].size == 1048576 &&
        cfg.mounts[2].mode == 01777);
  CHECK(cfg.mounts[5].kind == SR_MOUNT_SYMLINK && strcmp(cfg.mounts[5].source, "usr/bin") == 0);
  CHECK(cfg.new_root && cfg.read_only_root && cfg.new_session);
  CHECK(cfg.restrict_tcp_bind && cfg.nbind_ports == 2 && cfg.bind_ports[1] == 8443);
  CHECK(cfg.seccomp_fd == 3 && cfg.report_fd == 4);
  CHECK_STR(cfg.argv[0], "/bin/echo");
  CHECK_STR(cfg.argv[1], "hi");
  CHECK(cfg.argv[2] == NULL);
  sr_args_free(&cfg);
}

static void user_namespace(void) {
  struct sr_config cfg;
  struct sr_error err = {0};
  CHECK(PARSE(&cfg, &err, "--unshare", "user,cgroup,pid", "--uid-map", "0:100000:65536",
              "--gid-map", "0:100000:65536", "--", "/bin/true") == 0);
  CHECK(cfg.nuid_map == 1 && cfg.uid_map[0].outside == 100000 && cfg.uid_map[0].count == 65536);
  CHECK((cfg.clone_flags & CLONE_NEWUSER) && !(cfg.clone_flags & CLONE_NEWCGROUP) && cfg.cgroup_ns);
  sr_args_free(&cfg);
}

static void empty_port_list_restricts_everything(void) {
  struct sr_config cfg;
  struct sr_error err = {0};
  CHECK(PARSE(&cfg, &err, "--restrict-tcp-bind", "", "--", "/bin/true") == 0);
  CHECK(cfg.restrict_tcp_bind && cfg.nbind_ports == 0);
  sr_args_free(&cfg);
}

/* Each of these must be refused, with a message naming the option. */
static void refuses(const char *expect, int argc, char **argv) {
  struct sr_config cfg;
  struct sr_error err = {0};
  int rc = sr_args_parse(argc, argv, &cfg, &err);
  CHECK(rc == -1);
  if (rc == -1 && strstr(err.msg, expect) == NULL) {
    fprintf(stderr, "  message \"%s\" does not mention \"%s\"\n", err.msg, expect);
    CHECK(0);
  }
  sr_args_free(&cfg);
}

#define REFUSES(expect, ...) refuses(expect, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static void bad_input(void) {
  REFUSES("no program", "--name", "x");
  REFUSES("no program", "--name", "x", "--");
  REFUSES("--memory", "--memory", "12k", "--", "/bin/true");
  REFUSES("--memory", "--memory", "-1", "--", "/bin/true");
  REFUSES("--uid", "--uid", "99999999999", "--", "/bin/true");
  REFUSES("unknown namespace", "--unshare", "pid,time", "--", "/bin/true");
  REFUSES("needs --uid-map", "--unshare", "pid,user", "--", "/bin/true");
  REFUSES("INSIDE:OUTSIDE:COUNT", "--unshare", "user", "--uid-map", "0:1", "--", "/bin/true");
  REFUSES("past the largest id", "--unshare", "user", "--uid-map", "0:4294967000:65536", "--", "/bin/true");
  REFUSES("need \"user\"", "--uid-map", "0:1000:1", "--gid-map", "0:1000:1", "--", "/bin/true");
  REFUSES("unknown capability", "--cap", "SYS_GOD", "--", "/bin/true");
  REFUSES("absolute", "--unshare", "mount", "--ro-bind", "usr", "/usr", "--", "/bin/true");
  REFUSES("..", "--unshare", "mount", "--ro-bind", "/usr", "/usr/../etc", "--", "/bin/true");
  REFUSES("mount", "--ro-bind", "/usr", "/usr", "--", "/bin/true");
  REFUSES("uts", "--hostname", "h", "--", "/bin/true");
  REFUSES("octal", "--unshare", "mount", "--tmpfs", "/tmp", "1024", "9", "--", "/bin/true");
  REFUSES("missing value", "--tmpfs", "/tmp", "1024");
  REFUSES("NAME=SOFT:HARD", "--rlimit", "nofile", "--", "/bin/true");
  REFUSES("soft limit above hard", "--rlimit", "nofile=10:5", "--", "/bin/true");
  REFUSES("unknown resource", "--rlimit", "files=1:1", "--", "/bin/true");
  REFUSES("NAME=VALUE", "--env", "NOEQUALS", "--", "/bin/true");
  REFUSES("above 2", "--seccomp-fd", "1", "--", "/bin/true");
  REFUSES("unknown option", "--bogus", "1", "--", "/bin/true");
  REFUSES("after --", "stray", "--", "/bin/true");
  REFUSES("--memory-swap needs --memory", "--memory-swap", "0", "--", "/bin/true");
  REFUSES("absolute", "--unshare", "mount", "--proc", "/proc", "--writable-layer", "layer", "--", "/bin/true");
  REFUSES("needs a new root", "--writable-layer", "/var/lib/l", "--", "/bin/true");
  REFUSES("given twice", "--unshare", "mount", "--proc", "/proc", "--writable-layer", "/a",
          "--writable-layer", "/b", "--", "/bin/true");
  REFUSES("--selinux-mcs-registry needs --selinux-label", "--selinux-mcs-registry", "/run/x",
          "--", "/bin/true");
  REFUSES("--selinux-mcs-registry: expected an absolute path", "--selinux-mcs-registry", "rel",
          "--selinux-label", "a", "--selinux-mount-label", "b", "--", "/bin/true");
  REFUSES("up to 65535", "--restrict-tcp-bind", "80,70000", "--", "/bin/true");
  REFUSES("--source-type: must follow a bind", "--unshare", "mount", "--tmpfs", "/tmp", "4096",
          "755", "--source-type", "dir", "--", "/bin/true");
  REFUSES("--source-type: expected dir or file", "--unshare", "mount", "--ro-bind", "/usr", "/usr",
          "--source-type", "fifo", "--", "/bin/true");
  REFUSES("--no-cgroup excludes", "--no-cgroup", "--pids", "16", "--", "/bin/true");
  REFUSES("--no-cgroup excludes", "--memory", "1048576", "--no-cgroup", "--", "/bin/true");
  REFUSES("--no-cgroup excludes", "--no-cgroup", "--cgroup-parent", "x", "--", "/bin/true");
  REFUSES("--map-caller excludes", "--unshare", "user", "--map-caller", "--uid-map", "0:1000:1",
          "--", "/bin/true");
  REFUSES("--map-caller needs \"user\"", "--map-caller", "--", "/bin/true");
  REFUSES("--net-hook needs \"net\"", "--net-hook", "/bin/hook", "/run/n.json", "--", "/bin/true");
  REFUSES("--net-hook: expected an absolute", "--unshare", "net", "--net-hook", "hook", "/run/n.json",
          "--", "/bin/true");
  REFUSES("--net-hook: missing value", "--unshare", "net", "--net-hook", "/bin/hook");
}

/* --map-caller: the app's ids map to the caller's own, one each; root is refused (its app
 * would be uid 0 on the host's files). --no-cgroup stands alone. */
static void rootless_options(void) {
  struct sr_config cfg;
  struct sr_error err = {0};
  int rc = PARSE(&cfg, &err, "--unshare", "user,mount", "--map-caller", "--uid", "1000", "--gid",
                 "1001", "--no-cgroup", "--", "/bin/true");
  if (geteuid() == 0) {
    CHECK(rc == -1 && strstr(err.msg, "the caller is root") != NULL);
  } else {
    CHECK(rc == 0);
    CHECK(cfg.nuid_map == 1 && cfg.uid_map[0].inside == 1000 && cfg.uid_map[0].outside == geteuid() &&
          cfg.uid_map[0].count == 1);
    CHECK(cfg.ngid_map == 1 && cfg.gid_map[0].inside == 1001 && cfg.gid_map[0].outside == getegid());
  }
  sr_args_free(&cfg);
  CHECK(PARSE(&cfg, &err, "--no-cgroup", "--", "/bin/true") == 0 && cfg.no_cgroup);
  sr_args_free(&cfg);
}

static void source_types(void) {
  struct sr_config cfg;
  struct sr_error err = {0};
  CHECK(PARSE(&cfg, &err, "--unshare", "mount", "--ro-bind", "/usr", "/usr", "--source-type", "dir",
              "--ro-bind-try", "/etc/x", "/etc/x", "--source-type", "file", "--bind", "/srv",
              "/srv", "--", "/bin/true") == 0);
  CHECK(cfg.nmounts == 3 && cfg.mounts[0].expect == SR_SOURCE_DIR &&
        cfg.mounts[1].expect == SR_SOURCE_FILE && cfg.mounts[2].expect == SR_SOURCE_ANY);
  sr_args_free(&cfg);
}

static void capability_names(void) {
  CHECK(sr_cap_from_name("CHOWN") == 0);
  CHECK(sr_cap_from_name("CAP_SYS_ADMIN") == 21);
  CHECK(sr_cap_from_name("CHECKPOINT_RESTORE") == 40);
  CHECK(sr_cap_from_name("chown") == -1);
  CHECK(sr_cap_last() >= 40);
}

/* Instance mode: its options, their defaults, and what they exclude. */
static void instance_options(void) {
  struct sr_config cfg;
  struct sr_error err = {0};
  CHECK(PARSE(&cfg, &err, "--instance", "/d", "--", "/bin/true") == 0);
  CHECK_STR(cfg.instance_dir, "/d");
  CHECK(cfg.ready_fd == -1 && cfg.restart_policy == SR_RESTART_NO && cfg.max_retries == -1);
  CHECK(cfg.stop_signal == SIGTERM && cfg.log_max == SR_LOG_MAX_DEFAULT && !cfg.remove_when_done);
  sr_args_free(&cfg);
  CHECK(PARSE(&cfg, &err, "--instance", "/d", "--ready-fd", "3", "--restart", "on-failure",
              "--max-retries", "5", "--stop-signal", "SIGQUIT", "--log-max", "4096",
              "--remove-when-done", "--instance-name", "web-1.a", "--", "/bin/true") == 0);
  CHECK(cfg.ready_fd == 3 && cfg.restart_policy == SR_RESTART_ON_FAILURE && cfg.max_retries == 5);
  CHECK(cfg.stop_signal == SIGQUIT && cfg.log_max == 4096 && cfg.remove_when_done);
  CHECK_STR(cfg.instance_name, "web-1.a");
  sr_args_free(&cfg);
  CHECK(PARSE(&cfg, &err, "--instance", "/d", "--restart", "always", "--max-retries", "-1",
              "--stop-signal", "10", "--", "/bin/true") == 0);
  CHECK(cfg.restart_policy == SR_RESTART_ALWAYS && cfg.max_retries == -1 && cfg.stop_signal == 10);
  sr_args_free(&cfg);
  REFUSES("need --instance", "--ready-fd", "3", "--", "/bin/true");
  REFUSES("need --instance", "--restart", "always", "--", "/bin/true");
  REFUSES("need --instance", "--remove-when-done", "--", "/bin/true");
  REFUSES("--restart: expected no, on-failure or always", "--instance", "/d", "--restart", "yes",
          "--", "/bin/true");
  REFUSES("--max-retries needs --restart", "--instance", "/d", "--max-retries", "3", "--",
          "/bin/true");
  REFUSES("--stop-signal: expected a signal", "--instance", "/d", "--stop-signal", "SIGFOO", "--",
          "/bin/true");
  REFUSES("--stop-signal: expected a signal", "--instance", "/d", "--stop-signal", "0", "--",
          "/bin/true");
  REFUSES("--log-max: expected at least 1024", "--instance", "/d", "--log-max", "10", "--",
          "/bin/true");
  REFUSES("--instance-name: expected a name", "--instance", "/d", "--remove-when-done",
          "--instance-name", "../x", "--", "/bin/true");
  REFUSES("--instance-name: expected a name", "--instance", "/d", "--remove-when-done",
          "--instance-name", ".hidden", "--", "/bin/true");
  REFUSES("--instance-name goes with --remove-when-done", "--instance", "/d", "--instance-name",
          "web", "--", "/bin/true");
  REFUSES("--instance excludes", "--instance", "/d", "--die-with-parent", "--", "/bin/true");
  REFUSES("--instance excludes", "--instance", "/d", "--report-fd", "4", "--", "/bin/true");
  REFUSES("above 2", "--instance", "/d", "--ready-fd", "2", "--", "/bin/true");
}

/* --image-layer: the new root is an overlay of the layers, top first; --from-image marks the
 * read-only bind just before it as a path of the image. */
static void image_layers(void) {
  struct sr_config cfg;
  struct sr_error err = {0};
  int rc = PARSE(&cfg, &err, "--unshare", "mount", "--image-layer", "/s/layers/top",
                 "--image-layer", "/s/layers/bottom", "--ro-bind", "/usr", "/usr", "--from-image",
                 "--proc", "/proc", "--", "/bin/true");
  CHECK(rc == 0);
  if (rc != 0) fprintf(stderr, "  %s\n", err.msg);
  CHECK(cfg.new_root);
  CHECK(cfg.nimage_layers == 2);
  CHECK_STR(cfg.image_layers[0], "/s/layers/top");
  CHECK_STR(cfg.image_layers[1], "/s/layers/bottom");
  CHECK(cfg.mounts[0].from_image && !cfg.mounts[1].from_image);
  sr_args_free(&cfg);
  /* Layers alone make a new root. */
  rc = PARSE(&cfg, &err, "--unshare", "mount", "--image-layer", "/l", "--", "/bin/true");
  CHECK(rc == 0 && cfg.new_root && cfg.nmounts == 0);
  sr_args_free(&cfg);
  REFUSES("--image-layer: expected an absolute path", "--unshare", "mount", "--image-layer", "l",
          "--", "/bin/true");
  REFUSES("\"..\" is not allowed", "--unshare", "mount", "--image-layer", "/s/../l", "--",
          "/bin/true");
  REFUSES("--from-image: must follow a read-only bind", "--unshare", "mount", "--image-layer",
          "/l", "--bind", "/usr", "/usr", "--from-image", "--", "/bin/true");
  REFUSES("--from-image: must follow a read-only bind", "--unshare", "mount", "--image-layer",
          "/l", "--from-image", "--", "/bin/true");
  REFUSES("--from-image needs --image-layer", "--unshare", "mount", "--ro-bind", "/usr", "/usr",
          "--from-image", "--", "/bin/true");
  REFUSES("mount options need \"mount\"", "--image-layer", "/l", "--", "/bin/true");
  char *argv[2 * SR_MAX_IMAGE_LAYERS + 8];
  int argc = 0;
  argv[argc++] = "secure-run-launch";
  argv[argc++] = "--unshare";
  argv[argc++] = "mount";
  for (int i = 0; i <= SR_MAX_IMAGE_LAYERS; i++) {
    argv[argc++] = "--image-layer";
    argv[argc++] = "/l";
  }
  argv[argc++] = "--";
  argv[argc++] = "/bin/true";
  argv[argc] = NULL;
  rc = sr_args_parse(argc, argv, &cfg, &err);
  CHECK(rc < 0 && strstr(err.msg, "more than 128 layers") != NULL);
  sr_args_free(&cfg);
}

int main(void) {
  full_command_line();
  image_layers();
  instance_options();
  empty_port_list_restricts_everything();
  user_namespace();
  bad_input();
  source_types();
  rootless_options();
  capability_names();
  return checks_report("test_args");
}
