/* Disk images without mounting: images, volumes and file systems read
 * through libtsk, and file systems served as wo_src sources. */
#ifndef WO_TSK_H
#define WO_TSK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ev.h"

/* An opened image (raw, split raw, E01, VMDK, VHD) or a view of byte
 * ranges of one (an LVM logical volume).  Reference counted: sources
 * built on it keep it open. */
typedef struct wo_img wo_img;

/* Opens the image files (one name finds split segments itself).
 * Returns NULL and fills err (256 bytes) when libtsk cannot. */
wo_img *wo_img_open(const char *const *paths, int n, char *err);

/* One range of a segmented image: bytes [off, off+len) of the new image
 * are bytes [under_off, under_off+len) of the image below. */
typedef struct wo_seg {
  uint64_t off, len, under_off;
} wo_seg;

/* An image made of ranges of another (sorted by off, not overlapping,
 * checked).  The new image keeps under alive. */
wo_img *wo_img_segments(wo_img *under, const wo_seg *segs, size_t n,
                        uint64_t size, char *err);

/* A block source (a thin device, an LVM volume) as an image; keeps a
 * reference on b.  NULL with err (256 bytes) when libtsk refuses. */
struct wo_blk;
wo_img *wo_img_blk(struct wo_blk *b, char *err);

/* libtsk's handle of the image (owned by img). */
struct TSK_IMG_INFO *wo_img_tsk(wo_img *img);
wo_img *wo_img_ref(wo_img *img);
void wo_img_unref(wo_img *img);
uint64_t wo_img_size(const wo_img *img);
/* "raw", "ewf", "vmdk", "vhd", "segments" */
const char *wo_img_type(const wo_img *img);
/* Reads n bytes at off; short at the end; negative on failure. */
ssize_t wo_img_read(wo_img *img, uint64_t off, void *buf, size_t n);

/* A partition found by libtsk's volume system reader. */
typedef struct wo_vol {
  unsigned addr;       /* libtsk's partition address (0-based slot) */
  unsigned index;      /* 1-based number among data partitions */
  uint64_t start, len; /* bytes */
  const char *scheme;  /* "dos", "gpt", ... */
  char desc[128];
} wo_vol;

typedef int (*wo_vol_fn)(void *arg, const wo_vol *v);

/* Calls fn for each allocated partition.  Returns the number seen, 0
 * when the image has no partition table, or a negative error. */
int wo_img_volumes(wo_img *img, wo_vol_fn fn, void *arg, char *err);

/* Names what starts at off by its magic: "ext2/3/4" as "ext4", "xfs",
 * "btrfs", "lvm2", "ntfs", "fat", ... or NULL when nothing is known. */
const char *wo_img_sniff(wo_img *img, uint64_t off);

/* A read-only source over the file system at byte off of img.  Returns
 * NULL and fills err (256 bytes) when libtsk finds none there. */
wo_src *wo_tsk_open(wo_img *img, uint64_t off, char *err);

/* What follows works on sources made by wo_tsk_open only; on others it
 * returns WO_EINVAL. */

/* The file system type ("ext4", "ntfs", ...) and its block size. */
const char *wo_tsk_fstype(wo_src *s);
uint32_t wo_tsk_block_size(wo_src *s);
uint64_t wo_tsk_block_count(wo_src *s);
uint64_t wo_tsk_last_inum(wo_src *s);

/* The inode a canonical path names (without following a last link). */
int wo_tsk_lookup(wo_src *s, const char *path, uint64_t *inum);

/* Stats an inode, allocated or not; *alloc is 1 when allocated. */
int wo_tsk_istat(wo_src *s, uint64_t inum, wo_stat *st, int *alloc);

/* Every name in a directory inode, deleted ones too (allocated is 0). */
typedef int (*wo_tsk_name_fn)(void *arg, const char *name, uint64_t inum,
                              int type, int allocated);
int wo_tsk_names(wo_src *s, uint64_t dir, wo_tsk_name_fn fn, void *arg);

/* Reads an inode's content as its metadata maps it now. */
ssize_t wo_tsk_iread(wo_src *s, uint64_t inum, void *buf, size_t n,
                     uint64_t off);

/* Calls fn for every inode that was used and is now unallocated. */
typedef int (*wo_tsk_inum_fn)(void *arg, uint64_t inum);
int wo_tsk_unalloc(wo_src *s, wo_tsk_inum_fn fn, void *arg);

/* Reads file system block blk (block_size bytes) raw. */
ssize_t wo_tsk_block(wo_src *s, uint64_t blk, void *buf);
/* 1 when block blk is allocated, 0 when free, negative on error. */
int wo_tsk_block_alloc(wo_src *s, uint64_t blk);

/* Reads bytes of the file system (offset from its start). */
ssize_t wo_tsk_fsread(wo_src *s, uint64_t off, void *buf, size_t n);

/* The raw ext4 reader of an ext source (NULL for other kinds). */
struct wo_ext4 *wo_tsk_ext4(wo_src *s);
/* Where jbd2.c keeps its scan of the source's journal; free_fn frees it
 * with the source. */
void **wo_tsk_journal_slot(wo_src *s, void (*free_fn)(void *));

#endif
