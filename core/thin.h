/* A read-only reader of dm-thin pool metadata (the kernel's
 * persistent-data format: superblock, B-trees, space maps) and thin
 * devices as block sources.  Nothing here writes to the pool. */
#ifndef WO_THIN_H
#define WO_THIN_H

#include <stdint.h>

#include "blk.h"

/* Open flags. */
enum {
  WO_THIN_FORCE = 1,  /* read on past bad checksums, with a warning */
  WO_THIN_HELD = 2    /* read the metadata snapshot (held_root) instead */
};

/* The superblock, and the two space-map roots' sizes. */
typedef struct wo_thin_sb {
  uint64_t blocknr;             /* 0, or held_root when opened HELD */
  uint32_t flags, version, time;
  uint64_t trans_id, held_root;
  uint64_t data_mapping_root, device_details_root;
  uint32_t data_block_size;     /* sectors */
  uint64_t metadata_nr_blocks;
  uint32_t compat_flags, compat_ro_flags, incompat_flags;
  uint64_t data_nr_blocks, data_nr_allocated;
  uint64_t data_bitmap_root, data_ref_count_root;
  uint64_t meta_nr_blocks, meta_nr_allocated;
} wo_thin_sb;

/* disk_device_details, with its key. */
typedef struct wo_thin_dev {
  uint32_t dev_id;
  uint64_t mapped_blocks, transaction_id;
  uint32_t creation_time, snapshotted_time;
  uint64_t root;                /* bottom-level mapping tree, 0 if none */
} wo_thin_dev;

/* Mappings that follow on in both virtual and data blocks, with one
 * time stamp: vblock vbegin+i is data block dbegin+i for i < len. */
typedef struct wo_thin_run {
  uint64_t vbegin, dbegin, len;
  uint32_t time;
} wo_thin_run;

/* Per-device use of the data device, as thin_ls counts it: a data
 * block is shared when more than one device maps it. */
typedef struct wo_thin_usage {
  uint32_t dev_id;
  uint64_t mapped, exclusive, shared;
} wo_thin_usage;

enum { WO_DELTA_SAME, WO_DELTA_DIFFERENT, WO_DELTA_LEFT, WO_DELTA_RIGHT };

typedef struct wo_thin_pool wo_thin_pool;

/* Opens a pool over its metadata device and (perhaps NULL) data device;
 * takes references on both.  NULL with err (256 bytes) and *code. */
wo_thin_pool *wo_thin_open(wo_blk *meta, wo_blk *data, int flags,
                           char *err, int *code);
wo_thin_pool *wo_thin_ref(wo_thin_pool *p);
void wo_thin_unref(wo_thin_pool *p);
const wo_thin_sb *wo_thin_super(wo_thin_pool *p);
/* Detail of the last failure. */
const char *wo_thin_error(wo_thin_pool *p);
/* Warnings gathered so far (bad checksums read on, mismatched counts). */
size_t wo_thin_nwarn(wo_thin_pool *p);
const char *wo_thin_warn(wo_thin_pool *p, size_t i);
/* Data block size in bytes. */
uint64_t wo_thin_block_bytes(wo_thin_pool *p);

/* Every device, in dev_id order; owned by the pool.  Returns the count
 * or a WO_E* code. */
int wo_thin_devices(wo_thin_pool *p, const wo_thin_dev **devs);
/* A device's mappings in vblock order; owned by the pool. */
int wo_thin_runs(wo_thin_pool *p, uint32_t dev_id,
                 const wo_thin_run **runs, size_t *n);
/* Usage of every device (order of wo_thin_devices); caller frees. */
int wo_thin_usage_all(wo_thin_pool *p, wo_thin_usage **out);

/* Calls fn for each run of data blocks with one reference count from
 * the data space map (count 0 = free), in block order.  A non-zero
 * return from fn stops the walk and is returned. */
typedef int (*wo_thin_sm_fn)(void *arg, uint64_t first, uint64_t len,
                             uint32_t count);
int wo_thin_data_sm(wo_thin_pool *p, wo_thin_sm_fn fn, void *arg);

/* Calls fn(arg, block, 1, 0) for each free data block (count 0) below
 * limit (0: all) that holds a non-zero byte. */
int wo_thin_free_used(wo_thin_pool *p, uint64_t limit, wo_thin_sm_fn fn,
                      void *arg);

/* Compares two devices' mappings as thin_delta does: fn gets each run
 * that is contiguous in vblock and data blocks on both sides, with its
 * kind (WO_DELTA_*); data blocks are those of the side(s) that map. */
typedef int (*wo_thin_delta_fn)(void *arg, int kind, uint64_t vbegin,
                                uint64_t len, uint64_t left,
                                uint64_t right);
int wo_thin_delta(wo_thin_pool *p, uint32_t a, uint32_t b,
                  wo_thin_delta_fn fn, void *arg);

/* Reads data block n of the pool's data device into buf
 * (wo_thin_block_bytes long). */
int wo_thin_read_data(wo_thin_pool *p, uint64_t n, void *buf);

/* The thin device dev_id as a block source of size bytes (0: up to the
 * end of the highest mapped block).  Unmapped blocks read as zeros. */
wo_blk *wo_thin_dev_open(wo_thin_pool *p, uint32_t dev_id, uint64_t size,
                         char *err, int *code);

/* CRC-32C register over buf, seeded with seed, no final inversion. */
uint32_t wo_crc32c(uint32_t seed, const void *buf, size_t n);

#endif
