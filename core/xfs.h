/* An XFS file system on a block source as a wo_src, through libfsxfs. */
#ifndef WO_XFS_H
#define WO_XFS_H

#include "blk.h"

/* Whether b starts with an XFS superblock ("XFSB"). */
int wo_xfs_probe(wo_blk *b);

/* Opens the XFS file system on b (takes a reference).  NULL with err
 * (256 bytes) and *code when it is not XFS or libfsxfs refuses it. */
wo_src *wo_xfs_open(wo_blk *b, char *err, int *code);

#endif
