/* XFS through libfsxfs, read from any wo_blk: a libbfio handle whose
 * callbacks read the block source, so a thin device (or an LVM volume
 * inside an image) never needs a file on the analyst's machine.
 *
 * Times, link counts and device numbers come from the inode itself:
 * this libfsxfs gives no nlink or rdev and misreads bigtime stamps
 * (mkfs.xfs's default since 5.15) as seconds and nanoseconds.
 *
 * Caveats: this libfsxfs gives no extended attributes; xattrs list
 * empty. */
#define LIBFSXFS_HAVE_BFIO 1
#include <libbfio.h>
#include <libfsxfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xfs.h"

/* The libbfio side: a block source and a file position. */
typedef struct bio {
  wo_blk *b;
  uint64_t pos;
} bio;


static int bio_free(intptr_t **h, libbfio_error_t **e)
{
  bio *x = (bio *)*h;
  if (x) {
    wo_blk_unref(x->b);
    free(x);
  }
  *h = NULL;
  return 1;
}


static int bio_clone(intptr_t **dst, intptr_t *src, libbfio_error_t **e)
{
  bio *x = calloc(1, sizeof *x);
  if (!x)
    return -1;
  x->b = wo_blk_ref(((bio *)src)->b);
  *dst = (intptr_t *)x;
  return 1;
}


static int bio_open(intptr_t *h, int flags, libbfio_error_t **e)
{
  return (flags & LIBBFIO_ACCESS_FLAG_WRITE) ? -1 : 1;
}


static int bio_close(intptr_t *h, libbfio_error_t **e)
{
  return 0;
}


static ssize_t bio_read(intptr_t *h, uint8_t *buf, size_t n,
                        libbfio_error_t **e)
{
  bio *x = (bio *)h;
  ssize_t r = wo_blk_pread(x->b, buf, n, x->pos);
  if (r > 0)
    x->pos += (uint64_t)r;
  return r < 0 ? -1 : r;
}


static ssize_t bio_write(intptr_t *h, const uint8_t *buf, size_t n,
                         libbfio_error_t **e)
{
  return -1;   /* evidence is read-only */
}


static off64_t bio_seek(intptr_t *h, off64_t off, int whence,
                        libbfio_error_t **e)
{
  bio *x = (bio *)h;
  int64_t base = whence == SEEK_CUR ? (int64_t)x->pos
               : whence == SEEK_END ? (int64_t)x->b->size : 0;
  if (off < 0 && -off > base)
    return -1;
  x->pos = (uint64_t)(base + off);
  return (off64_t)x->pos;
}


static int bio_exists(intptr_t *h, libbfio_error_t **e)
{
  return 1;
}


static int bio_is_open(intptr_t *h, libbfio_error_t **e)
{
  return 1;
}


static int bio_size(intptr_t *h, size64_t *size, libbfio_error_t **e)
{
  *size = ((bio *)h)->b->size;
  return 1;
}


/* A libbfio handle over b; it owns a reference on b. */
static libbfio_handle_t *bio_handle(wo_blk *b)
{
  libbfio_handle_t *h = NULL;
  bio *x = calloc(1, sizeof *x);
  if (!x)
    return NULL;
  x->b = wo_blk_ref(b);
  if (libbfio_handle_initialize(&h, (intptr_t *)x, bio_free, bio_clone,
                                bio_open, bio_close, bio_read, bio_write,
                                bio_seek, bio_exists, bio_is_open, bio_size,
                                LIBBFIO_FLAG_IO_HANDLE_MANAGED |
                                LIBBFIO_FLAG_IO_HANDLE_CLONE_BY_FUNCTION,
                                NULL) != 1) {
    wo_blk_unref(b);
    free(x);
    return NULL;
  }
  return h;
}


/* The wo_src side. */

typedef struct xfs_src {
  wo_src base;
  wo_blk *b;
  libbfio_handle_t *bio;
  libfsxfs_volume_t *vol;
  /* superblock fields that place an inode (xfs_dsb) */
  uint32_t blocksize, agblocks;
  uint16_t inodesize;
  uint8_t inopblog, agblklog;
  int bigtime;
} xfs_src;

typedef struct xfs_file {
  wo_file base;
  libfsxfs_file_entry_t *fe;
} xfs_file;


