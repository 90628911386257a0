// Plain DER helpers (no OpenSSL): SEQUENCE length and the firmware's fixed-position RSA layout.
#include <algorithm>
#include <iterator>
#include <string>

#include "photon_dct/keys/key.hpp"

namespace photon_dct::keys {

namespace {

struct Tlv {
    std::uint8_t tag = 0;
    std::size_t header = 0; // tag + length bytes
    std::size_t length = 0; // content length
};

// Reads one tag/length header at der[pos]; the content must fit in der.
std::optional<Tlv> read_tlv(ByteView der, std::size_t pos) {
    if (pos >= der.size() || der.size() - pos < 2) return std::nullopt;
    Tlv t;
    t.tag = der[pos];
    const std::uint8_t first = der[pos + 1];
    if (first < 0x80) {
        t.header = 2;
        t.length = first;
    } else {
        const std::size_t n = first & 0x7fU;
        if (n == 0 || n > 4) return std::nullopt; // indefinite form or absurdly long
        if (der.size() - pos < 2 + n) return std::nullopt;
        std::size_t len = 0;
        for (std::size_t i = 0; i < n; ++i) len = (len << 8) | der[pos + 2 + i];
        t.header = 2 + n;
        t.length = len;
    }
    if (t.length > der.size() - pos - t.header) return std::nullopt;
    return t;
}

} // namespace

std::optional<std::size_t> der_sequence_length(ByteView der) {
    const auto t = read_tlv(der, 0);
    if (!t || t->tag != 0x30) return std::nullopt;
    return t->header + t->length;
}

std::optional<std::string> firmware_rsa_layout_problem(ByteView der) {
    constexpr std::size_t slot_size = 612;
    const auto seq = read_tlv(der, 0);
    if (!seq || seq->tag != 0x30) return "not a DER SEQUENCE";
    const std::size_t total = seq->header + seq->length;
    if (total > slot_size)
        return "the key is " + std::to_string(total) + " bytes, more than the " + std::to_string(slot_size) +
               "-byte slot (PKCS#8 instead of PKCS#1, or not RSA-1024?)";
    const ByteView body = der.first(total);
    std::size_t pos = seq->header;

    auto integer = [&](const char* name, std::size_t width) -> std::optional<std::string> {
        const auto t = read_tlv(body, pos);
        if (!t || t->tag != 0x02) return std::string("expected INTEGER ") + name;
        const std::size_t len = t->length;
        const bool ok = len == width || (len == width + 1 && body[pos + t->header] == 0x00);
        if (!ok)
            return std::string(name) + " is encoded in " + std::to_string(len) + " bytes; the firmware expects " +
                   std::to_string(width) + " (or " + std::to_string(width + 1) + " with a leading zero)";
        pos += t->header + len;
        return std::nullopt;
    };

    {
        const auto v = read_tlv(body, pos);
        if (!v || v->tag != 0x02 || v->length != 1 || body[pos + v->header] != 0x00)
            return "expected version INTEGER 0 (PKCS#1 RSAPrivateKey)";
        pos += v->header + 1;
        if (pos < body.size() && body[pos] == 0x30)
            return "the key is PKCS#8 (PrivateKeyInfo); the firmware needs PKCS#1 (RSAPrivateKey)";
    }
    if (auto p = integer("the modulus N", 128)) return p;
    {
        static constexpr std::uint8_t e65537[] = {0x02, 0x03, 0x01, 0x00, 0x01};
        if (body.size() - pos < sizeof e65537 ||
            !std::equal(std::begin(e65537), std::end(e65537), body.begin() + static_cast<std::ptrdiff_t>(pos)))
            return "the public exponent is not 65537 (the firmware assumes it)";
        pos += sizeof e65537;
    }
    if (auto p = integer("the private exponent D", 128)) return p;
    for (const char* name : {"the prime P", "the prime Q", "the CRT value DP", "the CRT value DQ", "the CRT value QP"})
        if (auto p = integer(name, 64)) return p;
    if (pos != total) return "unexpected data after the last RSAPrivateKey field";
    return std::nullopt;
}

} // namespace photon_dct::keys
