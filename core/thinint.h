/* Internals shared by the dm-thin reader's files (thin.c, thinmap.c,
 * thinsm.c, thindev.c); not an interface for anyone else. */
#ifndef WO_THININT_H
#define WO_THININT_H

#include <stdint.h>
#include <string.h>

#include "thin.h"

#define META_BLOCK 4096
#define THIN_MAGIC 27022010ull
/* Checksum constants per block type (dm-thin-metadata.c and
 * persistent-data's *_CSUM_XOR). */
#define SB_XOR 160774u
#define BTREE_XOR 121107u
#define BITMAP_XOR 240779u
#define INDEX_XOR 160478u
#define NODE_INTERNAL 1u
#define NODE_LEAF 2u
#define NODE_HDR 32
/* Bounds a hostile pool cannot push us past. */
#define MAX_DEPTH 16
#define MAX_META_BLOCKS (255ull * 16320)   /* DM_SM_METADATA_MAX_BLOCKS */
#define MAX_DATA_BLOCKS (1ull << 32)
#define THIN_MAX_WARN 100
#define BITMAP_ENTRIES 16320

typedef struct thin_map {
  wo_thin_run *runs;
  size_t n;
  int loaded;
} thin_map;

typedef struct thin_refc {   /* one entry of the ref-count overflow tree */
  uint64_t block;
  uint32_t count;
} thin_refc;

struct wo_thin_pool {
  int refs, flags;
  wo_blk *meta, *data;
  wo_thin_sb sb;
  uint64_t nmeta;          /* metadata blocks we may read */
  wo_thin_dev *devs;
  thin_map *maps;          /* parallel to devs */
  size_t ndevs;
  int devs_loaded;
  thin_refc *refc;
  size_t nrefc;
  int refc_loaded;
  uint8_t *seen;           /* nodes visited by the current walk */
  char err[256];
  char **warn;
  size_t nwarn;
};

typedef struct thin_walk thin_walk;
struct thin_walk {
  wo_thin_pool *p;
  uint32_t vsize;          /* leaf value size this tree must have */
  int (*leaf)(thin_walk *w, uint64_t key, const uint8_t *val);
  void *arg;
  uint64_t last;           /* previous leaf key: keys must ascend */
  int any;
};

/* All dm-thin integers are little-endian, whatever the analyst's CPU. */
static inline uint32_t le32(const uint8_t *b)
{
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
         (uint32_t)b[3] << 24;
}

static inline uint64_t le64(const uint8_t *b)
{
  return (uint64_t)le32(b) | (uint64_t)le32(b + 4) << 32;
}

int thin_fail(wo_thin_pool *p, int code, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
void thin_warn(wo_thin_pool *p, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
int thin_read_meta(wo_thin_pool *p, uint64_t b, uint32_t xor, uint8_t *buf);
/* Walks the tree at root; w->leaf gets every leaf entry in key order. */
int thin_walk_tree(thin_walk *w, uint64_t root);
int thin_load_devices(wo_thin_pool *p);

#endif
