#include "photon_dct/dct/device_key.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include <fmt/format.h>

#include "photon_dct/error.hpp"
#include "photon_dct/keys/key.hpp"

namespace photon_dct::dct {
bool looks_like_pkcs8(ByteView der) {
    static constexpr std::array<std::uint8_t, 6> kAfterVersion{0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86};
    return der.size() > 13 && der[0] == 0x30 && der[1] == 0x82 && der[4] == 0x02 && der[5] == 0x01 &&
           std::equal(kAfterVersion.begin(), kAfterVersion.end(), der.begin() + 7);
}

DeviceKeySlotBytes encode_device_key_slots(const SlotLayout& slot, const keys::Key& key) {
    if (!key.is_private())
        throw Error(ErrorKind::InvalidInput,
                    "the device key file holds a public key; the device slot needs the private key",
                    "pass the device's private key (e.g. the .pem saved by new-device-key or a backup)");
    DeviceKeySlotBytes out;
    Bytes priv;
    Bytes pub;
    if (slot.kind == Slot::Tcp) {
        const std::string hint = "the TCP device key must be RSA-1024 with e = 65537; new-device-key makes one";
        if (key.type() != keys::KeyType::Rsa || key.bits() != 1024)
            throw Error(ErrorKind::InvalidInput,
                        fmt::format("device key is {}, the TCP slot needs RSA-1024", key.algorithm_name()), hint);
        if (key.rsa_public_exponent() != 65537)
            throw Error(ErrorKind::InvalidInput, "device key's public exponent is not 65537", hint);
        priv = key.pkcs1_private_der();
        if (auto problem = keys::firmware_rsa_layout_problem(priv))
            throw Error(ErrorKind::InvalidInput,
                        "Device OS's fixed-position key parser would misread this key: " + *problem,
                        "generate another key (new-device-key only makes keys the firmware reads correctly)");
        pub = key.spki_der();
        out.public_slot.assign(slot.device_public_key_size, 0x00);
        std::copy(pub.begin(), pub.end(), out.public_slot.begin());
    } else {
        if (key.type() != keys::KeyType::Ec || key.curve() != "prime256v1")
            throw Error(ErrorKind::InvalidInput,
                        fmt::format("device key is {}, the UDP slot needs EC P-256", key.algorithm_name()),
                        "use an EC P-256 (prime256v1) private key; new-device-key --protocol udp makes one");
        priv = key.sec1_private_der();
        pub = key.spki_der();
        out.public_slot.assign(slot.device_public_key_size, 0x00);
        std::copy(pub.begin(), pub.end(), out.public_slot.end() - static_cast<std::ptrdiff_t>(pub.size()));
    }
    if (priv.size() > slot.device_private_key_size || pub.size() > slot.device_public_key_size)
        throw Error(ErrorKind::InvalidInput, "device key does not fit the DCT slot");
    out.private_slot.assign(slot.device_private_key_size, 0xFF);
    std::copy(priv.begin(), priv.end(), out.private_slot.begin());
    return out;
}

} // namespace photon_dct::dct
