#ifndef SR_RELABEL_H
#define SR_RELABEL_H

#include "../common/sr_error.h"

/* Gives every file below path (path included, symbolic links themselves) the SELinux label, as
 * `podman run -v …:Z` does for a volume; other mounts below path (bind mounts of the same file
 * system too, told apart by mount id) are left as they are. */
int sr_relabel(const char *path, const char *label, struct sr_error *err);

#endif
