/* What a layer's directory entry means to an overlay: a file of the
 * container, a whiteout, an opaque marker or aufs bookkeeping.  The rules
 * are the kernel's overlayfs document's, fuse-overlayfs' and aufs'. */
#include <stdio.h>
#include <string.h>

#include "overlay.h"

#define WH ".wh."
#define WH_LEN 4
#define WH_META ".wh..wh."
#define XATTR_LIST_MAX 16384

/* The xattr namespaces and the mask bit that honours each. */
static const struct {
  const char *prefix;
  unsigned bit;
} namespaces[] = {
  {"trusted.overlay.", WO_OV_TRUSTED},
  {"user.overlay.", WO_OV_USER},
  {"user.fuseoverlayfs.", WO_OV_FUSE},
};
#define N_NS (sizeof namespaces / sizeof *namespaces)


int wo_ov_private_xattr(const char *name)
{
  for (size_t i = 0; i < N_NS; i++)
    if (strncmp(name, namespaces[i].prefix,
                strlen(namespaces[i].prefix)) == 0)
      return 1;
  return 0;
}


int wo_ov_name_class(const char *name, unsigned mask, char *target)
{
  if (!(mask & WO_OV_WHFILE) || strncmp(name, WH, WH_LEN) != 0)
    return WO_OVC_ENTRY;
  if (strcmp(name, WH_META ".opq") == 0)
    return WO_OVC_OPQ_MARKER;
  /* .wh..wh.plnk, .wh..wh.orph, .wh..wh.aufs and any other .wh..wh. */
  if (strncmp(name, WH_META, strlen(WH_META)) == 0 || !name[WH_LEN])
    return WO_OVC_BOOKKEEPING;
  if (target)
    snprintf(target, 256, "%s", name + WH_LEN);
  return WO_OVC_WHITEOUT;
}


/* Reads one overlay xattr's value (small); "" when unreadable. */
static void small_value(wo_src *l, const char *path, const char *name,
                        char *val, size_t n)
{
  ssize_t r = wo_getxattr(l, path, name, val, n - 1);
  val[r > 0 ? r : 0] = '\0';
}


/* Applies one overlay xattr (suffix after the namespace) to flags. */
static void apply_xattr(wo_src *l, const char *path, const char *full,
                        const char *suffix, unsigned *flags, char *redirect)
{
  char val[8];
  if (strcmp(suffix, "opaque") == 0) {
    small_value(l, path, full, val, sizeof val);
    if (val[0] == 'y')
      *flags |= WO_OVF_OPAQUE;
    else if (val[0] == 'x')
      *flags |= WO_OVF_XWHITEOUTS;
  } else if (strcmp(suffix, "whiteouts") == 0) {
    *flags |= WO_OVF_XWHITEOUTS;   /* the 6.7 spelling of opaque=x */
  } else if (strcmp(suffix, "whiteout") == 0) {
    *flags |= WO_OVF_XWHITEOUT;
  } else if (strcmp(suffix, "redirect") == 0) {
    *flags |= WO_OVF_REDIRECT;
    if (redirect)
      small_value(l, path, full, redirect, WO_PATH_MAX);
  } else if (strcmp(suffix, "metacopy") == 0) {
    *flags |= WO_OVF_METACOPY;
  } else if (strcmp(suffix, "origin") == 0) {
    *flags |= WO_OVF_ORIGIN;
  } else if (strcmp(suffix, "impure") == 0) {
    *flags |= WO_OVF_IMPURE;
  }
}


int wo_ov_xattr_flags(wo_src *layer, const char *path, unsigned mask,
                      unsigned *flags, const char **ns, char *redirect)
{
  char names[XATTR_LIST_MAX];
  ssize_t n = wo_listxattr(layer, path, names, sizeof names);
  *flags = 0;
  if (ns)
    *ns = NULL;
  if (redirect)
    redirect[0] = '\0';
  if (n == WO_ENODATA || n == WO_EACCES)
    return WO_OK;
  if (n < 0)
    return (int)n;
  for (const char *p = names; p < names + n; p += strlen(p) + 1) {
    for (size_t i = 0; i < N_NS; i++) {
      size_t len = strlen(namespaces[i].prefix);
      unsigned before = *flags;
      if (!(mask & namespaces[i].bit) ||
          strncmp(p, namespaces[i].prefix, len) != 0)
        continue;
      apply_xattr(layer, path, p, p + len, flags, redirect);
      if (ns && !*ns && *flags != before)
        *ns = namespaces[i].prefix;
    }
  }
  return WO_OK;
}


