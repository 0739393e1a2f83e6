/* ext4 read raw: what libtsk does not give (device numbers, xattrs) and
 * what the journal's old copies hold (inodes, extents, directory
 * entries).  Field names follow the kernel's ext4.h. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "ext4.h"

#define SB_OFF 1024
#define EXT4_MAGIC 0xEF53
#define INCOMPAT_FILETYPE 0x2
#define INCOMPAT_64BIT 0x80
#define XATTR_MAGIC 0xEA020000u
#define EXTENT_MAGIC 0xF30A
/* deeper extent trees than this are corrupt (the kernel allows 5) */
#define EXTENT_DEPTH_MAX 5
/* the most groups we accept (2^32 blocks of 1 KiB / 8192 per group) */
#define GROUPS_MAX (1u << 22)


static uint16_t le16(const uint8_t *p)
{
  return (uint16_t)(p[0] | p[1] << 8);
}


static uint32_t le32(const uint8_t *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}


static int read_full(wo_ext4 *e, uint64_t off, void *buf, size_t n)
{
  ssize_t r = e->read(e->arg, off, buf, n);
  if (r < 0)
    return (int)r;
  return (size_t)r == n ? WO_OK : WO_EIO;
}


/* Checks the geometry the superblock claims before we trust it. */
static int sb_geometry(wo_ext4 *e, const uint8_t *sb)
{
  uint32_t log = le32(sb + 0x18);
  if (le16(sb + 0x38) != EXT4_MAGIC || log > 6)
    return WO_ECORRUPT;
  e->bsize = 1024u << log;
  e->ninodes = le32(sb + 0x00);
  e->nblocks = le32(sb + 0x04);
  e->first_data = le32(sb + 0x14);
  e->bpg = le32(sb + 0x20);
  e->ipg = le32(sb + 0x28);
  e->isize = le32(sb + 0x4C) == 0 ? 128 : le16(sb + 0x58);
  e->compat = le32(sb + 0x5C);
  e->incompat = le32(sb + 0x60);
  e->ro_compat = le32(sb + 0x64);
  memcpy(e->uuid, sb + 0x68, 16);
  e->journal_inum = le32(sb + 0xE0);
  e->desc_size = 32;
  if (e->incompat & INCOMPAT_64BIT) {
    e->nblocks |= (uint64_t)le32(sb + 0x150) << 32;
    e->desc_size = le16(sb + 0xFE);
  }
  if (e->bpg == 0 || e->ipg == 0 || e->isize < 128 ||
      e->isize > e->bsize || (e->isize & (e->isize - 1)) ||
      e->desc_size < 32 || e->desc_size > 1024 || e->nblocks == 0)
    return WO_ECORRUPT;
  e->ngroups = (uint32_t)((e->nblocks - e->first_data + e->bpg - 1) /
                          e->bpg);
  if (e->ngroups == 0 || e->ngroups > GROUPS_MAX)
    return WO_ECORRUPT;
  return WO_OK;
}


/* Reads every group descriptor's inode table location. */
static int read_groups(wo_ext4 *e)
{
  uint64_t off = ((uint64_t)e->first_data + 1) * e->bsize;
  size_t n = (size_t)e->ngroups * e->desc_size;
  uint8_t *gd = malloc(n);
  uint32_t g;
  int rc;
  e->itable = calloc(e->ngroups, sizeof *e->itable);
  if (!gd || !e->itable) {
    free(gd);
    return WO_ENOMEM;
  }
  rc = read_full(e, off, gd, n);
  for (g = 0; rc == WO_OK && g < e->ngroups; g++) {
    const uint8_t *d = gd + (size_t)g * e->desc_size;
    e->itable[g] = le32(d + 0x08);
    if (e->desc_size >= 64)
      e->itable[g] |= (uint64_t)le32(d + 0x28) << 32;
  }
  free(gd);
  return rc;
}