/* Copies libfsxfs's message (its last line) into err. */
static void lib_msg(libfsxfs_error_t *e, char *err, size_t n)
{
  char buf[1024], *last;
  if (!e) {
    snprintf(err, n, "libfsxfs failed");
    return;
  }
  libfsxfs_error_sprint(e, buf, sizeof buf);
  libfsxfs_error_free(&e);
  last = strrchr(buf, '\n');
  while (last && !last[1] && last > buf) {
    *last = '\0';
    last = strrchr(buf, '\n');
  }
  snprintf(err, n, "%.*s", (int)n - 1, last ? last + 1 : buf);
}


static int lib_fail(xfs_src *s, int code, libfsxfs_error_t *e,
                    const char *what, const char *path)
{
  char msg[200];
  lib_msg(e, msg, sizeof msg);
  return wo_src_fail(&s->base, code, "%s '/%s': %s", what, path, msg);
}


/* The file entry at canonical path (or the root for ""). */
static int entry(xfs_src *s, const char *path, libfsxfs_file_entry_t **fe)
{
  libfsxfs_error_t *e = NULL;
  char full[WO_PATH_MAX + 1];
  int r;
  *fe = NULL;
  snprintf(full, sizeof full, "/%s", path);
  if (!path[0])
    r = libfsxfs_volume_get_root_directory(s->vol, fe, &e);
  else
    r = libfsxfs_volume_get_file_entry_by_utf8_path(
      s->vol, (const uint8_t *)full, strlen(full), fe, &e);
  if (r == 1)
    return WO_OK;
  if (r == 0) {
    libfsxfs_error_free(&e);
    return wo_src_fail(&s->base, WO_ENOENT, "no such entry '/%s'", path);
  }
  return lib_fail(s, WO_ECORRUPT, e, "cannot look up", path);
}


static void fill_times(libfsxfs_file_entry_t *fe, wo_stat *st)
{
  int64_t t;
  if (libfsxfs_file_entry_get_access_time(fe, &t, NULL) == 1)
    st->atime = t;
  if (libfsxfs_file_entry_get_modification_time(fe, &t, NULL) == 1)
    st->mtime = t;
  if (libfsxfs_file_entry_get_inode_change_time(fe, &t, NULL) == 1)
    st->ctime = t;
  if (libfsxfs_file_entry_get_creation_time(fe, &t, NULL) == 1)
    st->btime = t;
}


static void fill_stat(libfsxfs_file_entry_t *fe, wo_stat *st)
{
  uint16_t mode = 0;
  uint32_t id = 0;
  uint64_t v = 0;
  libfsxfs_file_entry_get_file_mode(fe, &mode, NULL);
  st->mode = mode;
  st->type = wo_type_of_mode(mode);
  if (libfsxfs_file_entry_get_inode_number(fe, &v, NULL) == 1)
    st->ino = v;
  if (libfsxfs_file_entry_get_size(fe, &v, NULL) == 1)
    st->size = v;
  if (libfsxfs_file_entry_get_owner_identifier(fe, &id, NULL) == 1)
    st->uid = id;
  if (libfsxfs_file_entry_get_group_identifier(fe, &id, NULL) == 1)
    st->gid = id;
  st->nlink = 1;
  fill_times(fe, st);
}


static uint32_t be32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}


static uint64_t be64(const uint8_t *p)
{
  return (uint64_t)be32(p) << 32 | be32(p + 4);
}


/* An xfs_timestamp: with bigtime, nanoseconds since 1901-12-13 (the
 * epoch less 2^31 s); else be32 seconds and be32 nanoseconds. */
static int64_t xfs_time(const xfs_src *s, const uint8_t *p)
{
  if (s->bigtime)
    return (int64_t)(be64(p) - 2147483648ull * 1000000000ull);
  return (int64_t)(int32_t)be32(p) * 1000000000 + be32(p + 4);
}


/* The byte offset of inode ino: AG, block in the AG, slot in the
 * block, as sb_agblklog and sb_inopblog split the number. */
static uint64_t inode_off(const xfs_src *s, uint64_t ino)
{
  uint64_t agno = ino >> (s->agblklog + s->inopblog);
  uint64_t agbno = (ino >> s->inopblog) & ((1ull << s->agblklog) - 1);
  uint64_t idx = ino & ((1ull << s->inopblog) - 1);
  return (agno * s->agblocks + agbno) * s->blocksize + idx * s->inodesize;
}


/* Reads inode ino's core and the 4 bytes after it (xfs_dinode v3 is
 * 176 bytes) when it says it is inode ino; 0 otherwise. */
