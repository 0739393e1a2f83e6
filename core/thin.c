/* dm-thin pool metadata, read only: the superblock, checked B-tree
 * walks (bounded depth, every node at most once per walk, keys
 * ascending), the device details and two-level mapping trees, and the
 * data space map.  Layout: ../shared/formats/dm-thin-lvm.md, which
 * follows the kernel's dm-thin-metadata.c and persistent-data/.
 *
 * Caveats: the metadata space map is checked only through its counts
 * in the superblock; old node copies in free metadata blocks are not
 * carved. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "thin.h"
#include "thinint.h"


/* CRC-32C (Castagnoli, reflected 0x82F63B78), as dm_bm_checksum uses. */
static uint32_t crc_table[256];


static void crc_init(void)
{
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++)
      c = (c >> 1) ^ (c & 1 ? 0x82F63B78u : 0);
    crc_table[i] = c;
  }
}


uint32_t wo_crc32c(uint32_t seed, const void *buf, size_t n)
{
  const uint8_t *p = buf;
  uint32_t c = seed;
  if (!crc_table[1])
    crc_init();
  while (n--)
    c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
  return c;
}


int thin_fail(wo_thin_pool *p, int code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->err, sizeof p->err, fmt, ap);
  va_end(ap);
  return code;
}


void thin_warn(wo_thin_pool *p, const char *fmt, ...)
{
  char msg[256];
  char **w;
  va_list ap;
  if (p->nwarn >= THIN_MAX_WARN)   /* a hostile pool could warn forever */
    return;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  w = realloc(p->warn, (p->nwarn + 1) * sizeof *w);
  if (!w)
    return;
  p->warn = w;
  if ((w[p->nwarn] = strdup(msg)))
    p->nwarn++;
}


static const char *block_kind(uint32_t xor)
{
  switch (xor) {
  case SB_XOR: return "superblock";
  case BTREE_XOR: return "btree node";
  case BITMAP_XOR: return "space map bitmap";
  default: return "index block";
  }
}


/* Reads metadata block b and checks its self-location (blocknr) and its
 * checksum (csum over bytes 4..4095, XOR the block type's constant). */
int thin_read_meta(wo_thin_pool *p, uint64_t b, uint32_t xor, uint8_t *buf)
{
  ssize_t r;
  uint32_t want;
  if (b >= p->nmeta)
    return thin_fail(p, WO_ECORRUPT, "%s %llu is beyond the %llu-block "
                     "metadata device", block_kind(xor),
                     (unsigned long long)b, (unsigned long long)p->nmeta);
  r = wo_blk_pread(p->meta, buf, META_BLOCK, b * META_BLOCK);
  if (r != META_BLOCK)
    return thin_fail(p, r < 0 ? (int)r : WO_EIO, "cannot read metadata "
                     "block %llu: %s", (unsigned long long)b,
                     r < 0 ? p->meta->err : "short read");
  if (le64(buf + 8) != b)
    return thin_fail(p, WO_ECORRUPT, "%s %llu says it is block %llu",
                     block_kind(xor), (unsigned long long)b,
                     (unsigned long long)le64(buf + 8));
  want = wo_crc32c(0xffffffffu, buf + 4, META_BLOCK - 4) ^ xor;
  if (want == le32(buf))
    return WO_OK;
  if (!(p->flags & WO_THIN_FORCE))
    return thin_fail(p, WO_ECORRUPT, "bad checksum in %s %llu (use force "
                     "to read on)", block_kind(xor), (unsigned long long)b);
  thin_warn(p, "bad checksum in %s %llu, read on (force)", block_kind(xor),
            (unsigned long long)b);
  return WO_OK;
}


/* B-tree walks. */

/* Checks a node header as the kernel's node_check does. */
static int node_check(wo_thin_pool *p, uint64_t b, const uint8_t *n,
                      uint32_t leaf_vsize)
{
  uint32_t flags = le32(n + 4), nr = le32(n + 16), max = le32(n + 20);
  uint32_t vs = le32(n + 24);
  int leaf = flags & NODE_LEAF;
  if (!(flags & (NODE_INTERNAL | NODE_LEAF)))
    return thin_fail(p, WO_ECORRUPT, "btree node %llu has flags %u",
                     (unsigned long long)b, flags);
  if (vs != (leaf ? leaf_vsize : 8))
    return thin_fail(p, WO_ECORRUPT, "btree node %llu has value size %u, "
                     "want %u", (unsigned long long)b, vs,
                     leaf ? leaf_vsize : 8);
  if ((uint64_t)max * (8 + vs) + NODE_HDR > META_BLOCK || nr > max)
    return thin_fail(p, WO_ECORRUPT, "btree node %llu claims %u of %u "
                     "entries", (unsigned long long)b, nr, max);
  return WO_OK;
}


