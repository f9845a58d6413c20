/* exec.node: replaces the Node process with another program (execve), so `secure-run run`
 * leaves no Node process behind once the launcher takes over. Node 20 has no process.execve.
 * Also flock(2), which Node lacks: the CLI's per-instance lock (src/instances/lock.ts); and
 * posix_spawn of a detached instance's supervisor, which Node's spawn does by forking; and what
 * an image layer needs for overlayfs (whiteouts, extended attributes: layerfs.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "layerfs.h"

#define MAX_STRINGS 4096
#define MAX_STRING 65536

static napi_value throw_errno(napi_env env, const char *what, int e) {
  char msg[512];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(e));
  napi_throw_error(env, e == 0 ? "ERR_EXEC" : "ERR_EXEC_SYSTEM", msg);
  return NULL;
}

static void free_strings(char **list) {
  if (list == NULL) return;
  for (char **p = list; *p; p++) free(*p);
  free(list);
}

/* A JS array of strings → a NULL-terminated C array (NULL with an exception pending). */
static char **strings(napi_env env, napi_value array, const char *what) {
  bool is_array = false;
  uint32_t n = 0;
  if (napi_is_array(env, array, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, array, &n) != napi_ok || n > MAX_STRINGS) {
    throw_errno(env, what, EINVAL);
    return NULL;
  }
  char **out = calloc((size_t)n + 1, sizeof *out);
  if (out == NULL) {
    throw_errno(env, what, ENOMEM);
    return NULL;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    size_t len = 0;
    if (napi_get_element(env, array, i, &v) != napi_ok ||
        napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok || len >= MAX_STRING) {
      free_strings(out);
      throw_errno(env, what, EINVAL);
      return NULL;
    }
    out[i] = malloc(len + 1);
    if (out[i] == NULL || napi_get_value_string_utf8(env, v, out[i], len + 1, &len) != napi_ok ||
        strlen(out[i]) != len) { /* a NUL inside */
      int e = out[i] == NULL ? ENOMEM : EINVAL;
      free_strings(out);
      throw_errno(env, what, e);
      return NULL;
    }
  }
  return out;
}

/* A program's (path, argv, env) from a call's three arguments, each a NULL-terminated array
 * the caller frees; false with an exception pending. `name` names the call in errors. */
static bool program_args(napi_env env, napi_callback_info info, const char *name, char ***path,
                         char ***argv, char ***envp) {
  size_t argc = 3;
  napi_value args[3], one;
  char what[64];
  *path = *argv = *envp = NULL;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 3) {
    snprintf(what, sizeof what, "%s(path, argv, env)", name);
    throw_errno(env, what, EINVAL);
    return false;
  }
  snprintf(what, sizeof what, "%s: path", name);
  if (napi_create_array_with_length(env, 1, &one) != napi_ok ||
      napi_set_element(env, one, 0, args[0]) != napi_ok) {
    throw_errno(env, what, EINVAL);
    return false;
  }
  if ((*path = strings(env, one, what)) == NULL) return false;
  snprintf(what, sizeof what, "%s: argv", name);
  if ((*argv = strings(env, args[1], what)) == NULL || (*argv)[0] == NULL) {
    if (*argv) {
      snprintf(what, sizeof what, "%s: argv is empty", name);
      throw_errno(env, what, EINVAL);
    }
    free_strings(*path);
    free_strings(*argv);
    *path = *argv = NULL;
    return false;
  }
  snprintf(what, sizeof what, "%s: env", name);
  if ((*envp = strings(env, args[2], what)) == NULL) {
    free_strings(*path);
    free_strings(*argv);
    *path = *argv = NULL;
    return false;
  }
  return true;
}

/* execve(path, argv, env): returns only by throwing. The program starts as a child of
 * `spawn` would: default signal dispositions, nothing blocked, the standard streams open
 * and blocking; every other descriptor Node holds is close-on-exec. */
