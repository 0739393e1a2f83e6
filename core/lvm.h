/* LVM2 physical volumes read without device-mapper: the label, the PV
 * header, the newest text metadata, and the byte ranges of logical
 * volumes, so each LV can be opened as an image. */
#ifndef WO_LVM_H
#define WO_LVM_H

#include <stddef.h>
#include <stdint.h>

#include "tsk.h"

typedef struct wo_lv {
  char name[128];
  uint64_t size;      /* bytes */
  int linear;         /* every segment is linear and on this PV */
  char why[96];       /* why not linear, when not */
  char type[32];      /* first segment's type ("striped", "thin-pool") */
  wo_seg *segs;       /* offsets in the image holding the PV */
  size_t nseg;
} wo_lv;

typedef struct wo_vg {
  char name[128];
  uint64_t seqno;
  uint64_t extent_bytes;
  wo_lv *lvs;
  size_t nlv;
} wo_vg;

/* Reads the PV at byte off of img and its VG's metadata (the committed
 * copy).  Returns WO_OK or an error with err (256 bytes) filled. */
int wo_lvm_read(wo_img *img, uint64_t off, wo_vg *vg, char *err);
void wo_vg_free(wo_vg *vg);

#endif
