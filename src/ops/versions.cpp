#include "photon_dct/ops/versions.hpp"

#include "photon_dct/keys/key.hpp"
#include "photon_dct/usb/usb.hpp"

namespace photon_dct::ops {

LibraryVersions library_versions() { return {usb::libusb_version(), keys::openssl_version()}; }

} // namespace photon_dct::ops