static int read_inode(xfs_src *s, uint64_t ino, uint8_t *buf)
{
  if (!s->blocksize || s->inodesize < 180 ||
      wo_blk_pread(s->b, buf, 180, inode_off(s, ino)) != 180 ||
      buf[0] != 'I' || buf[1] != 'N')
    return 0;
  return buf[4] < 3 || be64(buf + 152) == ino;
}


/* Times, link count and device numbers from the inode core. */
static void inode_details(xfs_src *s, wo_stat *st)
{
  uint8_t c[180];
  uint32_t dev;
  if (!read_inode(s, st->ino, c))
    return;
  st->size = be64(c + 56);
  st->nlink = c[4] == 1 ? (uint16_t)(c[6] << 8 | c[7]) : be32(c + 16);
  st->atime = xfs_time(s, c + 32);
  st->mtime = xfs_time(s, c + 40);
  st->ctime = xfs_time(s, c + 48);
  st->btime = c[4] >= 3 ? xfs_time(s, c + 144) : -1;
  if ((st->type == WO_T_CHR || st->type == WO_T_BLK) && c[4] >= 3) {
    /* the data fork holds an xfs_dev_t: 14-bit major, 18-bit minor */
    dev = be32(c + 176);
    st->rdev_major = dev >> 18;
    st->rdev_minor = dev & 0x3ffff;
  }
}


static int x_lstat(wo_src *b, const char *path, wo_stat *st)
{
  xfs_src *s = (xfs_src *)b;
  libfsxfs_file_entry_t *fe;
  int rc = entry(s, path, &fe);
  if (rc < 0)
    return rc;
  fill_stat(fe, st);
  libfsxfs_file_entry_free(&fe, NULL);
  inode_details(s, st);
  return WO_OK;
}


/* Passes one child (index i of dir) to fn; 1 when it was skipped. */
static int one_child(xfs_src *s, libfsxfs_file_entry_t *dir, int i,
                     wo_dirent_fn fn, void *arg)
{
  libfsxfs_file_entry_t *c = NULL;
  uint8_t name[1024];
  uint16_t mode = 0;
  uint64_t ino = 0;
  int rc;
  if (libfsxfs_file_entry_get_sub_file_entry_by_index(dir, i, &c, NULL) != 1)
    return wo_src_fail(&s->base, WO_ECORRUPT, "cannot read entry %d", i);
  if (libfsxfs_file_entry_get_utf8_name(c, name, sizeof name, NULL) != 1) {
    libfsxfs_file_entry_free(&c, NULL);
    return wo_src_fail(&s->base, WO_ECORRUPT, "entry %d has no name", i);
  }
  libfsxfs_file_entry_get_file_mode(c, &mode, NULL);
  libfsxfs_file_entry_get_inode_number(c, &ino, NULL);
  libfsxfs_file_entry_free(&c, NULL);
  rc = fn(arg, (const char *)name, wo_type_of_mode(mode), ino);
  return rc;
}


static int x_readdir(wo_src *b, const char *path, wo_dirent_fn fn,
                     void *arg)
{
  xfs_src *s = (xfs_src *)b;
  libfsxfs_file_entry_t *fe;
  libfsxfs_error_t *e = NULL;
  int n = 0, rc = entry(s, path, &fe);
  if (rc < 0)
    return rc;
  if (libfsxfs_file_entry_get_number_of_sub_file_entries(fe, &n, &e) != 1)
    rc = lib_fail(s, WO_ENOTDIR, e, "cannot list", path);
  for (int i = 0; rc == WO_OK && i < n; i++)
    rc = one_child(s, fe, i, fn, arg);
  libfsxfs_file_entry_free(&fe, NULL);
  return rc;
}


static int x_open(wo_src *b, const char *path, wo_file **f)
{
  xfs_src *s = (xfs_src *)b;
  xfs_file *xf;
  libfsxfs_file_entry_t *fe;
  int rc = entry(s, path, &fe);
  if (rc < 0)
    return rc;
  if (!(xf = calloc(1, sizeof *xf))) {
    libfsxfs_file_entry_free(&fe, NULL);
    return wo_src_fail(b, WO_ENOMEM, "out of memory");
  }
  xf->base.src = wo_src_ref(b);
  xf->fe = fe;
  *f = &xf->base;
  return WO_OK;
}


static ssize_t x_pread(wo_file *f, void *buf, size_t n, uint64_t off)
{
  xfs_file *xf = (xfs_file *)f;
  libfsxfs_error_t *e = NULL;
  ssize_t r = libfsxfs_file_entry_read_buffer_at_offset(
    xf->fe, buf, n, (off64_t)off, &e);
  if (r < 0) {
    char msg[200];
    lib_msg(e, msg, sizeof msg);
    return wo_src_fail(f->src, WO_EIO, "cannot read: %s", msg);
  }
  return r;
}


