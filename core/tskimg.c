/* Images through libtsk: opening (raw, split, E01, VMDK, VHD), views of
 * byte ranges (LVM volumes) as external libtsk images, partitions, and
 * naming what lies at an offset by its magic. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tsk/libtsk.h>

#include "blk.h"
#include "tsk.h"

struct wo_img {
  int refs;
  TSK_IMG_INFO *tsk;
  const char *type;
  /* a segmented image: ranges of under */
  wo_img *under;
  wo_seg *segs;
  size_t nseg;
  /* an image over a block source (a thin device) */
  wo_blk *blk;
};

/* What libtsk gets for an external image: its struct must come first. */
typedef struct seg_info {
  TSK_IMG_INFO info;
  wo_img *img;
} seg_info;

/* The most ranges one segmented image may have (LVM segments). */
#define SEG_MAX 65536


static void tsk_message(char *err, const char *what)
{
  const char *m = tsk_error_get();
  snprintf(err, 256, "%s: %s", what, m && *m ? m : "unknown error");
  tsk_error_reset();
}


static const char *type_name(TSK_IMG_TYPE_ENUM t)
{
  if (t & TSK_IMG_TYPE_RAW)
    return "raw";
  if (t & TSK_IMG_TYPE_EWF_EWF)
    return "ewf";
  if (t & TSK_IMG_TYPE_VMDK_VMDK)
    return "vmdk";
  if (t & TSK_IMG_TYPE_VHD_VHD)
    return "vhd";
  if (t & TSK_IMG_TYPE_EXTERNAL)
    return "segments";
  return "other";
}


wo_img *wo_img_open(const char *const *paths, int n, char *err)
{
  TSK_IMG_INFO *t;
  wo_img *img;
  if (n < 1) {
    snprintf(err, 256, "no image file given");
    return NULL;
  }
  t = tsk_img_open_utf8(n, paths, TSK_IMG_TYPE_DETECT, 0);
  if (!t) {
    tsk_message(err, "cannot open image");
    return NULL;
  }
  if (!(img = calloc(1, sizeof *img))) {
    tsk_img_close(t);
    snprintf(err, 256, "out of memory");
    return NULL;
  }
  img->refs = 1;
  img->tsk = t;
  img->type = type_name(t->itype);
  return img;
}


/* Finds the range holding off (binary search over sorted ranges). */
static const wo_seg *seg_find(const wo_img *img, uint64_t off)
{
  size_t lo = 0, hi = img->nseg;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const wo_seg *s = &img->segs[mid];
    if (off < s->off)
      hi = mid;
    else if (off >= s->off + s->len)
      lo = mid + 1;
    else
      return s;
  }
  return NULL;
}


/* libtsk's read callback for a segmented image.  Unmapped ranges read
 * as zeros, as an unmapped device region would. */
static ssize_t seg_read(TSK_IMG_INFO *info, TSK_OFF_T off, char *buf,
                        size_t len)
{
  wo_img *img = ((seg_info *)info)->img;
  size_t done = 0;
  while (done < len && (uint64_t)off + done < wo_img_size(img)) {
    uint64_t at = (uint64_t)off + done;
    const wo_seg *s = seg_find(img, at);
    size_t chunk = len - done;
    ssize_t r;
    if (!s) {
      memset(buf + done, 0, 512 < chunk ? 512 : chunk);
      done += 512 < chunk ? 512 : chunk;
      continue;
    }
    if (chunk > s->off + s->len - at)
      chunk = (size_t)(s->off + s->len - at);
    r = wo_img_read(img->under, s->under_off + (at - s->off),
                    buf + done, chunk);
    if (r <= 0)
      return done ? (ssize_t)done : -1;
    done += (size_t)r;
  }
  return (ssize_t)done;
}


static void seg_close(TSK_IMG_INFO *info)
{
  free(info);
}


