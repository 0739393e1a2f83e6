/* The jbd2 journal read raw.  Field names follow the kernel's
 * include/linux/jbd2.h.  libtsk's own journal reader misreads 64-bit
 * and checksummed tags, so we decode them here.  Everything on disk is
 * big-endian; every count is checked against the block. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"
#include "jbd2.h"
#include "thin.h"   /* wo_crc32c */

#define JBD2_MAGIC 0xC03B3998u
#define T_DESCRIPTOR 1
#define T_COMMIT 2
#define T_SB_V1 3
#define T_SB_V2 4
#define T_REVOKE 5
#define F_REVOKE 0x1
#define F_64BIT 0x2
#define F_CSUM_V2 0x8
#define F_CSUM_V3 0x10
#define TAG_ESCAPE 1
#define TAG_SAME_UUID 2
#define TAG_LAST 8
/* the most journal blocks we map (4 GiB of 4 KiB blocks) */
#define MAXLEN_MAX (1u << 20)


static uint32_t be32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
         (uint32_t)p[2] << 8 | p[3];
}


static uint32_t be16(const uint8_t *p)
{
  return (uint32_t)p[0] << 8 | p[1];
}


typedef struct map_fill {
  wo_jbd2 *j;
  uint64_t mapped;
} map_fill;


static int map_run(void *arg, uint64_t lblk, uint64_t pblk, uint32_t len,
                   int uninit)
{
  map_fill *m = arg;
  uint32_t i;
  (void)uninit;
  for (i = 0; i < len && lblk + i < m->j->maxlen; i++)
    m->j->map[lblk + i] = pblk + i;
  m->mapped += len;
  return 0;
}


static int jfail(wo_jbd2 *j, int code, const char *msg)
{
  snprintf(j->err, sizeof j->err, "%s", msg);
  return code;
}


/* Maps journal blocks to file system blocks through the journal inode
 * (read raw; block 0 must hold the journal superblock first). */
static int map_journal(wo_jbd2 *j, wo_ext4_inode *in)
{
  map_fill m = { j, 0 };
  uint64_t nblk = in->size / j->e->bsize;
  int rc;
  j->maxlen = nblk > MAXLEN_MAX ? MAXLEN_MAX : (uint32_t)nblk;
  if (j->maxlen < 2)
    return jfail(j, WO_ECORRUPT, "journal inode is too small");
  if (!(j->map = calloc(j->maxlen, sizeof *j->map)))
    return WO_ENOMEM;
  rc = wo_ext4_map(j->e, in, j->maxlen, map_run, &m);
  if (rc < 0)
    return jfail(j, rc, "cannot map the journal inode's blocks");
  if (!j->map[0])
    return jfail(j, WO_ECORRUPT, "journal block 0 is not mapped");
  return WO_OK;
}


static int read_jblock(wo_jbd2 *j, uint32_t jblock, void *buf)
{
  ssize_t r;
  if (jblock >= j->maxlen || !j->map[jblock])
    return WO_ERANGE;
  r = j->e->read(j->e->arg, j->map[jblock] * j->e->bsize, buf, j->bsize);
  return r == (ssize_t)j->bsize ? WO_OK : WO_EIO;
}


static int read_super(wo_jbd2 *j, uint8_t *b)
{
  uint32_t type;
  int rc = read_jblock(j, 0, b);
  if (rc < 0)
    return jfail(j, rc, "cannot read the journal superblock");
  type = be32(b + 4);
  if (be32(b) != JBD2_MAGIC || (type != T_SB_V1 && type != T_SB_V2))
    return jfail(j, WO_ECORRUPT, "no jbd2 superblock in the journal");
  if (be32(b + 0x0C) != j->e->bsize)
    return jfail(j, WO_EUNSUP, "journal block size differs");
  if (be32(b + 0x10) < j->maxlen)
    j->maxlen = be32(b + 0x10);
  j->first = be32(b + 0x14);
  j->sequence = be32(b + 0x18);
  j->start = be32(b + 0x1C);
  j->incompat = type == T_SB_V2 ? be32(b + 0x28) : 0;
  j->csum_seed = wo_crc32c(~0u, b + 0x30, 16);
  if (j->first == 0 || j->first >= j->maxlen)
    return jfail(j, WO_ECORRUPT, "journal s_first is out of range");
  return WO_OK;
}


/* Bytes per tag, as the kernel's journal_tag_bytes(). */
static size_t tag_bytes(const wo_jbd2 *j)
{
  size_t sz = 12;
  if (j->incompat & F_CSUM_V3)
    return 16;
  if (j->incompat & F_CSUM_V2)
    sz += 2;
  return (j->incompat & F_64BIT) ? sz : sz - 4;
}


