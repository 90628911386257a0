// Shared by the decode tests (decode_test.cpp, connection_target_test.cpp, decode_device_key_test.cpp):
// images and blocks placed from docs/dct-format.md.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "dct_test_support.hpp"
#include "photon_dct/dct/decode.hpp"
#include "photon_dct/dct/device_key.hpp"
#include "photon_dct/dct/platform.hpp"
#include "photon_dct/dct/server_block.hpp"
#include "photon_dct/keys/key.hpp"

namespace dcttest {

using namespace photon_dct;
using namespace photon_dct::dct;

inline const Platform& photon() { return platform(PlatformId::Photon); }
inline const Platform& electron() { return platform(PlatformId::Electron); }

// A non-blank image: erased flash plus a device_id, so that it is neither all-FF nor all-zero.
inline Bytes base_image(std::size_t size = 16384) {
    Bytes img = erased_image(size);
    put(img, 3618, sample_device_id());
    return img;
}

// A healthy TCP device key (PKCS#1 at 34, §5.2 public key at 1250), so only the finding under test is an error.
inline void put_tcp_device_key(Bytes& img) {
    const Bytes n = device_rsa().rsa_modulus();
    put(img, 34, device_rsa().pkcs1_private_der());
    put(img, 1250, cat({rsa1024_spki_header(), n, rsa_e65537_suffix(), fill(222, 0x00)}));
}

// §9.3 / §9.5 address blocks (128 bytes).
inline Bytes domain_block(std::string_view name, Bytes port = hex("16 33")) {
    Bytes b = fill(128, 0xFF);
    b[0] = 0x01;
    b[1] = static_cast<std::uint8_t>(name.size());
    std::copy(name.begin(), name.end(), b.begin() + 2);
    std::copy(port.begin(), port.end(), b.begin() + 66);
    return b;
}

inline Bytes tcp_server_der() { return server_key_der_for_slot(Slot::Tcp, server_rsa2048()); }

inline const Finding* find(const DctReport& r, std::string_view code) {
    for (const auto& f : r.findings)
        if (f.code == code) return &f;
    return nullptr;
}

inline std::string codes(const DctReport& r) {
    std::string s;
    for (const auto& f : r.findings) s += f.code + " ";
    return s;
}

// §5.2: the 162-byte SPKI the firmware derives from an RSA-1024 key: header, N, 02 03 01 00 01.
inline Bytes reference_device_spki(const keys::Key& k) {
    const Bytes n = k.rsa_modulus();
    EXPECT_EQ(n.size(), 128u);
    return cat({rsa1024_spki_header(), n, rsa_e65537_suffix()});
}

// PKCS#8 PrivateKeyInfo wrapping a PKCS#1 key, built by hand (§5.1: 30 82 02 77 02 01 00 30 0d 06 09 2a 86 48 …).
inline Bytes pkcs8_of(const Bytes& pkcs1) {
    const Bytes alg = hex("02 01 00 30 0d 06 09 2a 86 48 86 f7 0d 01 01 01 05 00");
    Bytes octet = cat(
        {hex("04 82"),
         Bytes{static_cast<std::uint8_t>(pkcs1.size() >> 8), static_cast<std::uint8_t>(pkcs1.size() & 0xFF)}, pkcs1});
    const std::size_t content = alg.size() + octet.size();
    return cat({hex("30 82"), Bytes{static_cast<std::uint8_t>(content >> 8), static_cast<std::uint8_t>(content & 0xFF)},
                alg, octet});
}

} // namespace dcttest