static void seg_stat(TSK_IMG_INFO *info, FILE *f)
{
  (void)info;
  (void)f;
}


/* Checks that ranges are sorted, disjoint, inside size and inside the
 * image below. */
static int segs_ok(wo_img *under, const wo_seg *s, size_t n, uint64_t size)
{
  size_t i;
  if (n == 0 || n > SEG_MAX)
    return 0;
  for (i = 0; i < n; i++) {
    if (s[i].len == 0 || s[i].off + s[i].len < s[i].off ||
        s[i].off + s[i].len > size ||
        s[i].under_off + s[i].len < s[i].under_off ||
        s[i].under_off + s[i].len > wo_img_size(under))
      return 0;
    if (i && s[i].off < s[i - 1].off + s[i - 1].len)
      return 0;
  }
  return 1;
}


static wo_img *seg_fail(wo_img *img, seg_info *si, char *err,
                        const char *msg)
{
  if (img) {
    free(img->segs);
    free(img);
  }
  free(si);
  snprintf(err, 256, "%s", msg);
  return NULL;
}


wo_img *wo_img_segments(wo_img *under, const wo_seg *segs, size_t n,
                        uint64_t size, char *err)
{
  wo_img *img = calloc(1, sizeof *img);
  seg_info *si = calloc(1, sizeof *si);
  if (!img || !si)
    return seg_fail(img, si, err, "out of memory");
  if (!segs_ok(under, segs, n, size))
    return seg_fail(img, si, err, "volume ranges lie outside the image "
                    "or overlap");
  if (!(img->segs = malloc(n * sizeof *segs)))
    return seg_fail(img, si, err, "out of memory");
  memcpy(img->segs, segs, n * sizeof *segs);
  img->nseg = n;
  img->refs = 1;
  img->type = "segments";
  si->img = img;
  si->info.tag = TSK_IMG_INFO_TAG;
  img->tsk = tsk_img_open_external(si, (TSK_OFF_T)size, 512, seg_read,
                                   seg_close, seg_stat);
  if (!img->tsk) {
    tsk_error_reset();
    return seg_fail(img, si, err, "libtsk refused the volume");
  }
  img->under = wo_img_ref(under);
  return img;
}


/* A block source as an external libtsk image. */
typedef struct blk_info {
  TSK_IMG_INFO info;
  wo_blk *b;
} blk_info;


static ssize_t blk_read(TSK_IMG_INFO *info, TSK_OFF_T off, char *buf,
                        size_t len)
{
  ssize_t r;
  if (off < 0)
    return -1;
  r = wo_blk_pread(((blk_info *)info)->b, buf, len, (uint64_t)off);
  return r < 0 ? -1 : r;
}


wo_img *wo_img_blk(wo_blk *b, char *err)
{
  wo_img *img = calloc(1, sizeof *img);
  blk_info *bi = calloc(1, sizeof *bi);
  if (!img || !bi) {
    free(img);
    free(bi);
    snprintf(err, 256, "out of memory");
    return NULL;
  }
  bi->b = b;
  bi->info.tag = TSK_IMG_INFO_TAG;
  img->tsk = tsk_img_open_external(bi, (TSK_OFF_T)b->size, 512, blk_read,
                                   seg_close, seg_stat);
  if (!img->tsk) {
    tsk_message(err, "libtsk refused the block source");
    free(img);
    free(bi);
    return NULL;
  }
  img->refs = 1;
  img->type = "blocks";
  img->blk = wo_blk_ref(b);
  return img;
}


wo_img *wo_img_ref(wo_img *img)
{
  if (img)
    img->refs++;
  return img;
}


void wo_img_unref(wo_img *img)
{
  if (!img || --img->refs > 0)
    return;
  tsk_img_close(img->tsk);
  wo_blk_unref(img->blk);
  wo_img_unref(img->under);
  free(img->segs);
  free(img);
}


uint64_t wo_img_size(const wo_img *img)
{
  return (uint64_t)img->tsk->size;
}