static int push_copy(wo_jbd2 *j, const wo_jcopy *c, size_t *cap)
{
  if (j->ncopies == *cap) {
    size_t n = *cap ? *cap * 2 : 256;
    wo_jcopy *p = realloc(j->copies, n * sizeof *p);
    if (!p)
      return WO_ENOMEM;
    j->copies = p;
    *cap = n;
  }
  j->copies[j->ncopies++] = *c;
  return WO_OK;
}


/* Verifies a data block against its tag checksum (v2: low 16 bits). */
static int8_t data_csum(wo_jbd2 *j, uint32_t jblock, uint32_t seq,
                        uint32_t want, uint8_t *tmp)
{
  uint8_t s[4] = { seq >> 24, seq >> 16, seq >> 8, seq };
  uint32_t c;
  if (!(j->incompat & (F_CSUM_V2 | F_CSUM_V3)))
    return -1;
  if (read_jblock(j, jblock, tmp) < 0)
    return 0;
  c = wo_crc32c(wo_crc32c(j->csum_seed, s, 4), tmp, j->bsize);
  if (j->incompat & F_CSUM_V3)
    return c == want;
  return (c & 0xffff) == want;
}


/* The journal block n after jblock, wrapping inside [first, maxlen). */
static uint32_t jnext(const wo_jbd2 *j, uint32_t jblock, uint32_t n)
{
  uint64_t span = j->maxlen - j->first;
  return j->first + (uint32_t)((jblock - j->first + (uint64_t)n) % span);
}


/* Reads the tags of one descriptor block at jblock. */
static int descriptor(wo_jbd2 *j, const uint8_t *b, uint32_t jblock,
                      size_t *cap, uint8_t *tmp)
{
  size_t tb = tag_bytes(j), off = 12, end = j->bsize;
  uint32_t seq = be32(b + 8), n = 0;
  int rc = WO_OK;
  if (j->incompat & (F_CSUM_V2 | F_CSUM_V3))
    end -= 4;   /* jbd2_journal_block_tail */
  while (off + tb <= end && rc == WO_OK && n < j->maxlen) {
    const uint8_t *t = b + off;
    wo_jcopy c;
    uint32_t flags = (j->incompat & F_CSUM_V3) ? be32(t + 4)
                                               : be16(t + 6);
    uint32_t sum = (j->incompat & F_CSUM_V3) ? be32(t + 12) : be16(t + 4);
    memset(&c, 0, sizeof c);
    c.fsblock = be32(t);
    if (j->incompat & F_64BIT)
      c.fsblock |= (uint64_t)be32(t + 8) << 32;
    c.jblock = jnext(j, jblock, ++n);
    c.seq = seq;
    c.escaped = (flags & TAG_ESCAPE) != 0;
    c.csum_ok = data_csum(j, c.jblock, seq, sum, tmp);
    if (c.fsblock < j->e->nblocks)
      rc = push_copy(j, &c, cap);
    off += tb + ((flags & TAG_SAME_UUID) ? 0 : 16);
    if (flags & TAG_LAST)
      break;
  }
  return rc;
}


static int push_commit(wo_jbd2 *j, const uint8_t *b, size_t *cap)
{
  uint64_t sec;
  if (j->ncommits == *cap) {
    size_t n = *cap ? *cap * 2 : 64;
    uint32_t *s = realloc(j->commit_seq, n * sizeof *s);
    int64_t *t;
    if (!s)
      return WO_ENOMEM;
    j->commit_seq = s;
    if (!(t = realloc(j->commit_ns, n * sizeof *t)))
      return WO_ENOMEM;
    j->commit_ns = t;
    *cap = n;
  }
  sec = (uint64_t)be32(b + 0x30) << 32 | be32(b + 0x34);
  j->commit_seq[j->ncommits] = be32(b + 8);
  /* h_commit_sec beyond what ns since 1970 can hold is corrupt */
  j->commit_ns[j->ncommits++] = sec > 9000000000ull ? -1 :
    (int64_t)sec * 1000000000 + (be32(b + 0x38) % 1000000000);
  return WO_OK;
}


