#pragma once

#include <string_view>

namespace ckpt {

/// Natural order of names: runs of digits compare by value, so `layers.2` sorts before
/// `layers.10`; everything else compares bytewise. Equal values with different zero padding
/// (`01`, `1`) order by the padding, so the order is total.
bool naturalLess(std::string_view a, std::string_view b);

} // namespace ckpt
