/* Unit tests of core/overlay.c and core/union.c on the layers that
 * tests/fixtures/make-overlay builds: every whiteout and opaque spelling,
 * the union's merge, reads, xattrs and symlinks that try to leave. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/overlay.h"

static int failed;
static int is_root;

#define CHECK(name, cond) do { \
    if (cond) printf("ok %s\n", name); \
    else { printf("not ok %s: %s (line %d)\n", name, #cond, __LINE__); \
           failed++; } } while (0)

static char fx[1024];
static wo_src *lay[3];   /* top, middle, base */


static wo_src *open_layer(const char *seed)
{
  char cmd[2048], id[80] = "", path[2048], err[256];
  FILE *p;
  snprintf(cmd, sizeof cmd, "printf %%s %s | sha256sum | cut -c1-64", seed);
  if (!(p = popen(cmd, "r")) || !fgets(id, sizeof id, p))
    return NULL;
  pclose(p);
  id[strcspn(id, "\n")] = '\0';
  snprintf(path, sizeof path, "%s/docker/overlay2/%s/diff", fx, id);
  return wo_dir_open(path, err);
}


static int cls_of(wo_src *l, const char *dir, const char *name,
                  unsigned mask, wo_ov_entry *e)
{
  unsigned df = 0;
  wo_ov_xattr_flags(l, dir, mask, &df, NULL, NULL);
  if (wo_ov_classify(l, dir, name, WO_T_UNKNOWN, df, mask, 1, e) < 0)
    return -1;
  return e->cls;
}


static void test_names(void)
{
  char t[256];
  CHECK("name: .wh.x is a whiteout of x",
        wo_ov_name_class(".wh.x", WO_OV_AUFS, t) == WO_OVC_WHITEOUT &&
        !strcmp(t, "x"));
  CHECK("name: .wh. ignored by the kernel's rules",
        wo_ov_name_class(".wh.x", WO_OV_KERNEL, t) == WO_OVC_ENTRY);
  CHECK("name: opq marker", wo_ov_name_class(".wh..wh..opq", WO_OV_ALL, t)
        == WO_OVC_OPQ_MARKER);
  CHECK("name: plnk is bookkeeping", wo_ov_name_class(".wh..wh.plnk",
        WO_OV_AUFS, t) == WO_OVC_BOOKKEEPING);
  CHECK("name: orph is bookkeeping", wo_ov_name_class(".wh..wh.orph",
        WO_OV_AUFS, t) == WO_OVC_BOOKKEEPING);
  CHECK("name: aufs is bookkeeping", wo_ov_name_class(".wh..wh.aufs",
        WO_OV_AUFS, t) == WO_OVC_BOOKKEEPING);
  CHECK("private xattrs", wo_ov_private_xattr("trusted.overlay.opaque") &&
        wo_ov_private_xattr("user.overlay.redirect") &&
        wo_ov_private_xattr("user.fuseoverlayfs.opaque") &&
        !wo_ov_private_xattr("user.mime_type"));
}


