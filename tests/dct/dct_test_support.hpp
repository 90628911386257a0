// Helpers for the dct tests. Every expected byte in these tests is typed from
// docs/dct-format.md (section numbers in comments), never produced by the encoder
// under test.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "photon_dct/bytes.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/keys/key.hpp"
#include "test_support.hpp"

namespace dcttest {

using photon_dct::Bytes;
using photon_dct::ByteView;

// "30 82 01 22" -> {0x30, 0x82, 0x01, 0x22}; whitespace is ignored.
inline Bytes hex(std::string_view text) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        throw std::invalid_argument("bad hex digit in test data");
    };
    Bytes out;
    int high = -1;
    for (char c : text) {
        if (c == ' ' || c == '\n' || c == '\t') continue;
        const int v = nibble(c);
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(high * 16 + v));
            high = -1;
        }
    }
    if (high >= 0) throw std::invalid_argument("odd number of hex digits in test data");
    return out;
}

inline Bytes ascii(std::string_view text) { return Bytes(text.begin(), text.end()); }

inline Bytes fill(std::size_t n, std::uint8_t value) { return Bytes(n, value); }

inline Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

inline ByteView view(const Bytes& b) { return ByteView(b.data(), b.size()); }
inline ByteView view(std::string_view s) { return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }

// Standard base64 (RFC 4648) of a PEM body; header/footer lines are skipped.
inline Bytes pem_to_der(std::string_view pem) {
    std::string body;
    std::size_t pos = 0;
    while (pos < pem.size()) {
        std::size_t nl = pem.find('\n', pos);
        if (nl == std::string_view::npos) nl = pem.size();
        const std::string_view line = pem.substr(pos, nl - pos);
        if (!line.empty() && line.substr(0, 5) != "-----") body += std::string(line);
        pos = nl + 1;
    }
    return test_support::base64_decode(body);
}

// A DFU-window-sized image of erased flash (docs/dct-format.md 1.3).
inline Bytes erased_image(std::size_t size = 16384) { return Bytes(size, 0xFF); }

inline void put(Bytes& image, std::size_t offset, const Bytes& bytes) {
    ASSERT_LE(offset + bytes.size(), image.size());
    std::copy(bytes.begin(), bytes.end(), image.begin() + static_cast<std::ptrdiff_t>(offset));
}

inline Bytes slice(const Bytes& b, std::size_t offset, std::size_t size) {
    return Bytes(b.begin() + static_cast<std::ptrdiff_t>(offset),
                 b.begin() + static_cast<std::ptrdiff_t>(offset + size));
}

// Runs f, expecting photon_dct::Error with kind InvalidInput whose message contains every needle.
template <typename F>
void expect_invalid_input(F&& f, std::initializer_list<std::string_view> needles) {
    try {
        f();
        ADD_FAILURE() << "expected photon_dct::Error(InvalidInput), nothing was thrown";
    } catch (const photon_dct::Error& e) {
        EXPECT_EQ(e.kind(), photon_dct::ErrorKind::InvalidInput) << e.what();
        const std::string msg = e.what();
        for (auto n : needles)
            EXPECT_NE(msg.find(n), std::string::npos) << "message '" << msg << "' lacks '" << n << "'";
    } catch (const std::exception& e) {
        ADD_FAILURE() << "expected photon_dct::Error, got std::exception: " << e.what();
    }
}

// ---- Reference data typed from docs/dct-format.md --------------------------------------------

