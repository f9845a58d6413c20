#ifndef SR_RELABEL_H
#define SR_RELABEL_H

#include "../common/sr_error.h"

/* Gives every file below path (path included, symbolic links themselves, no crossing into other
 * file systems) the SELinux label, as `podman run -v …:Z` does for a volume. */
int sr_relabel(const char *path, const char *label, struct sr_error *err);

#endif
