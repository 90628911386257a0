// Test-side models of the device key formats (docs/dct-format.md 5.1, 5.2), written from the
// format description and not from the encoder under test: a generic DER walk of PKCS#1, the
// firmware's fixed-position RSA parser and the public key the firmware derives.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "photon_dct/bytes.hpp"

namespace ops_test {

using photon_dct::Bytes;

inline Bytes slice(const Bytes& b, std::size_t offset, std::size_t size) {
    return Bytes(b.begin() + static_cast<std::ptrdiff_t>(offset),
                 b.begin() + static_cast<std::ptrdiff_t>(offset + size));
}
inline Bytes hex(std::string_view text) {
    Bytes out;
    std::string digits;
    for (char c : text)
        if (c != ' ') digits.push_back(c);
    for (std::size_t i = 0; i + 1 < digits.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
    return out;
}

// ---- A test-side DER walk and the firmware's fixed-position parser (docs/dct-format.md 5.1) ----

struct RsaFields {
    Bytes n, e, d, p, q, dp, dq, qp;
};

// Generic DER walk of PKCS#1 RSAPrivateKey: SEQUENCE { version, n, e, d, p, q, dp, dq, qp }.
// Integers are returned minimal (no leading zero), big-endian.
inline std::optional<RsaFields> der_walk(const Bytes& der) {
    std::size_t pos = 0;
    auto tlv = [&](std::uint8_t tag, std::size_t& len) -> bool {
        if (pos + 2 > der.size() || der[pos] != tag) return false;
        std::size_t l = der[pos + 1];
        pos += 2;
        if (l & 0x80) {
            const std::size_t nbytes = l & 0x7F;
            if (nbytes == 0 || nbytes > 2 || pos + nbytes > der.size()) return false;
            l = 0;
            for (std::size_t i = 0; i < nbytes; ++i) l = (l << 8) | der[pos++];
        }
        len = l;
        return pos + len <= der.size();
    };
    std::size_t len = 0;
    if (!tlv(0x30, len)) return std::nullopt;
    std::vector<Bytes> ints;
    for (int i = 0; i < 9; ++i) {
        if (!tlv(0x02, len)) return std::nullopt;
        Bytes v(der.begin() + static_cast<std::ptrdiff_t>(pos), der.begin() + static_cast<std::ptrdiff_t>(pos + len));
        while (v.size() > 1 && v[0] == 0) v.erase(v.begin());
        ints.push_back(v);
        pos += len;
    }
    return RsaFields{ints[1], ints[2], ints[3], ints[4], ints[5], ints[6], ints[7], ints[8]};
}

// What Device OS's init_rsa_context_with_private_key reads: length byte at [9] (odd => skip a
// leading zero), N 128 bytes, E skipped as 02 03 01 00 01, D 128, then P, Q, DP, DQ, QP 64 each;
// before each the low bit of the length byte says whether a leading 0x00 is skipped.
struct FirmwareView {
    Bytes n, d, p, q, dp, dq, qp;
    bool e_is_65537 = false;
};
inline FirmwareView firmware_parse(const Bytes& der) {
    FirmwareView v;
    std::size_t pos = 9; // N's length byte: 30 82 LL LL | 02 01 00 | 02 81 [LEN]
    auto take = [&](std::size_t width) {
        const std::uint8_t len_byte = der.at(pos);
        pos += 1;
        if (len_byte & 1) pos += 1; // odd length: a leading 0x00 to skip
        Bytes out(der.begin() + static_cast<std::ptrdiff_t>(pos),
                  der.begin() + static_cast<std::ptrdiff_t>(pos + width));
        pos += width;
        return out;
    };
    v.n = take(128);
    v.e_is_65537 = slice(der, pos, 5) == Bytes{0x02, 0x03, 0x01, 0x00, 0x01};
    pos += 5;
    pos += 2; // D: 02 81 [LEN]
    v.d = take(128);
    for (Bytes* f : {&v.p, &v.q, &v.dp, &v.dq, &v.qp}) {
        pos += 1; // 02 [LEN]
        *f = take(64);
    }
    return v;
}

inline Bytes left_pad(const Bytes& v, std::size_t width) {
    if (v.size() >= width) return v;
    Bytes out(width - v.size(), 0x00);
    out.insert(out.end(), v.begin(), v.end());
    return out;
}

// True when the firmware's fixed positions yield the key's real integers.
inline bool firmware_reads_correctly(const Bytes& der, std::string* why = nullptr) {
    const auto real = der_walk(der);
    if (!real) {
        if (why) *why = "not a PKCS#1 DER";
        return false;
    }
    FirmwareView fw;
    try {
        fw = firmware_parse(der);
    } catch (const std::exception&) {
        if (why) *why = "fixed positions run past the DER";
        return false;
    }
    const std::array<std::pair<const char*, bool>, 8> checks{{
        {"N", fw.n == left_pad(real->n, 128)},
        {"E", fw.e_is_65537 && real->e == Bytes({0x01, 0x00, 0x01})},
        {"D", fw.d == left_pad(real->d, 128)},
        {"P", fw.p == left_pad(real->p, 64)},
        {"Q", fw.q == left_pad(real->q, 64)},
        {"DP", fw.dp == left_pad(real->dp, 64)},
        {"DQ", fw.dq == left_pad(real->dq, 64)},
        {"QP", fw.qp == left_pad(real->qp, 64)},
    }};
    for (const auto& [name, ok] : checks)
        if (!ok) {
            if (why) *why = std::string(name) + " misread";
            return false;
        }
    return true;
}

// docs/dct-format.md 5.2: the firmware's 162-byte SPKI = 29-byte header + privkey[11..138] + 02 03 01 00 01.
inline Bytes firmware_public_key(const Bytes& pkcs1) {
    Bytes out = hex("30 81 9f 30 0d 06 09 2a 86 48 86 f7 0d 01 01 01 05 00 03 81 8d 00 30 81 89 02 81 81 00");
    out.insert(out.end(), pkcs1.begin() + 11, pkcs1.begin() + 139);
    const Bytes e = hex("02 03 01 00 01");
    out.insert(out.end(), e.begin(), e.end());
    return out;
}

} // namespace ops_test