/* Joins dir and name into out (WO_PATH_MAX). */
static int join(const char *dir, const char *name, char *out)
{
  int n = snprintf(out, WO_PATH_MAX, "%s%s%s", dir, dir[0] ? "/" : "",
                   name);
  return n < 0 || n >= WO_PATH_MAX ? WO_ERANGE : WO_OK;
}


/* A character device 0/0 is a whiteout. */
static int classify_chardev(wo_ov_entry *out, const wo_stat *st,
                            const char *name)
{
  if (st->rdev_major == 0 && st->rdev_minor == 0) {
    out->cls = WO_OVC_WHITEOUT;
    out->encoding = WO_OVE_CHARDEV;
    snprintf(out->target, sizeof out->target, "%s", name);
  }
  return WO_OK;
}


/* The xattr whiteout rule (overlayfs.rst, "whiteouts and opaque
 * directories"): a zero-size regular file with overlay.whiteout, in a
 * directory whose overlay.opaque is "x". */
static int classify_xattrs(wo_src *l, const char *path, const char *name,
                           const wo_stat *st, unsigned dirflags,
                           unsigned mask, wo_ov_entry *out)
{
  int rc = wo_ov_xattr_flags(l, path, mask, &out->flags, &out->ns,
                             out->redirect);
  if (rc < 0)
    return rc;
  if (out->type == WO_T_DIR && (out->flags & WO_OVF_OPAQUE))
    out->encoding = WO_OVE_OPQ_XATTR;
  if (out->type == WO_T_REG && st->size == 0 &&
      (out->flags & WO_OVF_XWHITEOUT) && (dirflags & WO_OVF_XWHITEOUTS)) {
    out->cls = WO_OVC_WHITEOUT;
    out->encoding = WO_OVE_XATTR;
    snprintf(out->target, sizeof out->target, "%s", name);
  }
  return WO_OK;
}


/* Whether a directory holds a .wh..wh..opq marker file. */
static int has_opq_file(wo_src *l, const char *path)
{
  char p[WO_PATH_MAX];
  wo_stat st;
  if (join(path, WH_META ".opq", p) < 0)
    return 0;
  return wo_lstat(l, p, &st) == WO_OK;
}


int wo_ov_classify(wo_src *layer, const char *dir, const char *name,
                   int dtype, unsigned dirflags, unsigned mask, int full,
                   wo_ov_entry *out)
{
  char path[WO_PATH_MAX];
  wo_stat st;
  int rc;
  memset(out, 0, sizeof *out);
  out->type = dtype;
  if ((out->cls = wo_ov_name_class(name, mask, out->target)) !=
      WO_OVC_ENTRY) {
    out->encoding = out->cls == WO_OVC_WHITEOUT ? WO_OVE_WHFILE :
                    out->cls == WO_OVC_OPQ_MARKER ? WO_OVE_OPQ_FILE : 0;
    return WO_OK;
  }
  if ((rc = join(dir, name, path)) < 0)
    return rc;
  /* a stat only where the class depends on it */
  int need_xattr = full || (dtype == WO_T_REG &&
                            (dirflags & WO_OVF_XWHITEOUTS));
  if (dtype == WO_T_UNKNOWN || dtype == WO_T_CHR || need_xattr) {
    if ((rc = wo_lstat(layer, path, &st)) < 0)
      return rc;
    out->type = st.type;
  }
  if (out->type == WO_T_CHR && (mask & WO_OV_CHARDEV))
    return classify_chardev(out, &st, name);
  need_xattr = need_xattr || (out->type == WO_T_REG &&
                              (dirflags & WO_OVF_XWHITEOUTS));
  if (need_xattr && (rc = classify_xattrs(layer, path, name, &st,
                                          dirflags, mask, out)) < 0)
    return rc;
  if (full && out->type == WO_T_DIR && (mask & WO_OV_WHFILE) &&
      has_opq_file(layer, path)) {
    out->flags |= WO_OVF_OPQ_FILE | WO_OVF_OPAQUE;
    if (!out->encoding)
      out->encoding = WO_OVE_OPQ_FILE;
  }
  return WO_OK;
}
