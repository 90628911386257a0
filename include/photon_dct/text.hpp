// The one escaping rule for untrusted bytes (DCT fields, USB strings, file names from the command
// line) shown as text: the reader sees exactly what the device or file holds, and no byte of it can
// move the cursor, retitle the terminal or start a new line.
#pragma once

#include <string>
#include <string_view>

namespace photon_dct {

// Printable ASCII (0x20..0x7e) as is, except the backslash, which becomes "\\"; newline, carriage
// return and tab become "\n", "\r", "\t"; every other byte (controls, DEL, 0x80..0xff) becomes
// "\xNN" (two lower-case hex digits). The result is printable ASCII only.
std::string escape_text(std::string_view bytes);

} // namespace photon_dct
