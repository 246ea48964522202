// Paths into the shared corpus of real checkpoints (CKPT_CORPUS_DIR), shared by the test folders.
// Tests skip visibly when a path is absent.
#pragma once

#include <string>

namespace testcorpus {

inline const std::string kCorpus = CKPT_CORPUS_DIR;
/// A direct (non-managed) Orbax OCDBT + zarr v2 item with _CHECKPOINT_METADATA.
inline const std::string kCompatDirect = kCorpus
    + "/orbax_ocdbt_zarr2/"
      "compat_v0_direct__checkpoint_metadata_present__pytree_checkpointable_has_metadata";

} // namespace testcorpus