/* A revoke block: r_count bytes used, then 4- or 8-byte block numbers. */
static int revoke(wo_jbd2 *j, const uint8_t *b, size_t *cap)
{
  size_t used = be32(b + 12), w = (j->incompat & F_64BIT) ? 8 : 4, off;
  if (used > j->bsize)
    return WO_OK;
  for (off = 16; off + w <= used; off += w) {
    if (j->nrev == *cap) {
      size_t n = *cap ? *cap * 2 : 64;
      uint64_t *bl = realloc(j->rev_blk, n * sizeof *bl);
      uint32_t *sq;
      if (!bl)
        return WO_ENOMEM;
      j->rev_blk = bl;
      if (!(sq = realloc(j->rev_seq, n * sizeof *sq)))
        return WO_ENOMEM;
      j->rev_seq = sq;
      *cap = n;
    }
    j->rev_blk[j->nrev] = w == 8 ? (uint64_t)be32(b + off) << 32 |
                                   be32(b + off + 4) : be32(b + off);
    j->rev_seq[j->nrev++] = be32(b + 8);
  }
  return WO_OK;
}


static int cmp_copy(const void *a, const void *b)
{
  const wo_jcopy *x = a, *y = b;
  if (x->seq != y->seq)
    return (int32_t)(x->seq - y->seq) < 0 ? -1 : 1;
  return x->jblock < y->jblock ? -1 : x->jblock > y->jblock;
}


/* Marks copies that a revoke record of the same or a later transaction
 * names (replay would skip them). */
static void mark_revoked(wo_jbd2 *j)
{
  size_t i, k;
  for (i = 0; i < j->ncopies; i++)
    for (k = 0; k < j->nrev; k++)
      if (j->rev_blk[k] == j->copies[i].fsblock &&
          (int32_t)(j->rev_seq[k] - j->copies[i].seq) >= 0)
        j->copies[i].revoked = 1;
}


/* Visits every block of the log for headers.  Escaped data blocks have
 * their magic cleared, so a header found is a real one. */
static int scan_log(wo_jbd2 *j, uint8_t *b, uint8_t *tmp)
{
  size_t ccap = 0, mcap = 0, rcap = 0;
  uint32_t jb;
  int rc = WO_OK;
  for (jb = j->first; jb < j->maxlen && rc == WO_OK; jb++) {
    if (read_jblock(j, jb, b) < 0 || be32(b) != JBD2_MAGIC)
      continue;
    switch (be32(b + 4)) {
    case T_DESCRIPTOR: rc = descriptor(j, b, jb, &ccap, tmp); break;
    case T_COMMIT: rc = push_commit(j, b, &mcap); break;
    case T_REVOKE: rc = revoke(j, b, &rcap); break;
    default: break;
    }
  }
  return rc;
}


int wo_jbd2_scan(wo_jbd2 *j, wo_ext4 *e)
{
  uint8_t raw[1024], *b = NULL, *tmp = NULL;
  wo_ext4_inode in;
  int rc;
  memset(j, 0, sizeof *j);
  j->e = e;
  j->bsize = e->bsize;
  if (!e->journal_inum || e->isize > sizeof raw)
    return jfail(j, WO_ENOENT, "the file system has no internal journal");
  rc = wo_ext4_inode_raw(e, e->journal_inum, raw);
  if (rc == WO_OK)
    rc = wo_ext4_inode_parse(raw, e->isize, &in);
  if (rc < 0)
    return jfail(j, rc, "cannot read the journal inode");
  if ((rc = map_journal(j, &in)) < 0)
    return rc;
  if (!(b = malloc(j->bsize)) || !(tmp = malloc(j->bsize)))
    rc = WO_ENOMEM;
  if (rc == WO_OK)
    rc = read_super(j, b);
  if (rc == WO_OK)
    rc = scan_log(j, b, tmp);
  free(b);
  free(tmp);
  if (rc < 0)
    return rc;
  if (j->ncopies)
    qsort(j->copies, j->ncopies, sizeof *j->copies, cmp_copy);
  mark_revoked(j);
  return WO_OK;
}


void wo_jbd2_free(wo_jbd2 *j)
{
  free(j->map);
  free(j->copies);
  free(j->commit_seq);
  free(j->commit_ns);
  free(j->rev_blk);
  free(j->rev_seq);
  memset(j, 0, sizeof *j);
}


int wo_jbd2_read(wo_jbd2 *j, uint32_t jblock, int escaped, void *buf)
{
  int rc = read_jblock(j, jblock, buf);
  if (rc == WO_OK && escaped) {
    uint8_t *p = buf;
    p[0] = 0xC0; p[1] = 0x3B; p[2] = 0x39; p[3] = 0x98;
  }
  return rc;
}


int64_t wo_jbd2_commit_time(const wo_jbd2 *j, uint32_t seq)
{
  size_t i;
  for (i = 0; i < j->ncommits; i++)
    if (j->commit_seq[i] == seq)
      return j->commit_ns[i];
  return -1;
}
