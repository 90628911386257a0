// Device key slots: the formats Device OS reads (docs/dct-format.md 5).
#pragma once

#include <optional>
#include <string>

#include "photon_dct/bytes.hpp"
#include "photon_dct/dct/platform.hpp"

namespace photon_dct::keys {
class Key;
}

namespace photon_dct::dct {

// True when `der` starts like PKCS#8 PrivateKeyInfo (what `openssl rsa -outform DER` emits on
// OpenSSL 3), which the firmware cannot read.
bool looks_like_pkcs8(ByteView der);

struct DeviceKeySlotBytes {
    Bytes private_slot; // device_private_key_size bytes: DER then 0xFF
    Bytes public_slot;  // device_public_key_size bytes, as the firmware itself stores it
};

// Validates `private_key` for the slot (TCP: RSA-1024, e = 65537, firmware layout; UDP: EC P-256)
// and lays it out as Device OS would: TCP public key = 162-byte SPKI + zeros; UDP public key
// right-aligned after zeros (0.8.0+ firmware). Error(InvalidInput) naming the rule otherwise.
DeviceKeySlotBytes encode_device_key_slots(const SlotLayout& slot, const keys::Key& private_key);

} // namespace photon_dct::dct
