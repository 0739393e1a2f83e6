/* A block source shown as one read-only file through FUSE, so that a
 * read-only loop device can carry it to the kernel's file systems
 * where there is no device-mapper. */
#ifndef WO_FUSEBLK_H
#define WO_FUSEBLK_H

#include <sys/types.h>

#include "blk.h"

/* Mounts a FUSE file system at mountpoint (an empty folder) holding one
 * file, name, mode 0444, with b's bytes, served by a child process that
 * keeps a reference on b and runs until the mount is taken down
 * (fusermount3 -u mountpoint, or umount).  Returns the child's pid once
 * the mount is up, or -1 with err (256 bytes). */
pid_t wo_fuse_serve(wo_blk *b, const char *mountpoint, const char *name,
                    char *err);

#endif
