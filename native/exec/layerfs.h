/* What overlayfs reads in an image layer and Node cannot make: whiteouts (a character device
 * 0:0) and extended attributes (the opaque marker). Plain C, no N-API: exec.c is the glue. Each
 * function opens the directory `dir` without following any symbolic link on its way (nor a
 * magic link), then works relative to that descriptor. On failure: -1, errno set, and `err`
 * (of `len` bytes) says which step failed on what. */
#ifndef SR_LAYERFS_H
#define SR_LAYERFS_H

#include <stddef.h>

/* Makes NAME (one path component) in `dir` an overlay whiteout. */
int sr_layer_whiteout(const char *dir, const char *name, char *err, size_t len);

/* Sets the extended attribute `attr` of `dir` to `value`. */
int sr_layer_set_xattr(const char *dir, const char *attr, const char *value, char *err, size_t len);

/* Reads the extended attribute `attr` of `dir` into `out` (NUL-terminated, at most `size` - 1
 * bytes): its length, 0 and out "" when `dir` has no such attribute, -1 on an error. */
long sr_layer_get_xattr(const char *dir, const char *attr, char *out, size_t size, char *err,
                        size_t len);

/* Whether this caller can mount what an image app's root is: an overlay of two lower directories
 * with an upper and a work directory (all on a detached tmpfs), made with the new mount API by
 * descriptor; for a caller other than root, in a user namespace of its own (userxattr), as the
 * launcher's init makes it. Mounts nothing anywhere (detached mounts only, closed). 0 when the
 * kernel takes it; -1, errno and `err` naming the step it refused otherwise. */
int sr_layer_overlay_probe(char *err, size_t len);

#endif
