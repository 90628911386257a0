// Helpers shared by every test directory: a self-removing temp dir, whole-file read/write, shell
// quoting, base64/PEM decoding written from the formats (not via the product's key code), and the
// reference server keys of docs/dct-format.md §4.3. Header-only; depends on nothing in src/.
#pragma once

#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace test_support {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;        // same type as photon_dct::Bytes
using ByteView = std::span<const std::uint8_t>; // same type as photon_dct::ByteView

// ---------------------------------------------------------------------------------------------
// Temp dirs

// A fresh directory under $TMPDIR (/tmp if unset; ctest points it into the build tree), removed
// with everything in it at the end of its scope.
class TempDir {
public:
    explicit TempDir(const std::string& prefix = "photon-dct-test") {
        const char* t = std::getenv("TMPDIR");
        std::string tmpl = std::string(t != nullptr && *t != '\0' ? t : "/tmp") + "/" + prefix + ".XXXXXX";
        if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + tmpl);
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const fs::path& path() const { return path_; }
    fs::path operator/(const std::string& name) const { return path_ / name; }
    // A subdirectory, created.
    fs::path dir(const std::string& name) const {
        fs::create_directories(path_ / name);
        return path_ / name;
    }
    // Number of entries directly in the directory.
    std::size_t count() const {
        return static_cast<std::size_t>(std::distance(fs::directory_iterator(path_), fs::directory_iterator()));
    }
    // Writes `content` to a file `name` in the directory and returns its path.
    fs::path write(const std::string& name, ByteView content) const {
        const auto p = path_ / name;
        std::ofstream out(p, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(content.data()), static_cast<std::streamsize>(content.size()));
        if (!out) throw std::runtime_error("cannot write " + p.string());
        return p;
    }

private:
    fs::path path_;
};

// ---------------------------------------------------------------------------------------------
// Whole files

inline Bytes read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + p.string());
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::string read_text(const fs::path& p) {
    const auto b = read_bytes(p);
    return std::string(b.begin(), b.end());
}

inline void write_bytes(const fs::path& p, const Bytes& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + p.string());
}

inline void write_text(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + p.string());
}

// ---------------------------------------------------------------------------------------------
// Shell

// `s` in single quotes for /bin/sh.
inline std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

// ---------------------------------------------------------------------------------------------
// Base64 / PEM, written here from the formats (RFC 4648, RFC 7468)

// Standard base64; characters outside the alphabet (whitespace) are skipped, '=' ends the input.
inline Bytes base64_decode(std::string_view in) {
    auto val = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    Bytes out;
    unsigned acc = 0;
    int bits = 0;
    for (char c : in) {
        if (c == '=') break;
        const int v = val(c);
        if (v < 0) continue; // whitespace
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xFF));
        }
    }
    return out;
}

// DER body of the first PEM block in `pem` (any label).
inline Bytes pem_to_der(std::string_view pem) {
    const auto begin = pem.find("-----BEGIN ");
    if (begin == std::string_view::npos) throw std::runtime_error("no PEM block");
    const auto body = pem.find('\n', begin);
    const auto end = pem.find("-----END ", body);
    if (body == std::string_view::npos || end == std::string_view::npos) throw std::runtime_error("bad PEM block");
    return base64_decode(pem.substr(body + 1, end - body - 1));
}

// ---------------------------------------------------------------------------------------------
// Reference data typed from docs/dct-format.md §4.3: Particle's production server keys

inline constexpr std::string_view kParticleTcpPem = R"(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvsy+Q9uO6hUnprtSbeFR
K6CrzKFkd0itfGb8gH/2maUl8vLa4EPPOiakm6GHAw6ajSOavOqZ6mjTWhSxJg+9
qm1vDKzEdyzRxcix0Xto4CVze1KJaCC9Bsbw5gAwwODP9hs6RenEW1UXBqPTSsbV
uNIXArUnfY3k1H3T7cAdinwlHiFKUa5XBt1gvKE0kKrMCZ47OkFMPJ3z/f23J8FZ
gZhUYEpieqSav9+SGz78p+SkszqaX1eTjusZZJUiSizVYPX50ANQg2nAa1Pw8Nr4
E4IfzLtf4sHfOul/XeJ9uVCAPFgz74zzgD8RAdJohl88XubBjjIrKMu1zBuoUF6n
DQIDAQAB
-----END PUBLIC KEY-----
)";
inline constexpr std::string_view kParticleTcpSha256 =
    "aa8aba3c973ed4b668999047a09597948f36eefde525352e705fe8ef98c1677e";
inline constexpr std::string_view kParticleTcpModulusHex = "beccbe43db8eea1527a6bb526de1512ba0abcca1647748ad7c66fc807ff"
                                                           "699a525f2f2dae043cf3a26a49ba187030e9a8d239abcea99ea68d35a"
                                                           "14b1260fbdaa6d6f0cacc4772cd1c5c8b1d17b68e025737b52896820bd0"
                                                           "6c6f0e60030c0e0cff61b3a45e9c45b551706a3d34ac6d5b8d21702b"
                                                           "5277d8de4d47dd3edc01d8a7c251e214a51ae5706dd60bca13490aacc09"
                                                           "9e3b3a414c3c9df3fdfdb727c159819854604a627aa49abfdf921b3e"
                                                           "fca7e4a4b33a9a5f57938eeb196495224a2cd560f5f9d003508369c06b5"
                                                           "3f0f0daf813821fccbb5fe2c1df3ae97f5de27db950803c5833ef8cf"
                                                           "3803f1101d268865f3c5ee6c18e322b28cbb5cc1ba8505ea70d";

inline constexpr std::string_view kParticleUdpPem = R"(-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEUJv8GFZIwz+AkHrhMmDfMyghFSCe
VKIvKxBZhKRjYsB8Jnn25M52ygAtPeS/Lp46YhUcSBeb2Andzpxdww9UuA==
-----END PUBLIC KEY-----
)";
inline constexpr std::string_view kParticleUdpSha256 =
    "a22c78edbbefc04dec7333da227fc6f6904754d17d042099c765a02864555183";
inline constexpr std::string_view kParticleUdpPointHex = "509bfc185648c33f80907ae13260df33282115209e54a22f2b105984a4636"
                                                         "2c07c2679f6e4ce76ca002d3de4bf2e9e3a62151c48179bd809ddce"
                                                         "9c5dc30f54b8";

} // namespace test_support