int wo_ext4_open(wo_ext4 *e, wo_read_fn read, void *arg)
{
  uint8_t sb[1024];
  int rc;
  memset(e, 0, sizeof *e);
  e->read = read;
  e->arg = arg;
  if ((rc = read_full(e, SB_OFF, sb, sizeof sb)) < 0)
    return rc;
  if ((rc = sb_geometry(e, sb)) < 0)
    return rc;
  if ((rc = read_groups(e)) < 0) {
    wo_ext4_close(e);
    return rc;
  }
  return WO_OK;
}


void wo_ext4_close(wo_ext4 *e)
{
  free(e->itable);
  e->itable = NULL;
}


int wo_ext4_inode_raw(wo_ext4 *e, uint64_t inum, uint8_t *buf)
{
  uint64_t g, i, blk;
  if (inum == 0 || inum > e->ninodes)
    return WO_ENOENT;
  g = (inum - 1) / e->ipg;
  i = (inum - 1) % e->ipg;
  if (g >= e->ngroups)
    return WO_ECORRUPT;
  blk = e->itable[g];
  if (blk == 0 || blk >= e->nblocks)
    return WO_ECORRUPT;
  return read_full(e, blk * e->bsize + i * e->isize, buf, e->isize);
}


int wo_ext4_itable_block(const wo_ext4 *e, uint64_t blk, uint64_t *first,
                         uint32_t *count)
{
  uint64_t per = e->bsize / e->isize;
  uint64_t span = ((uint64_t)e->ipg + per - 1) / per;
  uint32_t g;
  for (g = 0; g < e->ngroups; g++) {
    if (blk < e->itable[g] || blk >= e->itable[g] + span)
      continue;
    *first = (uint64_t)g * e->ipg + (blk - e->itable[g]) * per + 1;
    *count = (uint32_t)per;
    return 1;
  }
  return 0;
}


/* An ext4 time: seconds (signed 32) plus the extra word's epoch bits
 * and nanoseconds, when the inode is large enough to hold it. */
static int64_t xtime(const uint8_t *raw, size_t len, size_t sec_off,
                     size_t extra_off, size_t limit)
{
  int64_t sec = (int32_t)le32(raw + sec_off);
  uint32_t extra = 0;
  if (extra_off && extra_off + 4 <= limit && extra_off + 4 <= len)
    extra = le32(raw + extra_off);
  sec += (int64_t)(extra & 3) << 32;
  if (sec > INT64_MAX / 1000000000 - 1 || sec < INT64_MIN / 1000000000 + 1)
    return -1;   /* a corrupt time; ns since 1970 cannot hold it */
  return sec * 1000000000 + (extra >> 2);
}


static void inode_rdev(wo_ext4_inode *in)
{
  uint32_t old = le32(in->block), dev = le32(in->block + 4);
  if (old) {
    in->rdev_major = (old >> 8) & 0xff;
    in->rdev_minor = old & 0xff;
  } else {
    in->rdev_major = (dev & 0xfff00) >> 8;
    in->rdev_minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  }
}


int wo_ext4_inode_parse(const uint8_t *raw, size_t len, wo_ext4_inode *in)
{
  size_t limit = 128;
  memset(in, 0, sizeof *in);
  if (len < 128)
    return WO_ERANGE;
  if (len > 128) {
    in->extra_isize = le16(raw + 0x80);
    if ((size_t)128 + in->extra_isize <= len)
      limit = 128 + in->extra_isize;
  }
  in->mode = le16(raw);
  in->uid = le16(raw + 0x02) | (uint32_t)le16(raw + 0x78) << 16;
  in->gid = le16(raw + 0x18) | (uint32_t)le16(raw + 0x7A) << 16;
  in->size = le32(raw + 0x04) | (uint64_t)le32(raw + 0x6C) << 32;
  in->links = le16(raw + 0x1A);
  in->blocks = le32(raw + 0x1C) | (uint64_t)le16(raw + 0x74) << 32;
  in->flags = le32(raw + 0x20);
  in->generation = le32(raw + 0x64);
  in->file_acl = le32(raw + 0x68) | (uint64_t)le16(raw + 0x76) << 32;
  memcpy(in->block, raw + 0x28, 60);
  in->atime = xtime(raw, len, 0x08, 0x8C, limit);
  in->ctime = xtime(raw, len, 0x0C, 0x84, limit);
  in->mtime = xtime(raw, len, 0x10, 0x88, limit);
  in->dtime = (int64_t)le32(raw + 0x14) * 1000000000;
  in->crtime = limit >= 0x94 + 4 ? xtime(raw, len, 0x90, 0x94, limit) : -1;
  if ((in->mode & 0xF000) == 0x2000 || (in->mode & 0xF000) == 0x6000)
    inode_rdev(in);
  return WO_OK;
}