static int walk_node(thin_walk *w, uint64_t b, int depth);


/* Visits the entries of a checked node: children or leaf values. */
static int walk_entries(thin_walk *w, uint64_t b, const uint8_t *n,
                        int depth)
{
  uint32_t nr = le32(n + 16), max = le32(n + 20), vs = le32(n + 24);
  const uint8_t *vals = n + NODE_HDR + 8 * (size_t)max;
  for (uint32_t i = 0; i < nr; i++) {
    uint64_t key = le64(n + NODE_HDR + 8 * (size_t)i);
    int rc;
    if (w->any && key <= w->last && (le32(n + 4) & NODE_LEAF))
      return thin_fail(w->p, WO_ECORRUPT, "btree node %llu: key %llu "
                       "out of order", (unsigned long long)b,
                       (unsigned long long)key);
    if (le32(n + 4) & NODE_LEAF) {
      w->any = 1;
      w->last = key;
      rc = w->leaf(w, key, vals + (size_t)i * vs);
    } else {
      rc = walk_node(w, le64(vals + (size_t)i * 8), depth + 1);
    }
    if (rc)
      return rc;
  }
  return WO_OK;
}


static int walk_node(thin_walk *w, uint64_t b, int depth)
{
  wo_thin_pool *p = w->p;
  uint8_t n[META_BLOCK];
  int rc;
  if (depth > MAX_DEPTH)
    return thin_fail(p, WO_ECORRUPT, "btree deeper than %d levels at "
                     "node %llu", MAX_DEPTH, (unsigned long long)b);
  if (b < p->nmeta && (p->seen[b / 8] & (1u << (b % 8))))
    return thin_fail(p, WO_ELOOP, "btree node %llu reached twice (a "
                     "cycle)", (unsigned long long)b);
  if ((rc = thin_read_meta(p, b, BTREE_XOR, n)) < 0)
    return rc;
  p->seen[b / 8] |= (uint8_t)(1u << (b % 8));
  if ((rc = node_check(p, b, n, w->vsize)) < 0)
    return rc;
  return walk_entries(w, b, n, depth);
}


int thin_walk_tree(thin_walk *w, uint64_t root)
{
  memset(w->p->seen, 0, (size_t)((w->p->nmeta + 7) / 8));
  w->any = 0;
  w->last = 0;
  return walk_node(w, root, 0);
}


/* The superblock. */

static void parse_sm_root(const uint8_t *r, uint64_t *nr, uint64_t *alloc)
{
  *nr = le64(r);
  *alloc = le64(r + 8);
}


static void parse_super(wo_thin_sb *sb, const uint8_t *b)
{
  sb->flags = le32(b + 4);
  sb->blocknr = le64(b + 8);
  sb->version = le32(b + 40);
  sb->time = le32(b + 44);
  sb->trans_id = le64(b + 48);
  sb->held_root = le64(b + 56);
  parse_sm_root(b + 64, &sb->data_nr_blocks, &sb->data_nr_allocated);
  sb->data_bitmap_root = le64(b + 64 + 16);
  sb->data_ref_count_root = le64(b + 64 + 24);
  parse_sm_root(b + 192, &sb->meta_nr_blocks, &sb->meta_nr_allocated);
  sb->data_mapping_root = le64(b + 320);
  sb->device_details_root = le64(b + 328);
  sb->data_block_size = le32(b + 336);
  sb->metadata_nr_blocks = le64(b + 344);
  sb->compat_flags = le32(b + 352);
  sb->compat_ro_flags = le32(b + 356);
  sb->incompat_flags = le32(b + 360);
}


/* The sizes and flags that make every later bound meaningful. */
static int check_super(wo_thin_pool *p, const uint8_t *b)
{
  wo_thin_sb *sb = &p->sb;
  if (le64(b + 32) != THIN_MAGIC)
    return thin_fail(p, WO_ECORRUPT, "no thin pool superblock (magic "
                     "%llu)", (unsigned long long)le64(b + 32));
  if (sb->version < 1 || sb->version > 2)
    return thin_fail(p, WO_EUNSUP, "superblock version %u", sb->version);
  if (sb->incompat_flags)
    return thin_fail(p, WO_EUNSUP, "unknown incompat_flags 0x%x",
                     sb->incompat_flags);
  if (sb->data_block_size < 128 || sb->data_block_size > 2097152 ||
      sb->data_block_size % 128)
    return thin_fail(p, WO_ECORRUPT, "impossible data_block_size %u",
                     sb->data_block_size);
  if (le32(b + 340) != 8)
    return thin_fail(p, WO_ECORRUPT, "metadata_block_size %u, not 8",
                     le32(b + 340));
  if (!sb->metadata_nr_blocks || sb->metadata_nr_blocks > MAX_META_BLOCKS)
    return thin_fail(p, WO_ECORRUPT, "impossible metadata_nr_blocks %llu",
                     (unsigned long long)sb->metadata_nr_blocks);
  if (sb->data_nr_blocks > MAX_DATA_BLOCKS)
    return thin_fail(p, WO_ERANGE, "impossible data block count %llu",
                     (unsigned long long)sb->data_nr_blocks);
  return WO_OK;
}


