// The versions of the libraries photon-dct runs with, for `--version` (the CLI reaches the usb and
// keys layers only through ops).
#pragma once

#include <string>

namespace photon_dct::ops {

struct LibraryVersions {
    std::string libusb;  // e.g. "1.0.26.11724"
    std::string openssl; // e.g. "OpenSSL 3.0.11 19 Sep 2023"
};
LibraryVersions library_versions();

} // namespace photon_dct::ops