static const char *xattr_prefix(unsigned idx)
{
  switch (idx) {
  case 1: return "user.";
  case 2: return "system.posix_acl_access";
  case 3: return "system.posix_acl_default";
  case 4: return "trusted.";
  case 6: return "security.";
  case 7: return "system.";
  case 8: return "system.richacl";
  default: return NULL;
  }
}


/* Walks xattr entries in [p, end); values are at base + e_value_offs
 * and must lie in [base, end). */
static int xattr_entries(const uint8_t *p, const uint8_t *end,
                         const uint8_t *base, wo_xattr_fn fn, void *arg)
{
  char name[300];
  int rc;
  while (p + 16 <= end && le32(p) != 0) {
    unsigned nlen = p[0], idx = p[1];
    uint32_t voff = le16(p + 2), vinum = le32(p + 4), vsize = le32(p + 8);
    const char *pre = xattr_prefix(idx);
    if (p + 16 + nlen > end)
      return WO_ECORRUPT;
    if (pre && vinum == 0 && base + voff + vsize <= end &&
        base + voff >= base) {
      snprintf(name, sizeof name, "%s%.*s", pre, (int)nlen,
               (const char *)p + 16);
      if ((rc = fn(arg, name, base + voff, vsize)) != 0)
        return rc;
    }
    p += (16 + nlen + 3) & ~3u;
  }
  return WO_OK;
}


static int xattr_block(wo_ext4 *e, uint64_t blk, wo_xattr_fn fn,
                       void *arg)
{
  uint8_t *b;
  int rc;
  if (blk >= e->nblocks)
    return WO_ECORRUPT;
  if (!(b = malloc(e->bsize)))
    return WO_ENOMEM;
  rc = read_full(e, blk * e->bsize, b, e->bsize);
  if (rc == WO_OK && le32(b) != XATTR_MAGIC)
    rc = WO_ECORRUPT;
  if (rc == WO_OK)
    rc = xattr_entries(b + 32, b + e->bsize, b, fn, arg);
  free(b);
  return rc;
}


int wo_ext4_xattrs(wo_ext4 *e, const uint8_t *raw, size_t len,
                   wo_xattr_fn fn, void *arg)
{
  wo_ext4_inode in;
  size_t start;
  int rc = wo_ext4_inode_parse(raw, len, &in);
  if (rc < 0)
    return rc;
  start = 128 + (size_t)in.extra_isize;
  if (len > 128 && start + 4 <= len && le32(raw + start) == XATTR_MAGIC) {
    rc = xattr_entries(raw + start + 4, raw + len, raw + start + 4, fn,
                       arg);
    if (rc != WO_OK)
      return rc;
  }
  if (in.file_acl)
    return xattr_block(e, in.file_acl, fn, arg);
  return WO_OK;
}


typedef struct map_walk {
  wo_ext4 *e;
  uint64_t max;
  wo_run_fn fn;
  void *arg;
  unsigned nodes;     /* tree blocks read, bounded */
} map_walk;


