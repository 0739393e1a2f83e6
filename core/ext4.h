/* ext4 structures read raw: the superblock, inodes (device numbers,
 * creation times), extended attributes, extent trees, directory blocks.
 * libtsk reads files; this reads what it hides and what the journal
 * keeps.  All decoders check every length against the buffer. */
#ifndef WO_EXT4_H
#define WO_EXT4_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads n bytes at byte off of the file system; returns bytes read or
 * a negative WO_E* code. */
typedef ssize_t (*wo_read_fn)(void *arg, uint64_t off, void *buf, size_t n);

typedef struct wo_ext4 {
  wo_read_fn read;
  void *arg;
  uint32_t bsize, isize, ipg, bpg, ngroups, desc_size, first_data;
  uint64_t nblocks;
  uint32_t ninodes;
  uint32_t compat, incompat, ro_compat;
  uint32_t journal_inum;
  uint8_t uuid[16];
  uint64_t *itable;   /* first block of each group's inode table */
} wo_ext4;

/* A decoded inode.  Times are ns since the epoch, -1 when absent. */
typedef struct wo_ext4_inode {
  uint32_t mode, uid, gid, links, flags, generation;
  uint64_t size, file_acl, blocks;
  int64_t atime, mtime, ctime, crtime, dtime;
  uint32_t rdev_major, rdev_minor;
  uint16_t extra_isize;
  uint8_t block[60];  /* i_block: extent root, block map or link text */
} wo_ext4_inode;

/* ext4's inode flag for extent-mapped files (EXT4_EXTENTS_FL). */
#define WO_EXT4_EXTENTS_FL 0x80000
#define WO_EXT4_INLINE_FL 0x10000000

/* Reads the superblock and group descriptors; WO_OK or an error (the
 * superblock is not ext2/3/4, or its geometry is impossible). */
int wo_ext4_open(wo_ext4 *e, wo_read_fn read, void *arg);
void wo_ext4_close(wo_ext4 *e);

/* Reads inode inum's raw bytes (e->isize of them) into buf. */
int wo_ext4_inode_raw(wo_ext4 *e, uint64_t inum, uint8_t *buf);
/* Decodes a raw inode of len bytes. */
int wo_ext4_inode_parse(const uint8_t *raw, size_t len, wo_ext4_inode *in);

/* When block blk lies in an inode table, sets the first inode number it
 * holds and how many; returns 1, else 0. */
int wo_ext4_itable_block(const wo_ext4 *e, uint64_t blk, uint64_t *first,
                         uint32_t *count);

/* Calls fn for each extended attribute of a raw inode (in the inode and
 * in its xattr block).  Names are full ("trusted.overlay.opaque").
 * Returns WO_OK, fn's non-zero return, or an error. */
typedef int (*wo_xattr_fn)(void *arg, const char *name, const void *value,
                           size_t len);
int wo_ext4_xattrs(wo_ext4 *e, const uint8_t *raw, size_t len,
                   wo_xattr_fn fn, void *arg);

/* Calls fn for each mapped run: logical block lblk, physical block
 * pblk, len blocks; uninit for unwritten extents.  Handles extent trees
 * (tree blocks read through e) and the old block map (direct and
 * indirect blocks).  Bounded by max_blocks logical blocks. */
typedef int (*wo_run_fn)(void *arg, uint64_t lblk, uint64_t pblk,
                         uint32_t len, int uninit);
int wo_ext4_map(wo_ext4 *e, const wo_ext4_inode *in, uint64_t max_blocks,
                wo_run_fn fn, void *arg);

/* Calls fn for each entry of a linear directory block of n bytes: live
 * entries (live=1) and entries found in the slack after them (live=0,
 * names of deleted files).  ftype is ext4's dirent type (1 file, 2 dir,
 * 3 char, 4 block, 5 fifo, 6 socket, 7 symlink).  off is the entry's
 * byte offset in the block. */
typedef int (*wo_dent_fn)(void *arg, const char *name, uint64_t inum,
                          int ftype, int live, uint32_t off);
int wo_ext4_dirblock(const wo_ext4 *e, const uint8_t *buf, size_t n,
                     wo_dent_fn fn, void *arg);

#endif
