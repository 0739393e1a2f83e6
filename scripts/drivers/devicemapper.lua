-- The devicemapper storage driver: every layer and container is a thin
-- device of one dm-thin pool holding a whole file system (XFS or ext4),
-- read in user space (whiteout.thin); no whiteouts, trees compared.
local dmthin = require "whiteout.dmthin"

local D = {
  name = "devicemapper",
  description = "Docker's devicemapper driver: thin devices of a dm-thin "
    .. "pool (loop-lvm files or an LVM thin pool), each a full file "
    .. "system, read without device-mapper.",
  priority = 60,
  whiteouts = "none",
  diff = "trees",
}


--- Whether root (a DataRoot) holds devicemapper's metadata folder.
function D.detect(root)
  local st = root.src:lstat("devicemapper/metadata")
  return st ~= nil and st.type == "dir"
end


--- The layer's files: the rootfs/ of its thin device's file system.
function D.layer_dir(root, cache_id)
  local fs, err = dmthin.device_fs(root, cache_id or "")
  local sub = fs and fs:sub("/rootfs")
  if not sub then
    root:warn("devicemapper/metadata/" .. tostring(cache_id), "%s",
      err or "no rootfs/ on the device")
  end
  return sub
end


--- Where Docker mounted the layer (mnt/<id>/rootfs), for provenance.
function D.layer_path(root, cache_id)
  return "devicemapper/mnt/" .. cache_id .. "/rootfs"
end


--- The view of layers (top first): the top device alone, since each
-- device holds the whole file system.
function D.view(root, layers)
  return require("whiteout.views").default_view(root, D, layers)
end

return D