static void test_classify(void)
{
  wo_ov_entry e;
  wo_src *m = lay[1];
  CHECK("classify: user xattr whiteout under opaque=x",
        cls_of(m, "xwu", "gone", WO_OV_KERNEL, &e) == WO_OVC_WHITEOUT &&
        e.encoding == WO_OVE_XATTR && !strcmp(e.ns, "user.overlay."));
  CHECK("classify: user xattr whiteout ignored without user namespace",
        cls_of(m, "xwu", "gone", WO_OV_CHARDEV | WO_OV_TRUSTED, &e) ==
        WO_OVC_ENTRY);
  CHECK("classify: zero file with whiteout xattr, unmarked folder",
        cls_of(m, "xnomark", "zero", WO_OV_KERNEL, &e) == WO_OVC_ENTRY &&
        e.type == WO_T_REG);
  CHECK("classify: opaque=y in user namespace",
        cls_of(m, "opq", "u", WO_OV_KERNEL, &e) == WO_OVC_ENTRY &&
        (e.flags & WO_OVF_OPAQUE) && e.encoding == WO_OVE_OPQ_XATTR);
  CHECK("classify: fuse-overlayfs opaque only with its names",
        cls_of(m, "opq", "fu", WO_OV_KERNEL, &e) == 0 &&
        !(e.flags & WO_OVF_OPAQUE) &&
        cls_of(m, "opq", "fu", WO_OV_FUSEOVL, &e) == 0 &&
        (e.flags & WO_OVF_OPAQUE));
  CHECK("classify: .wh..wh..opq makes its folder opaque",
        cls_of(m, "opq", "f", WO_OV_AUFS, &e) == 0 &&
        (e.flags & WO_OVF_OPAQUE) && e.encoding == WO_OVE_OPQ_FILE);
  CHECK("classify: metacopy", cls_of(m, "meta", "m", WO_OV_KERNEL, &e) == 0
        && (e.flags & WO_OVF_METACOPY));
  CHECK("classify: redirect", cls_of(lay[0], "", "ren", WO_OV_KERNEL, &e)
        == 0 && (e.flags & WO_OVF_REDIRECT) && !strcmp(e.redirect, "/ren0"));
  if (!is_root) {
    printf("skip classify trusted and devices: not root\n");
    return;
  }
  CHECK("classify: 0/0 device", cls_of(m, "del", "cd", WO_OV_KERNEL, &e) ==
        WO_OVC_WHITEOUT && e.encoding == WO_OVE_CHARDEV);
  CHECK("classify: trusted xattr whiteout",
        cls_of(m, "xwt", "gone", WO_OV_KERNEL, &e) == WO_OVC_WHITEOUT &&
        !strcmp(e.ns, "trusted.overlay."));
  CHECK("classify: opaque=y trusted", cls_of(m, "opq", "t", WO_OV_KERNEL,
        &e) == 0 && (e.flags & WO_OVF_OPAQUE));
}


/* Collects a merged directory's names, joined by spaces. */
static int cat_name(void *arg, const char *name, int type, uint64_t ino)
{
  char *out = arg;
  (void)type;
  (void)ino;
  if (strlen(out) + strlen(name) + 2 < 1024) {
    if (out[0])
      strcat(out, " ");
    strcat(out, name);
  }
  return 0;
}


static const char *names(wo_src *u, const char *dir)
{
  static char buf[1024];
  buf[0] = '\0';
  if (wo_readdir(u, dir, cat_name, buf) < 0)
    snprintf(buf, sizeof buf, "error: %s", u->err);
  return buf;
}


