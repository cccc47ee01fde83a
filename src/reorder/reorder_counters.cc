// The reorder buffer is a template; this unit only anchors the library target
// and checks that the header stands alone.
#include "reorder/reorder_buffer.h"

namespace rtparchive::reorder {
template class ReorderBuffer<int>;
}  // namespace rtparchive::reorder
