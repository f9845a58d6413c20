/* exec.node: replaces the Node process with another program (execve), so `secure-run run`
 * leaves no Node process behind once the launcher takes over. Node 20 has no process.execve.
 * Also flock(2), which Node lacks: the CLI's per-instance lock (src/instances/lock.ts). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <signal.h>
#include <sys/file.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* execve(path, argv, env): returns only by throwing. The program starts as a child of
 * `spawn` would: default signal dispositions, nothing blocked, the standard streams open
 * and blocking; every other descriptor Node holds is close-on-exec. */
static napi_value exec_program(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != 3)
    return throw_errno(env, "exec(path, argv, env)", EINVAL);
  char **path = NULL, **argv = NULL, **envp = NULL;
  napi_value one;
  if (napi_create_array_with_length(env, 1, &one) != napi_ok ||
      napi_set_element(env, one, 0, args[0]) != napi_ok)
    return throw_errno(env, "exec: path", EINVAL);
  if ((path = strings(env, one, "exec: path")) == NULL) return NULL;
  if ((argv = strings(env, args[1], "exec: argv")) == NULL || argv[0] == NULL) {
    free_strings(path);
    free_strings(argv);
    return argv ? throw_errno(env, "exec: argv is empty", EINVAL) : NULL;
  }
  if ((envp = strings(env, args[2], "exec: env")) == NULL) {
    free_strings(path);
    free_strings(argv);
    return NULL;
  }
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
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