static napi_value exec_program(napi_env env, napi_callback_info info) {
  char **path, **argv, **envp;
  if (!program_args(env, info, "exec", &path, &argv, &envp)) return NULL;
  if (access(path[0], X_OK) < 0) {
    int e = errno;
    free_strings(path);
    free_strings(argv);
    free_strings(envp);
    return throw_errno(env, "exec", e);
  }
  /* Node ignores SIGPIPE and blocks nothing it should pass on; ignored dispositions survive
   * execve, handlers do not. Standard streams may have been made non-blocking. */
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, NULL); /* EINVAL for the few
                                                                      * reserved ones: fine */
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int fd = 0; fd <= 2; fd++) {
    /* Node marks its standard streams close-on-exec: they must reach the program. */
    int fdfl = fcntl(fd, F_GETFD);
    if (fdfl >= 0 && (fdfl & FD_CLOEXEC)) fcntl(fd, F_SETFD, fdfl & ~FD_CLOEXEC);
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0 && (fl & O_NONBLOCK)) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
  }
  execve(path[0], argv, envp);
  int e = errno;
  free_strings(path);
  free_strings(argv);
  free_strings(envp);
  return throw_errno(env, "execve", e);
}

/* Sets the number `value` as property `name` of `obj` (false with an exception pending). */
static bool set_number(napi_env env, napi_value obj, const char *name, double value) {
  napi_value v;
  return napi_create_double(env, value, &v) == napi_ok &&
         napi_set_named_property(env, obj, name, v) == napi_ok;
}

/* spawnDetached(path, argv, env): starts the program in a session of its own, its standard
 * streams on /dev/null, the write end of a new pipe as its descriptor 3, default signal
 * dispositions (but glibc's own two, which a glibc program sets up again) and nothing
 * blocked; returns { pid, fd }, fd being the pipe's read end (close-on-exec). posix_spawn: glibc's clone(CLONE_VM | CLONE_VFORK) copies nothing of the
 * caller's memory, where Node's spawn forks a copy of the whole process first. The child is
 * this process's: reap() collects its status. Throws (code ERR_EXEC_SYSTEM) with the step that
 * failed, an exec failure included. */
static napi_value spawn_detached(napi_env env, napi_callback_info info) {
  char **path, **argv, **envp;
  napi_value result = NULL;
  if (!program_args(env, info, "spawnDetached", &path, &argv, &envp)) return NULL;
  int fds[2] = {-1, -1};
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  bool fa_made = false, attr_made = false;
  const char *step = "pipe2";
  int e = pipe2(fds, O_CLOEXEC) < 0 ? errno : 0;
  if (e == 0) {
    step = "posix_spawn_file_actions_init";
    e = posix_spawn_file_actions_init(&fa);
    fa_made = e == 0;
  }
  for (int fd = 0; e == 0 && fd <= 2; fd++) {
    step = "posix_spawn_file_actions_addopen(/dev/null)";
    e = posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
  }
  if (e == 0) { /* dup2 onto 3 clears close-on-exec there */
    step = "posix_spawn_file_actions_adddup2";
    e = posix_spawn_file_actions_adddup2(&fa, fds[1], 3);
  }
  if (e == 0) {
    step = "posix_spawnattr_init";
    e = posix_spawnattr_init(&attr);
    attr_made = e == 0;
  }
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  if (e == 0) {
    step = "posix_spawnattr_setflags";
    e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF |
                                            POSIX_SPAWN_SETSIGMASK);
  }
  if (e == 0) {
    step = "posix_spawnattr_setsigdefault";
    e = posix_spawnattr_setsigdefault(&attr, &all);
  }
  if (e == 0) {
    step = "posix_spawnattr_setsigmask";
    e = posix_spawnattr_setsigmask(&attr, &none);
  }
  pid_t pid = -1;
  if (e == 0) {
    step = "posix_spawn";
    e = posix_spawn(&pid, path[0], &fa, &attr, argv, envp);
  }
  if (fa_made) posix_spawn_file_actions_destroy(&fa);
  if (attr_made) posix_spawnattr_destroy(&attr);
  if (fds[1] >= 0) close(fds[1]);
  if (e == 0) {
    if (napi_create_object(env, &result) != napi_ok || !set_number(env, result, "pid", pid) ||
        !set_number(env, result, "fd", fds[0])) {
      result = NULL; /* the child runs; its pipe ends with this process */
      e = EINVAL;
      step = "spawnDetached: the result";
    }
  }
  if (e != 0 && fds[0] >= 0) close(fds[0]);
  char what[400];
  snprintf(what, sizeof what, "%s %.300s", step, path[0]);
  free_strings(path);
  free_strings(argv);
  free_strings(envp);
  if (e != 0) return throw_errno(env, what, e);
  return result;
}

/* reap(pid): null while the child runs; else { code, signal } (one of them null), its status
 * collected. Throws (code ERR_EXEC_SYSTEM) when pid is no child of this process. */