static void x_fclose(wo_file *f)
{
  xfs_file *xf = (xfs_file *)f;
  wo_src *s = f->src;
  libfsxfs_file_entry_free(&xf->fe, NULL);
  free(xf);
  wo_src_unref(s);
}


static ssize_t x_readlink(wo_src *b, const char *path, char *buf, size_t n)
{
  xfs_src *s = (xfs_src *)b;
  libfsxfs_file_entry_t *fe;
  size_t need = 0;
  int rc = entry(s, path, &fe);
  if (rc < 0)
    return rc;
  if (libfsxfs_file_entry_get_utf8_symbolic_link_target_size(
        fe, &need, NULL) != 1 || need == 0 || need > n ||
      libfsxfs_file_entry_get_utf8_symbolic_link_target(
        fe, (uint8_t *)buf, need, NULL) != 1)
    rc = wo_src_fail(b, need > n ? WO_ERANGE : WO_EINVAL,
                     "cannot read link '/%s'", path);
  libfsxfs_file_entry_free(&fe, NULL);
  return rc < 0 ? rc : (ssize_t)strnlen(buf, need);
}


static void x_destroy(wo_src *b)
{
  xfs_src *s = (xfs_src *)b;
  libfsxfs_volume_close(s->vol, NULL);
  libfsxfs_volume_free(&s->vol, NULL);
  libbfio_handle_free(&s->bio, NULL);
  wo_blk_unref(s->b);
  free(s);
}


static const wo_src_ops xfs_ops = {
  "xfs", x_lstat, x_readdir, x_open, x_pread, x_fclose, x_readlink,
  NULL, NULL, x_destroy
};


int wo_xfs_probe(wo_blk *b)
{
  char magic[4];
  return wo_blk_pread(b, magic, 4, 0) == 4 && !memcmp(magic, "XFSB", 4);
}


/* The superblock fields read_inode needs (xfs_dsb, big-endian). */
static void read_geometry(xfs_src *s)
{
  uint8_t sb[224];
  if (wo_blk_pread(s->b, sb, sizeof sb, 0) != (ssize_t)sizeof sb)
    return;
  s->blocksize = be32(sb + 4);
  s->agblocks = be32(sb + 84);
  s->inodesize = (uint16_t)(sb[104] << 8 | sb[105]);
  s->inopblog = sb[123];
  s->agblklog = sb[124];
  /* sb_features_incompat bit 3 is XFS_SB_FEAT_INCOMPAT_BIGTIME (v5) */
  s->bigtime = (sb[101] & 0xf) == 5 && (be32(sb + 216) & 8);
  if (s->agblklog > 32 || s->inopblog > 8 || s->blocksize > 65536)
    s->blocksize = 0;   /* nonsense: keep libfsxfs's values */
}


static int open_volume(xfs_src *s, char *err)
{
  libfsxfs_error_t *e = NULL;
  if (!(s->bio = bio_handle(s->b))) {
    snprintf(err, 256, "cannot make an io handle");
    return WO_ENOMEM;
  }
  if (libfsxfs_volume_initialize(&s->vol, &e) != 1 ||
      libfsxfs_volume_open_file_io_handle(s->vol, s->bio,
                                          LIBFSXFS_OPEN_READ, &e) != 1) {
    lib_msg(e, err, 256);
    return WO_ECORRUPT;
  }
  return WO_OK;
}


wo_src *wo_xfs_open(wo_blk *b, char *err, int *code)
{
  xfs_src *s;
  int rc = WO_ENOMEM;
  if (!wo_xfs_probe(b)) {
    snprintf(err, 256, "no XFS superblock");
    if (code)
      *code = WO_EUNSUP;
    return NULL;
  }
  if ((s = calloc(1, sizeof *s))) {
    s->b = wo_blk_ref(b);
    read_geometry(s);
    rc = open_volume(s, err);
  }
  if (rc == WO_OK) {
    s->base.ops = &xfs_ops;
    s->base.refs = 1;
    return &s->base;
  }
  if (s) {
    if (s->vol)
      libfsxfs_volume_free(&s->vol, NULL);
    libbfio_handle_free(&s->bio, NULL);
    wo_blk_unref(s->b);
    free(s);
  } else {
    snprintf(err, 256, "out of memory");
  }
  if (code)
    *code = rc;
  return NULL;
}
