#ifndef SR_BUNDLE_H
#define SR_BUNDLE_H

#include <stddef.h>

#include "../common/host.h"
#include "../common/sr_error.h"
#include "refusals.h"
#include "sandbox.h"

/* A compiled bundle (secure-run compile): the launch arguments and two BPF programs per
 * architecture, made for one kind of host, and the fix table of the refusals' summary. Format 2,
 * text header then sized sections:
 *
 *   secure-run-bundle 2
 *   name NAME                       (and version, created, source, inputs: informative)
 *   host-arch x86_64                the host facts the arguments were derived for
 *   host-kernel 6.1.0-28-amd64
 *   host-landlock 4
 *   host-cgroup-fs cgroup2|tmpfs
 *   host-selinux enforcing|permissive|disabled
 *   args COUNT BYTES                then BYTES of COUNT NUL-terminated strings, then "\n"
 *   filter ARCH BYTES               then BYTES of struct sock_filter, then "\n" (repeated): the
 *                                   plan's filter, whose verdicts answer the refusals
 *   notify ARCH BYTES               the same for the filter loaded: the plan's, with its refusals
 *                                   notifying the supervisor (repeated)
 *   fixes COUNT BYTES               then BYTES of COUNT pairs of NUL-terminated strings (syscall,
 *                                   fix; refusals.h), then "\n"
 *   end
 *
 * Format 1 (no notify, no fixes) is refused: its launches could not summarise refusals.
 * The file is hostile until parsed: every key appears once (a filter once per architecture),
 * sizes are decimal without sign and bounded, header lines hold no NUL, and nothing follows
 * "end". */
#define SR_BUNDLE_MAX_BYTES (4 << 20)
#define SR_BUNDLE_MAX_INSNS 4096 /* BPF_MAXINSNS: the kernel takes no longer filter */
#define SR_BUNDLE_MAX_FILTERS 8
#define SR_BUNDLE_NFACTS SR_HOST_NFACTS


struct sr_bundle {
  char *data; /* the whole file, NUL-terminated; args point into it */
  char **args;
  size_t nargs;
  char name[96];
  /* What the bundle says of its host, in the order of sr_host_fact_keys ("" when absent). */
  char facts[SR_BUNDLE_NFACTS][SR_HOST_FACT_MAX];
  struct sr_bpf_prog filter;         /* the chosen architecture's, a copy (aligned): answers */
  struct sr_bpf_prog notify;         /* the chosen architecture's notifying filter: loaded */
  struct sr_fixes fixes;
};

/* Parses len bytes at buf (copied; buf need not be NUL-terminated) and takes the filter for
 * `arch`. No host check: that is sr_bundle_check_host. `file` names it in messages. -1 with
 * err on any damage; b is then empty. */
int sr_bundle_parse(const char *buf, size_t len, const char *arch, const char *file,
                    struct sr_bundle *b, struct sr_error *err);

/* Whether the parsed bundle was made for this host (architecture, kernel, Landlock, cgroup
 * layout, SELinux). -1 with err: the reason, and what to do. */
int sr_bundle_check_host(const struct sr_bundle *b, const char *file, struct sr_error *err);

/* Reads FILE once; when sha256 (64 hex digits) is given, the bytes read must have that digest;
 * parses them for this host's architecture and checks the host. Options only the caller may
 * give (instance mode's: --instance, --remove-when-done…) are refused in its arguments. */
int sr_bundle_load(const char *file, const char *sha256, struct sr_bundle *b, struct sr_error *err);
/* Frees what b holds and leaves it empty; for __attribute__((cleanup)) too. */
void sr_bundle_free(struct sr_bundle *b);

#endif