static int extent_node(map_walk *m, const uint8_t *h, size_t n, int depth);


/* Reads a child tree block and walks it. */
static int extent_child(map_walk *m, uint64_t blk, int depth)
{
  uint8_t *b;
  int rc;
  if (blk >= m->e->nblocks || ++m->nodes > 65536)
    return WO_ECORRUPT;
  if (!(b = malloc(m->e->bsize)))
    return WO_ENOMEM;
  rc = read_full(m->e, blk * m->e->bsize, b, m->e->bsize);
  if (rc == WO_OK)
    rc = extent_node(m, b, m->e->bsize, depth);
  free(b);
  return rc;
}


static int extent_leaf(map_walk *m, const uint8_t *x)
{
  uint32_t lblk = le32(x), len = le16(x + 4);
  uint64_t pblk = le32(x + 8) | (uint64_t)le16(x + 6) << 32;
  int uninit = len > 32768;
  if (uninit)
    len -= 32768;
  if (len == 0 || lblk >= m->max)
    return WO_OK;
  if (pblk >= m->e->nblocks || pblk + len > m->e->nblocks)
    return WO_ECORRUPT;
  if (lblk + (uint64_t)len > m->max)
    len = (uint32_t)(m->max - lblk);
  return m->fn(m->arg, lblk, pblk, len, uninit);
}


/* One node of an extent tree (header at h, n bytes). */
static int extent_node(map_walk *m, const uint8_t *h, size_t n, int depth)
{
  unsigned entries = le16(h + 2), i;
  int d = le16(h + 6), rc = WO_OK;
  if (le16(h) != EXTENT_MAGIC || d > EXTENT_DEPTH_MAX ||
      (depth >= 0 && d != depth) || 12 + (size_t)entries * 12 > n)
    return WO_ECORRUPT;
  for (i = 0; i < entries && rc == WO_OK; i++) {
    const uint8_t *x = h + 12 + (size_t)i * 12;
    if (d == 0)
      rc = extent_leaf(m, x);
    else
      rc = extent_child(m, le32(x + 4) | (uint64_t)le16(x + 8) << 32,
                        d - 1);
  }
  return rc;
}


/* The old block map: 12 direct blocks, then single, double and triple
 * indirect blocks of 32-bit block numbers. */
static int blockmap_ind(map_walk *m, uint64_t blk, int level,
                        uint64_t *lblk)
{
  uint32_t per = m->e->bsize / 4, i;
  uint8_t *b;
  int rc;
  if (blk == 0) {
    uint64_t skip = 1;
    for (i = 0; i < (uint32_t)level; i++)
      skip *= per;
    *lblk += skip;
    return WO_OK;
  }
  if (blk >= m->e->nblocks || ++m->nodes > 65536)
    return WO_ECORRUPT;
  if (!(b = malloc(m->e->bsize)))
    return WO_ENOMEM;
  rc = read_full(m->e, blk * m->e->bsize, b, m->e->bsize);
  for (i = 0; rc == WO_OK && i < per && *lblk < m->max; i++) {
    uint64_t c = le32(b + 4 * i);
    if (level > 1)
      rc = blockmap_ind(m, c, level - 1, lblk);
    else {
      if (c && c < m->e->nblocks)
        rc = m->fn(m->arg, *lblk, c, 1, 0);
      (*lblk)++;
    }
  }
  free(b);
  return rc;
}


static int blockmap(map_walk *m, const uint8_t *blk)
{
  uint64_t lblk;
  int rc = WO_OK, i;
  for (lblk = 0; lblk < 12 && lblk < m->max && rc == WO_OK; lblk++) {
    uint64_t b = le32(blk + 4 * lblk);
    if (b && b < m->e->nblocks)
      rc = m->fn(m->arg, lblk, b, 1, 0);
  }
  for (i = 1; i <= 3 && rc == WO_OK && lblk < m->max; i++)
    rc = blockmap_ind(m, le32(blk + 4 * (11 + i)), i, &lblk);
  return rc;
}