// §4.1: the only TCP server key layout the handshake reads (first 33 bytes, N follows at 33).
inline Bytes rsa2048_spki_prefix() {
    return hex("30 82 01 22 30 0d 06 09 2a 86 48 86 f7 0d 01 01 01 05 00 03 82 01 0f 00 30 82 01 0a 02 82 01 01 00");
}
inline Bytes rsa_e65537_suffix() { return hex("02 03 01 00 01"); }
// §4.1: EC P-256 SPKI header before X||Y.
inline Bytes p256_spki_prefix() {
    return hex("30 59 30 13 06 07 2a 86 48 ce 3d 02 01 06 08 2a 86 48 ce 3d 03 01 07 03 42 00 04");
}
// §5.2: fixed 29-byte header of the 162-byte RSA-1024 SPKI the firmware derives.
inline Bytes rsa1024_spki_header() {
    return hex("30 81 9f 30 0d 06 09 2a 86 48 86 f7 0d 01 01 01 05 00 03 81 8d 00 30 81 89 02 81 81 00");
}

// §4.3 Particle production server keys (tests/support/test_support.hpp).
using test_support::kParticleTcpModulusHex;
using test_support::kParticleTcpPem;
using test_support::kParticleTcpSha256;
using test_support::kParticleUdpPem;
using test_support::kParticleUdpPointHex;
using test_support::kParticleUdpSha256;

// §7.1 real DFU serial of a Photon, used as a device_id (3618, 12 bytes).
inline Bytes sample_device_id() { return hex("3b 00 21 00 17 47 35 32 36 34 30 33"); }
inline constexpr std::string_view kSampleDeviceIdHex = "3b0021001747353236343033";

// ---- Keys (generated once per process) ----------------------------------------------------

inline const photon_dct::keys::Key& server_rsa2048() {
    static const photon_dct::keys::Key k = photon_dct::keys::generate_rsa(2048);
    return k;
}
inline const photon_dct::keys::Key& server_ec() {
    static const photon_dct::keys::Key k = photon_dct::keys::generate_ec_p256();
    return k;
}
inline const photon_dct::keys::Key& device_rsa() {
    static const photon_dct::keys::Key k = photon_dct::keys::generate_device_rsa_key();
    return k;
}
inline const photon_dct::keys::Key& device_ec() {
    static const photon_dct::keys::Key k = photon_dct::keys::generate_ec_p256();
    return k;
}

// Independent (test-side) reading of §5.1: lengths of the INTEGERs of a PKCS#1 RSAPrivateKey in
// order version, N, E, D, P, Q, DP, DQ, QP, with a flag for each saying whether the first content
// byte is 0x00.
struct DerInteger {
    std::size_t length;
    bool leading_zero;
};
inline std::vector<DerInteger> pkcs1_integers(const Bytes& der) {
    std::vector<DerInteger> out;
    auto read_len = [&](std::size_t& pos) -> std::size_t {
        const std::uint8_t first = der.at(pos++);
        if (first < 0x80) return first;
        std::size_t n = first & 0x7f, len = 0;
        while (n-- > 0) len = (len << 8) | der.at(pos++);
        return len;
    };
    std::size_t pos = 0;
    if (der.at(pos++) != 0x30) return out;
    (void)read_len(pos);
    while (pos < der.size() && der[pos] == 0x02) {
        ++pos;
        const std::size_t len = read_len(pos);
        out.push_back({len, len > 0 && der.at(pos) == 0x00});
        pos += len;
    }
    return out;
}
// The firmware's fixed-position parser works iff N and D are 128 bytes (or 129 with a leading
// zero), E is 3 bytes (65537) and P, Q, DP, DQ, QP are 64 (or 65 with a leading zero).
inline bool firmware_layout_ok_by_reference(const Bytes& pkcs1) {
    const auto ints = pkcs1_integers(pkcs1);
    if (ints.size() != 9) return false;
    auto fits = [](const DerInteger& i, std::size_t w) {
        return i.length == w || (i.length == w + 1 && i.leading_zero);
    };
    return fits(ints[1], 128) && ints[2].length == 3 && fits(ints[3], 128) && fits(ints[4], 64) && fits(ints[5], 64) &&
           fits(ints[6], 64) && fits(ints[7], 64) && fits(ints[8], 64);
}

} // namespace dcttest