static napi_value reap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  int32_t pid = -1;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 1 ||
      napi_get_value_int32(env, args[0], &pid) != napi_ok || pid <= 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "reap(pid: number)");
    return NULL;
  }
  int status = 0;
  pid_t r;
  do r = waitpid(pid, &status, WNOHANG);
  while (r < 0 && errno == EINTR);
  napi_value out, nul;
  if (r < 0) {
    char what[64];
    snprintf(what, sizeof what, "waitpid(%d)", pid);
    return throw_errno(env, what, errno);
  }
  if (napi_get_null(env, &nul) != napi_ok) return NULL;
  if (r == 0) return nul;
  if (napi_create_object(env, &out) != napi_ok) return NULL;
  if (WIFEXITED(status)) {
    if (!set_number(env, out, "code", WEXITSTATUS(status)) ||
        napi_set_named_property(env, out, "signal", nul) != napi_ok)
      return NULL;
  } else {
    napi_value sig;
    const char *name = sigabbrev_np(WTERMSIG(status));
    char buf[32];
    snprintf(buf, sizeof buf, "SIG%s", name ? name : "UNKNOWN");
    if (napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &sig) != napi_ok ||
        napi_set_named_property(env, out, "signal", sig) != napi_ok ||
        napi_set_named_property(env, out, "code", nul) != napi_ok)
      return NULL;
  }
  return out;
}

/* flock(fd, exclusive, wait): true when the lock is taken; false when it is held elsewhere and
 * `wait` is false; throws on any other error (with the errno's name in the code). */
static napi_value flock_fd(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  int32_t fd = -1;
  bool exclusive = false, wait = false;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 3 ||
      napi_get_value_int32(env, args[0], &fd) != napi_ok || fd < 0 ||
      napi_get_value_bool(env, args[1], &exclusive) != napi_ok ||
      napi_get_value_bool(env, args[2], &wait) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG",
                          "flock(fd: number, exclusive: boolean, wait: boolean)");
    return NULL;
  }
  int op = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);
  int r;
  do r = flock(fd, op);
  while (r < 0 && errno == EINTR);
  napi_value out;
  if (r < 0) {
    if (errno == EWOULDBLOCK && !wait) {
      if (napi_get_boolean(env, false, &out) != napi_ok) return NULL;
      return out;
    }
    char what[64];
    snprintf(what, sizeof what, "flock(%d)", fd);
    return throw_errno(env, what, errno);
  }
  if (napi_get_boolean(env, true, &out) != napi_ok) return NULL;
  return out;
}

/* ofdLocked(fd): true when another open file description holds a write lock (F_OFD_SETLK, as a
 * detached instance's supervisor does on its `lock` file) on any part of the file; asks with
 * F_OFD_GETLK, which takes nothing. Throws on an error (the errno's name in the code). */
static napi_value ofd_locked(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1];
  int32_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 1 ||
      napi_get_value_int32(env, args[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG", "ofdLocked(fd: number)");
    return NULL;
  }
  struct flock q = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
  if (fcntl(fd, F_OFD_GETLK, &q) < 0) {
    char what[64];
    snprintf(what, sizeof what, "fcntl(%d, F_OFD_GETLK)", fd);
    return throw_errno(env, what, errno);
  }
  napi_value out;
  if (napi_get_boolean(env, q.l_type != F_UNLCK, &out) != napi_ok) return NULL;
  return out;
}

/* The string arguments of a layer call (at most 3), each below PATH_MAX; false with a TypeError
 * pending. */
static bool path_args(napi_env env, napi_callback_info info, size_t want, char out[][4096],
                      const char *usage) {
  size_t argc = 3;
  napi_value args[3];
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != want) goto bad;
  for (size_t i = 0; i < want; i++) {
    size_t n = 0;
    if (napi_get_value_string_utf8(env, args[i], out[i], 4096, &n) != napi_ok || n >= 4095 ||
        strlen(out[i]) != n)
      goto bad;
  }
  return true;
bad:
  napi_throw_type_error(env, "ERR_INVALID_ARG", usage);
  return false;
}

static napi_value throw_layer(napi_env env, const char *what) {
  char msg[4600];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(errno));
  napi_value error, code, text;
  const char *name = strerrorname_np(errno);
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text) != napi_ok ||
      napi_create_error(env, NULL, text, &error) != napi_ok ||
      napi_create_string_utf8(env, name ? name : "EIO", NAPI_AUTO_LENGTH, &code) != napi_ok ||
      napi_set_named_property(env, error, "code", code) != napi_ok)
    return NULL;
  napi_throw(env, error);
  return NULL;
}

