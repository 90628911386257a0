// Shared by the photon_dct_keys tests (key_test.cpp, parsers_test.cpp): reference keys and the
// OpenSSL-built inputs the library does not produce itself (PKCS#8, encrypted keys).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>

#include <openssl/core_names.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "photon_dct/error.hpp"
#include "photon_dct/keys/key.hpp"
#include "test_support.hpp"

namespace keytest {

using namespace photon_dct;
using namespace photon_dct::keys;

// Particle production server keys, docs/dct-format.md §4.3 (tests/support/test_support.hpp).
constexpr std::string_view kTcpServerPem = test_support::kParticleTcpPem;
constexpr std::string_view kTcpServerSha256 = test_support::kParticleTcpSha256;
constexpr std::string_view kTcpServerModulus = test_support::kParticleTcpModulusHex;
constexpr std::string_view kUdpServerPem = test_support::kParticleUdpPem;
constexpr std::string_view kUdpServerSha256 = test_support::kParticleUdpSha256;
constexpr std::string_view kUdpServerPoint = test_support::kParticleUdpPointHex;

inline ByteView view(std::string_view s) { return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}; }

inline Bytes concat(Bytes a, const Bytes& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// Shared keys (generation is slow-ish); built once.
inline const Key& rsa1024() {
    static const Key k = generate_rsa(1024);
    return k;
}
inline const Key& rsa2048() {
    static const Key k = generate_rsa(2048);
    return k;
}
inline const Key& ec256() {
    static const Key k = generate_ec_p256();
    return k;
}

template <auto Fn>
struct Del {
    template <class T>
    void operator()(T* p) const {
        Fn(p);
    }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Del<EVP_PKEY_free>>;
using BioPtr = std::unique_ptr<BIO, Del<BIO_free_all>>;
using EncPtr = std::unique_ptr<OSSL_ENCODER_CTX, Del<OSSL_ENCODER_CTX_free>>;

// Re-reads a private PEM produced by the library into a raw EVP_PKEY (test-only helper).
inline PkeyPtr raw_private(const Key& key) {
    const std::string pem = key.private_pem();
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

// Encodes with OSSL_ENCODER (optionally encrypted with a passphrase).
inline Bytes encode(const EVP_PKEY* pkey, const char* type, const char* structure, const char* cipher = nullptr) {
    EncPtr ctx(OSSL_ENCODER_CTX_new_for_pkey(pkey, EVP_PKEY_KEYPAIR, type, structure, nullptr));
    if (!ctx) return {};
    if (cipher != nullptr) {
        static const unsigned char pass[] = "secret";
        OSSL_ENCODER_CTX_set_cipher(ctx.get(), cipher, nullptr);
        OSSL_ENCODER_CTX_set_passphrase(ctx.get(), pass, sizeof pass - 1);
    }
    unsigned char* data = nullptr;
    size_t len = 0;
    if (OSSL_ENCODER_to_data(ctx.get(), &data, &len) != 1) return {};
    Bytes out(data, data + len);
    OPENSSL_free(data);
    return out;
}

inline Bytes pkcs8_der(const Key& key) { return encode(raw_private(key).get(), "DER", "PrivateKeyInfo"); }
inline std::string pkcs8_pem(const Key& key) {
    const Bytes b = encode(raw_private(key).get(), "PEM", "PrivateKeyInfo");
    return {b.begin(), b.end()};
}

inline std::string hex(ByteView b) { return to_hex(b); }

using test_support::TempDir;

// Expects load_key(content, what) to throw Error(kind) whose message names `what`.
inline void expect_load_error(ByteView content, ErrorKind kind, const std::string& message_part = {}) {
    const std::string what = "--pem test-arg.pem";
    try {
        (void)load_key(content, what);
        ADD_FAILURE() << "load_key accepted the input";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), kind) << e.what();
        EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
        if (!message_part.empty()) {
            EXPECT_NE(std::string(e.what()).find(message_part), std::string::npos) << e.what();
        }
        EXPECT_FALSE(e.hint().empty());
    }
}

} // namespace keytest
