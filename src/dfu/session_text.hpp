// Text shared by the two halves of DfuseSession (session.cpp, dfuse.cpp): addresses in messages.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace photon_dct::dfu::detail {

// "0x00000822": the width dfu-util prints addresses in.
inline std::string hex32(std::uint64_t value) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%08llx", static_cast<unsigned long long>(value));
    return buf;
}

} // namespace photon_dct::dfu::detail
