// The exit-code table, in one place (documented in man/photon-dct.1, EXIT STATUS).
#pragma once

#include <string_view>

#include "photon_dct/error.hpp"

namespace photon_dct::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 11;   // inspect: the DCT has at least one error finding; verify: differs
inline constexpr int kExitUnitFailed = 15; // provision/bench: at least one unit could not be brought to the profile

int exit_code(ErrorKind kind);
std::string_view error_kind_name(ErrorKind kind); // "invalid-input", … (the JSON "kind")

} // namespace photon_dct::cli