static void test_union_kernel(wo_src *u)
{
  char buf[64], canon[WO_PATH_MAX];
  wo_file *f;
  wo_stat st;
  ssize_t n;
  CHECK("union: opaque user dir shows only its own",
        !strcmp(names(u, "opq/u"), "new"));
  CHECK("union: .wh..wh..opq is a plain file to the kernel",
        !strcmp(names(u, "opq/f"), ".wh..wh..opq new old1 old2"));
  CHECK("union: user xattr whiteout hides", !strcmp(names(u, "xwu"),
        "stays"));
  CHECK("union: unmarked zero file stays", !strcmp(names(u, "xnomark"),
        "zero"));
  if (is_root) {
    CHECK("union: trusted opaque", !strcmp(names(u, "opq/t"), "new"));
    CHECK("union: trusted xattr whiteout", !strcmp(names(u, "xwt"), ""));
    CHECK("union: 0/0 device hides", !strcmp(names(u, "del"),
          ".wh.wh keep wh xt xu"));
  } else {
    printf("skip union trusted and devices: not root\n");
  }
  CHECK("union: layer_of top", wo_union_layer_of(u, "esc") == 0);
  CHECK("union: layer_of base", wo_union_layer_of(u, "a/y") == 2);
  CHECK("union: lstat", wo_lstat(u, "bin/sh", &st) == 0 &&
        st.type == WO_T_REG && st.size == 12);
  CHECK("union: metacopy data from below", wo_open(u, "meta/m", &f) == 0 &&
        (n = wo_pread(f, buf, sizeof buf, 0)) == 14 &&
        !memcmp(buf, "metacopy data\n", 14));
  if (f)
    wo_fclose(f);
  CHECK("union: folder renamed from elsewhere",
        !strcmp(names(u, "ren"), "a b"));
  CHECK("union: folder renamed in its parent", !strcmp(names(u, "rel"),
        "c"));
  CHECK("union: old names whited out", !strstr(names(u, ""), "ren0") &&
        !strstr(names(u, ""), "rel0"));
  CHECK("union: renamed file read from its old place", wo_open(u, "ren/a",
        &f) == 0 && wo_pread(f, buf, sizeof buf, 0) == 8 &&
        !memcmp(buf, "renamed\n", 8));
  if (f)
    wo_fclose(f);
  CHECK("union: overlay xattrs hidden", wo_listxattr(u, "opq/u", buf,
        sizeof buf) == 0 && wo_getxattr(u, "opq/u",
        "user.overlay.opaque", buf, sizeof buf) == WO_ENODATA);
  CHECK("union: absolute link loops inside", wo_resolve(u, "etc/passwd", 1,
        canon) == WO_ELOOP);
  CHECK("union: relative escape stays inside", wo_resolve(u, "esc", 1,
        canon) == WO_ENOENT);
  CHECK("union: dir link stays inside", wo_resolve(u, "etc/dirlink", 1,
        canon) == WO_ENOENT);
  CHECK("union: dotdot stops at the root", wo_resolve(u,
        "../../../bin/sh", 1, canon) == 0 && !strcmp(canon, "bin/sh"));
}


static void test_union_modes(void)
{
  char err[256];
  wo_src *u = wo_union_open(lay, 3, WO_OV_ALL, err), *e;
  CHECK("union all: .wh.y hides y", !strcmp(names(u, "a"), ""));
  CHECK("union all: .wh..wh..opq honoured", !strcmp(names(u, "opq/f"),
        "new"));
  CHECK("union all: fuse opaque honoured", !strcmp(names(u, "opq/fu"),
        "new"));
  CHECK("union all: bookkeeping hidden", !strstr(names(u, ""), ".wh."));
  wo_src_unref(u);
  e = wo_union_open(NULL, 0, WO_OV_KERNEL, err);
  CHECK("union: empty has an empty root", e && !strcmp(names(e, ""), ""));
  wo_src_unref(e);
}


int main(void)
{
  const char *tmp = getenv("WO_TEST_TMP");
  char cmd[2200], err[256];
  wo_src *u;
  is_root = geteuid() == 0;
  snprintf(fx, sizeof fx, "%s/ovl-c", tmp ? tmp : "/tmp");
  snprintf(cmd, sizeof cmd, "tests/fixtures/make-overlay %s 2 >/dev/null",
           fx);
  if (system(cmd) != 0) {
    printf("not ok fixture: make-overlay failed\n");
    return 1;
  }
  lay[0] = open_layer("ovl-top");
  lay[1] = open_layer("ovl-middle");
  lay[2] = open_layer("ovl-base");
  CHECK("fixture layers open", lay[0] && lay[1] && lay[2]);
  if (!lay[0] || !lay[1] || !lay[2])
    return 1;
  test_names();
  test_classify();
  u = wo_union_open(lay, 3, WO_OV_KERNEL, err);
  test_union_kernel(u);
  wo_src_unref(u);
  test_union_modes();
  for (int i = 0; i < 3; i++)
    wo_src_unref(lay[i]);
  return failed ? 1 : 0;
}
