#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace photon_dct {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Lower-case hex without separators ("0a1b").
std::string to_hex(ByteView bytes);

} // namespace photon_dct
