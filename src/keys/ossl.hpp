// Internal to photon_dct_keys: RAII wrappers for OpenSSL objects and access to Key's EVP_PKEY.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "photon_dct/bytes.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/keys/key.hpp"

namespace photon_dct::keys::detail {

template <auto Fn>
struct Deleter {
    template <class T>
    void operator()(T* p) const noexcept {
        Fn(p);
    }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using SecretBnPtr = std::unique_ptr<BIGNUM, Deleter<BN_clear_free>>;
using DecoderCtxPtr = std::unique_ptr<OSSL_DECODER_CTX, Deleter<OSSL_DECODER_CTX_free>>;
using EncoderCtxPtr = std::unique_ptr<OSSL_ENCODER_CTX, Deleter<OSSL_ENCODER_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;

struct OsslFree {
    void operator()(void* p) const noexcept { OPENSSL_free(p); }
};
struct OsslCharFree {
    void operator()(char* p) const noexcept { OPENSSL_free(p); }
};
struct OsslByteFree {
    void operator()(unsigned char* p) const noexcept { OPENSSL_free(p); }
};
using OsslString = std::unique_ptr<char, OsslCharFree>;
using OsslBytes = std::unique_ptr<unsigned char, OsslByteFree>;

// Sets an error-queue mark on construction and pops everything pushed since on destruction, so
// no function of this library leaves errors behind (errors pushed before it are kept).
class ErrorQueueGuard {
public:
    ErrorQueueGuard() noexcept { ERR_set_mark(); }
    ~ErrorQueueGuard() { ERR_pop_to_mark(); }
    ErrorQueueGuard(const ErrorQueueGuard&) = delete;
    ErrorQueueGuard& operator=(const ErrorQueueGuard&) = delete;
};

// Overwrites the bytes of `b` (key material) before it is freed.
inline void cleanse(Bytes& b) noexcept {
    if (!b.empty()) OPENSSL_cleanse(b.data(), b.size());
}

// A Bytes buffer that is wiped when it goes out of scope.
struct SecretBytes {
    Bytes data;
    SecretBytes() = default;
    explicit SecretBytes(Bytes b) : data(std::move(b)) {}
    SecretBytes(SecretBytes&& other) noexcept : data(std::move(other.data)) { other.data.clear(); }
    SecretBytes(const SecretBytes&) = delete;
    SecretBytes& operator=(const SecretBytes&) = delete;
    ~SecretBytes() { cleanse(data); }
};

// Error(Internal) with the OpenSSL reason of the most recent error appended (reasons never
// contain key material).
[[noreturn]] void throw_openssl(const std::string& what);

// Puts the key into canonical form for encoding: EC points uncompressed, named curve, public
// key included in SEC1 output. Best effort; never throws.
void normalize(EVP_PKEY* pkey) noexcept;

// The key's number `name` (an OSSL_PKEY_PARAM_*), wiped when freed; null if it has none.
SecretBnPtr bn_param(const EVP_PKEY* pkey, const char* name);

// Whether the key holds private material.
bool has_private(const EVP_PKEY* pkey) noexcept;

// Decodes exactly `der` (DER input) as `structure` ("type-specific", "PrivateKeyInfo", …) of key
// type `keytype` (nullptr: any) with `selection`. nullptr on failure or trailing bytes.
PkeyPtr decode_exact(ByteView der, const char* structure, const char* keytype, int selection);

// The public and private halves belong together. RSA: the key's arithmetic identities (see
// rsa_identities_hold in parse.cpp); EC and others: EVP_PKEY_pairwise_check.
bool pairwise_ok(EVP_PKEY* pkey);

} // namespace photon_dct::keys::detail

namespace photon_dct::keys {

struct Key::Impl {
    explicit Impl(detail::PkeyPtr p) : pkey(std::move(p)) {}
    detail::PkeyPtr pkey;
    // The SubjectPublicKeyInfo DER, encoded on first use: a decode compares and fingerprints the
    // same keys several times (issue 9: host time). A key never changes after KeyAccess::make; the
    // flag makes the first use thread-safe.
    mutable std::once_flag spki_once;
    mutable Bytes spki;
};

struct KeyAccess {
    // Takes ownership of `pkey` (non-null); normalises it.
    static Key make(detail::PkeyPtr pkey);
    static EVP_PKEY* get(const Key& key);
};

} // namespace photon_dct::keys