static int read_super(wo_thin_pool *p)
{
  uint8_t b[META_BLOCK];
  uint64_t at = 0, have = p->meta->size / META_BLOCK;
  int rc;
  p->nmeta = have ? have : 1;
  if ((rc = thin_read_meta(p, 0, SB_XOR, b)) < 0)
    return rc;
  parse_super(&p->sb, b);
  if ((p->flags & WO_THIN_HELD) && !(at = p->sb.held_root))
    return thin_fail(p, WO_ENOENT, "the pool holds no metadata snapshot");
  if (at && (rc = thin_read_meta(p, at, SB_XOR, b)) < 0)
    return rc;
  if (at) {
    /* a snapshot's space-map roots are zeroed (reserve_metadata_snap):
     * the pool's sizes come from the live superblock */
    wo_thin_sb live = p->sb;
    parse_super(&p->sb, b);
    p->sb.data_nr_blocks = live.data_nr_blocks;
    p->sb.meta_nr_blocks = live.meta_nr_blocks;
  }
  if ((rc = check_super(p, b)) < 0)
    return rc;
  if (p->sb.metadata_nr_blocks > have)
    thin_warn(p, "metadata device has %llu blocks, superblock says %llu",
              (unsigned long long)have,
              (unsigned long long)p->sb.metadata_nr_blocks);
  p->nmeta = have < p->sb.metadata_nr_blocks ? have
                                               : p->sb.metadata_nr_blocks;
  return WO_OK;
}


static void check_data_size(wo_thin_pool *p)
{
  uint64_t bytes = (uint64_t)p->sb.data_block_size * 512;
  if (p->sb.flags & 1)
    thin_warn(p, "metadata flagged NEEDS_CHECK: not cleanly committed");
  if (p->data && p->data->size / bytes < p->sb.data_nr_blocks)
    thin_warn(p, "data device holds %llu blocks, space map says %llu",
              (unsigned long long)(p->data->size / bytes),
              (unsigned long long)p->sb.data_nr_blocks);
}


wo_thin_pool *wo_thin_open(wo_blk *meta, wo_blk *data, int flags,
                           char *err, int *code)
{
  wo_thin_pool *p = calloc(1, sizeof *p);
  int rc = WO_ENOMEM;
  if (p) {
    p->refs = 1;
    p->flags = flags;
    p->meta = wo_blk_ref(meta);
    p->data = wo_blk_ref(data);
    rc = read_super(p);
  }
  if (rc == WO_OK &&
      !(p->seen = calloc(1, (size_t)((p->nmeta + 7) / 8))))
    rc = thin_fail(p, WO_ENOMEM, "out of memory");
  if (rc == WO_OK) {
    check_data_size(p);
    return p;
  }
  snprintf(err, 256, "%s", p ? p->err : "out of memory");
  if (code)
    *code = rc;
  wo_thin_unref(p);
  return NULL;
}


wo_thin_pool *wo_thin_ref(wo_thin_pool *p)
{
  if (p)
    p->refs++;
  return p;
}


void wo_thin_unref(wo_thin_pool *p)
{
  if (!p || --p->refs > 0)
    return;
  for (size_t i = 0; i < p->ndevs; i++)
    free(p->maps ? p->maps[i].runs : NULL);
  for (size_t i = 0; i < p->nwarn; i++)
    free(p->warn[i]);
  free(p->warn);
  free(p->maps);
  free(p->devs);
  free(p->refc);
  free(p->seen);
  wo_blk_unref(p->meta);
  wo_blk_unref(p->data);
  free(p);
}


const wo_thin_sb *wo_thin_super(wo_thin_pool *p)
{
  return &p->sb;
}


const char *wo_thin_error(wo_thin_pool *p)
{
  return p->err;
}


size_t wo_thin_nwarn(wo_thin_pool *p)
{
  return p->nwarn;
}


const char *wo_thin_warn(wo_thin_pool *p, size_t i)
{
  return i < p->nwarn ? p->warn[i] : NULL;
}


uint64_t wo_thin_block_bytes(wo_thin_pool *p)
{
  return (uint64_t)p->sb.data_block_size * 512;
}
