#include "base/progress.h"

#include "base/error.h"

namespace ckpt {

void Progress::throwIfCancelled() const
{
    if (cancelled())
        fail(ErrorCategory::Cancelled, "cancelled by the user");
}

} // namespace ckpt