int wo_ext4_map(wo_ext4 *e, const wo_ext4_inode *in, uint64_t max_blocks,
                wo_run_fn fn, void *arg)
{
  map_walk m = { e, max_blocks, fn, arg, 0 };
  if (in->flags & WO_EXT4_INLINE_FL)
    return WO_EUNSUP;
  if (in->flags & WO_EXT4_EXTENTS_FL)
    return extent_node(&m, in->block, sizeof in->block, -1);
  return blockmap(&m, in->block);
}


/* A plausible entry at off: sane lengths and a name without '/' or NUL.
 * Sets *rec and *nlen. */
static int dent_ok(const wo_ext4 *e, const uint8_t *p, size_t room,
                   int slack, uint32_t *rec, unsigned *nlen)
{
  unsigned i;
  if (room < 12)
    return 0;
  *rec = le16(p + 4);
  *nlen = (e->incompat & INCOMPAT_FILETYPE) ? p[6] : le16(p + 6);
  if (*rec < 12 || (*rec & 3) || *rec > room || *nlen == 0 ||
      8 + (size_t)*nlen > *rec || *nlen > 255)
    return 0;
  if (slack && (le32(p) == 0 || le32(p) > e->ninodes))
    return 0;
  for (i = 0; i < *nlen; i++)
    if (p[8 + i] == 0 || p[8 + i] == '/')
      return 0;
  return 1;
}


static int dent_emit(const wo_ext4 *e, const uint8_t *p, unsigned nlen,
                     int live, uint32_t off, wo_dent_fn fn, void *arg)
{
  char name[256];
  int ft = (e->incompat & INCOMPAT_FILETYPE) ? p[7] : 0;
  memcpy(name, p + 8, nlen);
  name[nlen] = '\0';
  return fn(arg, name, le32(p), ft, live, off);
}


/* Looks for deleted entries in [from, to) of the block, 4-aligned. */
static int dent_slack(const wo_ext4 *e, const uint8_t *buf, size_t from,
                      size_t to, wo_dent_fn fn, void *arg)
{
  size_t off = (from + 3) & ~(size_t)3;
  uint32_t rec;
  unsigned nlen;
  int rc;
  while (off + 12 <= to) {
    if (dent_ok(e, buf + off, to - off, 1, &rec, &nlen)) {
      if ((rc = dent_emit(e, buf + off, nlen, 0, (uint32_t)off, fn, arg)))
        return rc;
      off += (8 + nlen + 3) & ~3u;
    } else {
      off += 4;
    }
  }
  return WO_OK;
}


int wo_ext4_dirblock(const wo_ext4 *e, const uint8_t *buf, size_t n,
                     wo_dent_fn fn, void *arg)
{
  size_t off = 0;
  uint32_t rec;
  unsigned nlen;
  int rc;
  while (off + 12 <= n) {
    const uint8_t *p = buf + off;
    if (le32(p) == 0 && le16(p + 4) == 12 && p[7] == 0xDE)
      break;   /* the checksum tail (ext4_dir_entry_tail) */
    if (!dent_ok(e, p, n - off, 0, &rec, &nlen)) {
      if (le32(p) == 0 && le16(p + 4) >= 12 && le16(p + 4) <= n - off &&
          !(le16(p + 4) & 3)) {
        rec = le16(p + 4);   /* an empty first entry */
        if ((rc = dent_slack(e, buf, off + 8, off + rec, fn, arg)))
          return rc;
        off += rec;
        continue;
      }
      return WO_ECORRUPT;
    }
    if (le32(p) && (rc = dent_emit(e, p, nlen, 1, (uint32_t)off, fn, arg)))
      return rc;
    if ((rc = dent_slack(e, buf, off + 8 + nlen, off + rec, fn, arg)))
      return rc;
    off += rec;
  }
  return WO_OK;
}