const char *wo_img_type(const wo_img *img)
{
  return img->type;
}


TSK_IMG_INFO *wo_img_tsk(wo_img *img)
{
  return img->tsk;
}


ssize_t wo_img_read(wo_img *img, uint64_t off, void *buf, size_t n)
{
  ssize_t r;
  if (off >= wo_img_size(img))
    return 0;
  if (n > wo_img_size(img) - off)
    n = (size_t)(wo_img_size(img) - off);
  r = tsk_img_read(img->tsk, (TSK_OFF_T)off, buf, n);
  if (r < 0)
    tsk_error_reset();
  return r;
}


static const char *scheme_name(TSK_VS_TYPE_ENUM t)
{
  switch (t) {
  case TSK_VS_TYPE_DOS: return "dos";
  case TSK_VS_TYPE_GPT: return "gpt";
  case TSK_VS_TYPE_MAC: return "mac";
  case TSK_VS_TYPE_BSD: return "bsd";
  case TSK_VS_TYPE_SUN: return "sun";
  default: return "other";
  }
}


int wo_img_volumes(wo_img *img, wo_vol_fn fn, void *arg, char *err)
{
  TSK_VS_INFO *vs = tsk_vs_open(img->tsk, 0, TSK_VS_TYPE_DETECT);
  TSK_PNUM_T i;
  int count = 0, rc = 0;
  if (!vs) {
    tsk_error_reset();
    return 0;
  }
  for (i = 0; i < vs->part_count && rc == 0; i++) {
    const TSK_VS_PART_INFO *p = tsk_vs_part_get(vs, i);
    wo_vol v;
    if (!p || !(p->flags & TSK_VS_PART_FLAG_ALLOC))
      continue;
    memset(&v, 0, sizeof v);
    v.addr = (unsigned)p->addr;
    v.index = (unsigned)++count;
    v.start = (uint64_t)p->start * vs->block_size;
    v.len = (uint64_t)p->len * vs->block_size;
    v.scheme = scheme_name(vs->vstype);
    snprintf(v.desc, sizeof v.desc, "%s", p->desc ? p->desc : "");
    rc = fn(arg, &v);
  }
  tsk_vs_close(vs);
  (void)err;
  return rc < 0 ? rc : count;
}


/* Magic numbers of what we name (offsets inside the volume). */
static const struct magic {
  uint64_t off;
  const char *bytes;
  size_t len;
  const char *name;
} magics[] = {
  { 0, "XFSB", 4, "xfs" },
  { 0x10040, "_BHRfS_M", 8, "btrfs" },
  { 0x438, "\x53\xef", 2, "ext4" },
  { 3, "NTFS    ", 8, "ntfs" },
  { 0x52, "FAT32   ", 8, "fat" },
  { 0x36, "FAT1", 4, "fat" },
  { 3, "EXFAT   ", 8, "exfat" },
  { 0x8001, "CD001", 5, "iso9660" },
  { 0xff6, "SWAPSPACE2", 10, "swap" },
  { 0, NULL, 0, NULL },
};


static int sniff_lvm(wo_img *img, uint64_t off)
{
  char sec[512];
  int i;
  for (i = 0; i < 4; i++)
    if (wo_img_read(img, off + (uint64_t)i * 512, sec, 512) == 512 &&
        memcmp(sec, "LABELONE", 8) == 0 && memcmp(sec + 24, "LVM2", 4) == 0)
      return 1;
  return 0;
}


const char *wo_img_sniff(wo_img *img, uint64_t off)
{
  const struct magic *m;
  char buf[16];
  if (sniff_lvm(img, off))
    return "lvm2";
  for (m = magics; m->name; m++) {
    if (wo_img_read(img, off + m->off, buf, m->len) == (ssize_t)m->len &&
        memcmp(buf, m->bytes, m->len) == 0)
      return m->name;
  }
  return NULL;
}