/* whiteout(dir, name): NAME in DIR becomes an overlay whiteout. */
static napi_value layer_whiteout(napi_env env, napi_callback_info info) {
  char a[2][4096], err[4400];
  if (!path_args(env, info, 2, a, "whiteout(dir: string, name: string)")) return NULL;
  if (sr_layer_whiteout(a[0], a[1], err, sizeof err) < 0) return throw_layer(env, err);
  return NULL;
}

/* setXattr(dir, attr, value) */
static napi_value layer_set_xattr(napi_env env, napi_callback_info info) {
  char a[3][4096], err[4400];
  if (!path_args(env, info, 3, a, "setXattr(dir: string, attr: string, value: string)"))
    return NULL;
  if (sr_layer_set_xattr(a[0], a[1], a[2], err, sizeof err) < 0) return throw_layer(env, err);
  return NULL;
}

/* getXattr(dir, attr): its value, or null when DIR has none. */
static napi_value layer_get_xattr(napi_env env, napi_callback_info info) {
  char a[2][4096], err[4400], value[256];
  if (!path_args(env, info, 2, a, "getXattr(dir: string, attr: string)")) return NULL;
  long n = sr_layer_get_xattr(a[0], a[1], value, sizeof value, err, sizeof err);
  if (n < 0) return throw_layer(env, err);
  napi_value out;
  if (n == 0) {
    if (napi_get_null(env, &out) != napi_ok) return NULL;
  } else if (napi_create_string_utf8(env, value, (size_t)n, &out) != napi_ok) {
    return NULL;
  }
  return out;
}

/* overlayProbe(): null when this caller can mount an image root's overlay; else {step, code}. */
static napi_value layer_overlay_probe(napi_env env, napi_callback_info info) {
  (void)info;
  char step[256] = "";
  napi_value out, v;
  if (sr_layer_overlay_probe(step, sizeof step) == 0) {
    if (napi_get_null(env, &out) != napi_ok) return NULL;
    return out;
  }
  const char *name = strerrorname_np(errno);
  if (napi_create_object(env, &out) != napi_ok ||
      napi_create_string_utf8(env, step, NAPI_AUTO_LENGTH, &v) != napi_ok ||
      napi_set_named_property(env, out, "step", v) != napi_ok ||
      napi_create_string_utf8(env, name ? name : "EIO", NAPI_AUTO_LENGTH, &v) != napi_ok ||
      napi_set_named_property(env, out, "code", v) != napi_ok)
    return NULL;
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "exec", NAPI_AUTO_LENGTH, exec_program, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "exec", fn) != napi_ok)
    return NULL;
  if (napi_create_function(env, "flock", NAPI_AUTO_LENGTH, flock_fd, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "flock", fn) != napi_ok)
    return NULL;
  if (napi_create_function(env, "ofdLocked", NAPI_AUTO_LENGTH, ofd_locked, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "ofdLocked", fn) != napi_ok)
    return NULL;
  if (napi_create_function(env, "spawnDetached", NAPI_AUTO_LENGTH, spawn_detached, NULL, &fn) !=
          napi_ok ||
      napi_set_named_property(env, exports, "spawnDetached", fn) != napi_ok)
    return NULL;
  if (napi_create_function(env, "whiteout", NAPI_AUTO_LENGTH, layer_whiteout, NULL, &fn) !=
          napi_ok ||
      napi_set_named_property(env, exports, "whiteout", fn) != napi_ok)
    return NULL;
  if (napi_create_function(env, "setXattr", NAPI_AUTO_LENGTH, layer_set_xattr, NULL, &fn) !=
          napi_ok ||
      napi_set_named_property(env, exports, "setXattr", fn) != napi_ok)
    return NULL;
  if (napi_create_function(env, "getXattr", NAPI_AUTO_LENGTH, layer_get_xattr, NULL, &fn) !=
          napi_ok ||
      napi_set_named_property(env, exports, "getXattr", fn) != napi_ok)
    return NULL;
  if (napi_create_function(env, "overlayProbe", NAPI_AUTO_LENGTH, layer_overlay_probe, NULL,
                           &fn) != napi_ok ||
      napi_set_named_property(env, exports, "overlayProbe", fn) != napi_ok)
    return NULL;
  if (napi_create_function(env, "reap", NAPI_AUTO_LENGTH, reap, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "reap", fn) != napi_ok)
    return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
