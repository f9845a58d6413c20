/* Ownership by scope, as crun does (libcrun/utils.h `cleanup_*`): a variable declared with one of
 * these attributes is released when it goes out of scope, on every path out of it, unless its
 * value was handed on with sr_steal_*, which leaves it empty. So an early `return` on an error
 * path cannot leak a descriptor, a buffer or a child process. */
#ifndef SR_CLEANUP_H
#define SR_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static inline void sr_cleanup_free(void *p) { free(*(void **)p); }

static inline void sr_cleanup_close(int *fd) {
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
}

static inline void sr_cleanup_fclose(FILE **f) {
  if (*f != NULL) {
    int saved = errno;
    fclose(*f);
    errno = saved;
  }
}

static inline void sr_cleanup_closedir(DIR **d) {
  if (*d != NULL) {
    int saved = errno;
    closedir(*d);
    errno = saved;
  }
}

/* A child that must not outlive the scope: SIGKILLed and reaped, unless stolen. */
static inline void sr_cleanup_child(pid_t *pid) {
  if (*pid > 0) {
    int saved = errno;
    kill(*pid, SIGKILL);
    while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR) {
    }
    errno = saved;
  }
}

#define sr_autofree __attribute__((cleanup(sr_cleanup_free)))
#define sr_autoclose __attribute__((cleanup(sr_cleanup_close)))
#define sr_autofclose __attribute__((cleanup(sr_cleanup_fclose)))
#define sr_autoclosedir __attribute__((cleanup(sr_cleanup_closedir)))
#define sr_autokill __attribute__((cleanup(sr_cleanup_child)))

/* Hands ownership on: returns the value and leaves the variable empty. */
#define sr_steal_fd(fd) __extension__({ int _f = (fd); (fd) = -1; _f; })
#define sr_steal_ptr(p) __extension__({ __typeof__(p) _p = (p); (p) = NULL; _p; })
/* A struct whose all-zero value is empty (such as struct sr_bundle). */
#define sr_steal_struct(v) \
  __extension__({ __typeof__(v) _v = (v); memset(&(v), 0, sizeof(v)); _v; })
#define sr_steal_pid(pid) __extension__({ pid_t _p = (pid); (pid) = -1; _p; })

/* Closes fd now (if open) and leaves it empty. */
#define sr_close(fd) sr_cleanup_close(&(fd)), (fd) = -1

#endif
