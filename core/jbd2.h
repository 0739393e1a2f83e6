/* The ext4 journal (jbd2) read for its old copies of metadata blocks:
 * which file system block each journal block holds, in which
 * transaction, committed when. */
#ifndef WO_JBD2_H
#define WO_JBD2_H

#include <stdint.h>
#include <sys/types.h>

#include "ext4.h"

/* One journal block that holds a copy of a file system block. */
typedef struct wo_jcopy {
  uint64_t fsblock;   /* the block it is a copy of */
  uint32_t jblock;    /* where it is, in journal blocks */
  uint32_t seq;       /* transaction (h_sequence of its descriptor) */
  int8_t csum_ok;     /* 1 matches its tag, 0 does not, -1 no checksum */
  uint8_t revoked;    /* a later revoke record names the block */
  uint8_t escaped;    /* its first word was the jbd2 magic */
} wo_jcopy;

typedef struct wo_jbd2 {
  wo_ext4 *e;
  uint32_t bsize, maxlen, first, start, sequence;
  uint32_t incompat;
  uint64_t *map;      /* journal block -> file system block */
  wo_jcopy *copies;
  size_t ncopies;
  /* commit times, by transaction */
  uint32_t *commit_seq;
  int64_t *commit_ns;
  size_t ncommits;
  /* revoke records: (block, transaction) */
  uint64_t *rev_blk;
  uint32_t *rev_seq;
  size_t nrev;
  uint32_t csum_seed;
  char err[160];
} wo_jbd2;

/* Reads the journal of e (its inode s_journal_inum) and lists every
 * metadata copy in it, oldest transaction first.  All descriptor blocks
 * found anywhere in the log count, also those of transactions already
 * checkpointed: those hold the oldest copies.  Returns WO_OK or an
 * error with j->err set. */
int wo_jbd2_scan(wo_jbd2 *j, wo_ext4 *e);
void wo_jbd2_free(wo_jbd2 *j);

/* Reads journal block jblock (j->bsize bytes), restoring the magic of
 * an escaped copy when escaped is set. */
int wo_jbd2_read(wo_jbd2 *j, uint32_t jblock, int escaped, void *buf);

/* The commit time of transaction seq in ns, or -1 if its commit block
 * was not found. */
int64_t wo_jbd2_commit_time(const wo_jbd2 *j, uint32_t seq);

#endif
