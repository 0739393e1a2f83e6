/* Overlay layers: what each directory entry of a layer means (entry,
 * whiteout, opaque marker, bookkeeping) and a read-only union of layers. */
#ifndef WO_OVERLAY_H
#define WO_OVERLAY_H

#include "ev.h"

/* Which spellings of "deleted" and "opaque" a layer uses (a mask). */
enum {
  WO_OV_CHARDEV = 0x01,  /* whiteout: character device 0/0 */
  WO_OV_TRUSTED = 0x02,  /* trusted.overlay.* xattrs */
  WO_OV_USER = 0x04,     /* user.overlay.* xattrs (rootless, userxattr) */
  WO_OV_FUSE = 0x08,     /* user.fuseoverlayfs.* xattrs */
  WO_OV_WHFILE = 0x10,   /* .wh.<name> files, .wh..wh..opq, aufs' .wh..wh.* */
  WO_OV_KERNEL = WO_OV_CHARDEV | WO_OV_TRUSTED | WO_OV_USER,
  WO_OV_FUSEOVL = WO_OV_KERNEL | WO_OV_FUSE | WO_OV_WHFILE,
  WO_OV_AUFS = WO_OV_WHFILE,
  WO_OV_ALL = 0x1f
};

/* The class of one directory entry of a layer. */
enum {
  WO_OVC_ENTRY,       /* a file of the container */
  WO_OVC_WHITEOUT,    /* hides `target` in the layers below */
  WO_OVC_OPQ_MARKER,  /* .wh..wh..opq: makes its directory opaque */
  WO_OVC_BOOKKEEPING  /* aufs' own .wh..wh.plnk, .wh..wh.orph, ... */
};

/* Flags from the overlay xattrs of an entry (either namespace). */
enum {
  WO_OVF_OPAQUE = 0x01,     /* opaque = y: hides everything below */
  WO_OVF_XWHITEOUTS = 0x02, /* opaque = x (or whiteouts): holds xattr
                             * whiteouts */
  WO_OVF_REDIRECT = 0x04,   /* a renamed directory or a metacopy's data */
  WO_OVF_METACOPY = 0x08,   /* metadata only: data lives below */
  WO_OVF_ORIGIN = 0x10,     /* copied up from a lower inode */
  WO_OVF_IMPURE = 0x20,     /* holds copied-up or moved entries */
  WO_OVF_XWHITEOUT = 0x40,  /* carries overlay.whiteout */
  WO_OVF_OPQ_FILE = 0x80    /* holds a .wh..wh..opq file */
};

/* How an entry was spelled, for reports. */
enum {
  WO_OVE_NONE, WO_OVE_CHARDEV, WO_OVE_XATTR, WO_OVE_WHFILE,
  WO_OVE_OPQ_XATTR, WO_OVE_OPQ_FILE
};

typedef struct wo_ov_entry {
  int cls;            /* WO_OVC_* */
  int type;           /* WO_T_* of the entry itself */
  unsigned flags;     /* WO_OVF_*: for directories and files, from xattrs */
  int encoding;       /* WO_OVE_*: how a whiteout or opaque was spelled */
  const char *ns;     /* xattr namespace that said it ("trusted.overlay."),
                       * or NULL */
  char target[256];   /* for a whiteout: the name it hides */
  char redirect[WO_PATH_MAX]; /* the redirect xattr's value, if any */
} wo_ov_entry;

/* True for the overlay-private xattr names a union hides. */
int wo_ov_private_xattr(const char *name);

/* Reads the overlay xattrs of the canonical path in layer: sets flags
 * (WO_OVF_*), the namespace that said the first of them, and redirect
 * (WO_PATH_MAX bytes, may be NULL).  Missing xattrs are not an error. */
int wo_ov_xattr_flags(wo_src *layer, const char *path, unsigned mask,
                      unsigned *flags, const char **ns, char *redirect);

/* Classifies the entry name (of type dtype, WO_T_UNKNOWN to stat) in the
 * directory dir of layer.  dirflags are the directory's WO_OVF_* (for
 * the xattr whiteout rule: a zero-size file with overlay.whiteout is a
 * whiteout only in a directory flagged XWHITEOUTS).  With full, reads
 * every entry's xattrs (flags, redirect); without, only what the class
 * needs.  Returns WO_OK or an error. */
int wo_ov_classify(wo_src *layer, const char *dir, const char *name,
                   int dtype, unsigned dirflags, unsigned mask, int full,
                   wo_ov_entry *out);

/* Name-only part of the rules: returns WO_OVC_* for name under mask and
 * writes a whiteout's target; WO_OVC_ENTRY when the name says nothing. */
int wo_ov_name_class(const char *name, unsigned mask, char *target);

/* A read-only union of layers (top first), as the kernel's overlay shows
 * it.  Takes a reference to each layer.  n may be 0 (an empty root).
 * Returns NULL on failure with err (256 bytes) filled. */
wo_src *wo_union_open(wo_src **layers, int n, unsigned mask, char *err);

/* For a union: the index (0 = top) of the layer that supplies the
 * canonical path, or a negative error. */
int wo_union_layer_of(wo_src *u, const char *path);

/* For a union: the layer index supplying the canonical path (or a
 * negative error) and the path in that layer (local, WO_PATH_MAX
 * bytes), which differs under a renamed directory. */
int wo_union_locate(wo_src *u, const char *path, char *local);

/* True when s is a union made by wo_union_open. */
int wo_is_union(wo_src *s);

/* A merged directory entry, as wo_union_readdir_ex reports it. */
typedef int (*wo_union_fn)(void *arg, const char *name, int type,
                           uint64_t ino, int layer);

/* readdir of a union, in name order, with each entry's layer index. */
int wo_union_readdir_ex(wo_src *u, const char *path, wo_union_fn fn,
                        void *arg);

/* Drops the union's cached directory merges (memory). */
void wo_union_flush(wo_src *u);

#endif
