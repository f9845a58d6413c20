#ifndef SR_BUNDLE_H
#define SR_BUNDLE_H

#include <stddef.h>

#include "../common/sr_error.h"
#include "sandbox.h"

/* A compiled bundle (secure-run compile): the launch arguments and a BPF program per
 * architecture, made for one kind of host. Format 1, text header then sized sections:
 *
 *   secure-run-bundle 1
 *   name NAME                       (and version, created, source, inputs: informative)
 *   host-arch x86_64                the host facts the arguments were derived for
 *   host-kernel 6.1.0-28-amd64
 *   host-landlock 4
 *   host-cgroup-fs cgroup2|tmpfs
 *   host-selinux enforcing|permissive|disabled
 *   args COUNT BYTES                then BYTES of COUNT NUL-terminated strings, then "\n"
 *   filter ARCH BYTES               then BYTES of struct sock_filter, then "\n" (repeated)
 *   end
 */
#define SR_BUNDLE_MAX_BYTES (4 << 20)

struct sr_bundle {
  char *data; /* the whole file; args point into it */
  char **args;
  size_t nargs;
  char name[96];
  struct sr_bpf_prog filter; /* this host's architecture's (points into data) */
};

/* Reads FILE, checks it was made for this host (architecture, kernel, Landlock, cgroup
 * layout, SELinux) and finds this architecture's filter. -1 with err: the reason, and
 * what to do. */
int sr_bundle_load(const char *file, struct sr_bundle *b, struct sr_error *err);
void sr_bundle_free(struct sr_bundle *b);

/* This host's architecture as secure-run names it (x86_64, aarch64, x86, arm). */
const char *sr_host_arch(void);

#endif
