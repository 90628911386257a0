#include "asn1.hpp"
#include "ossl.hpp"

#include <array>
#include <cstring>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace photon_dct::keys {

namespace detail {

[[noreturn]] void throw_openssl(const std::string& what) {
    const unsigned long code = ERR_peek_last_error();
    std::string message = what;
    if (code != 0) {
        const char* reason = ERR_reason_error_string(code);
        if (reason != nullptr) {
            message += " (OpenSSL: ";
            message += reason;
            message += ")";
        }
    }
    throw Error(ErrorKind::Internal, message);
}

void normalize(EVP_PKEY* pkey) noexcept {
    if (pkey == nullptr || !EVP_PKEY_is_a(pkey, "EC")) return;
    ErrorQueueGuard guard;
    EVP_PKEY_set_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                   OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED);
    char group[80] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) == 1 && len > 0) {
        EVP_PKEY_set_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING, OSSL_PKEY_EC_ENCODING_GROUP);
    }
    EVP_PKEY_set_int_param(pkey, OSSL_PKEY_PARAM_EC_INCLUDE_PUBLIC, 1);
}

SecretBnPtr bn_param(const EVP_PKEY* pkey, const char* name) {
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) return nullptr;
    return SecretBnPtr(raw);
}

bool has_private(const EVP_PKEY* pkey) noexcept {
    if (pkey == nullptr) return false;
    ErrorQueueGuard guard;
    const char* bn_name = nullptr;
    if (EVP_PKEY_is_a(pkey, "RSA") || EVP_PKEY_is_a(pkey, "RSA-PSS")) {
        bn_name = OSSL_PKEY_PARAM_RSA_D;
    } else if (EVP_PKEY_is_a(pkey, "EC") || EVP_PKEY_is_a(pkey, "DSA") || EVP_PKEY_is_a(pkey, "DH") ||
               EVP_PKEY_is_a(pkey, "SM2")) {
        bn_name = OSSL_PKEY_PARAM_PRIV_KEY;
    }
    if (bn_name != nullptr) {
        BIGNUM* raw = nullptr;
        if (EVP_PKEY_get_bn_param(pkey, bn_name, &raw) != 1) return false;
        SecretBnPtr bn(raw);
        return true;
    }
    // Ed25519, X25519, … expose the private key as an octet string.
    std::size_t len = 0;
    return EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, nullptr, 0, &len) == 1 && len > 0;
}

namespace {

Bytes encode(const EVP_PKEY* pkey, int selection, const char* output_type, const char* structure, const char* what) {
    ErrorQueueGuard guard;
    EncoderCtxPtr ctx(OSSL_ENCODER_CTX_new_for_pkey(pkey, selection, output_type, structure, nullptr));
    if (!ctx || OSSL_ENCODER_CTX_get_num_encoders(ctx.get()) == 0) throw_openssl(what);
    unsigned char* data = nullptr;
    std::size_t len = 0;
    if (OSSL_ENCODER_to_data(ctx.get(), &data, &len) != 1 || data == nullptr) throw_openssl(what);
    Bytes out(data, data + len);
    OPENSSL_clear_free(data, len);
    return out;
}

std::string bio_to_string(BIO* bio) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    if (len <= 0 || data == nullptr) return {};
    return std::string(data, static_cast<std::size_t>(len));
}

std::optional<Bytes> bn_bytes(const EVP_PKEY* pkey, const char* name) {
    ErrorQueueGuard guard;
    const SecretBnPtr bn = bn_param(pkey, name);
    if (!bn) return std::nullopt;
    Bytes out(static_cast<std::size_t>(BN_num_bytes(bn.get())));
    if (!out.empty()) BN_bn2bin(bn.get(), out.data());
    return out;
}

// PKCS#8 PrivateKeyInfo starts SEQUENCE { INTEGER 0, SEQUENCE { AlgorithmIdentifier } … };
// PKCS#1 RSAPrivateKey starts SEQUENCE { INTEGER 0, INTEGER n … }.
bool looks_like_pkcs1_rsa_private(ByteView der) {
    if (der.size() < 8 || der[0] != 0x30) return false;
    std::size_t pos = 1;
    if (der[pos] & 0x80)
        pos += 1 + (der[pos] & 0x7f);
    else
        pos += 1;
    return pos + 4 <= der.size() && der[pos] == 0x02 && der[pos + 1] == 0x01 && der[pos + 2] == 0x00 &&
           der[pos + 3] == 0x02;
}

} // namespace
} // namespace detail

using namespace detail;

// ---- Key: construction, copy, access ----

Key::Key(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Key::Key(const Key& other) {
    const Impl& src = other.impl();
    if (EVP_PKEY_up_ref(src.pkey.get()) != 1) throw Error(ErrorKind::Internal, "EVP_PKEY_up_ref failed");
    impl_ = std::make_unique<Impl>(PkeyPtr(src.pkey.get()));
}

Key::Key(Key&& other) noexcept = default;

Key& Key::operator=(const Key& other) {
    if (this != &other) {
        Key copy(other);
        impl_ = std::move(copy.impl_);
    }
    return *this;
}

Key& Key::operator=(Key&& other) noexcept = default;
Key::~Key() = default;

const Key::Impl& Key::impl() const {
    if (!impl_ || !impl_->pkey) throw Error(ErrorKind::Internal, "use of a moved-from Key");
    return *impl_;
}

Key KeyAccess::make(PkeyPtr pkey) {
    if (!pkey) throw Error(ErrorKind::Internal, "KeyAccess::make: null key");
    normalize(pkey.get());
    return Key(std::make_unique<Key::Impl>(std::move(pkey)));
}

EVP_PKEY* KeyAccess::get(const Key& key) { return key.impl().pkey.get(); }

// ---- Key: queries ----

KeyType Key::type() const {
    const EVP_PKEY* p = impl().pkey.get();
    if (EVP_PKEY_is_a(p, "RSA")) return KeyType::Rsa;
    if (EVP_PKEY_is_a(p, "EC")) return KeyType::Ec;
    return KeyType::Other;
}

int Key::bits() const { return EVP_PKEY_get_bits(impl().pkey.get()); }

std::string Key::curve() const {
    const EVP_PKEY* p = impl().pkey.get();
    if (!EVP_PKEY_is_a(p, "EC")) return {};
    ErrorQueueGuard guard;
    char group[80] = {};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(p, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1) return {};
    return std::string(group, len);
}

std::string Key::algorithm_name() const {
    const EVP_PKEY* p = impl().pkey.get();
    switch (type()) {
    case KeyType::Rsa:
        return "RSA-" + std::to_string(bits());
    case KeyType::Ec: {
        const std::string c = curve();
        static constexpr std::array<std::pair<const char*, const char*>, 5> nist{{{"prime256v1", "P-256"},
                                                                                  {"secp384r1", "P-384"},
                                                                                  {"secp521r1", "P-521"},
                                                                                  {"secp224r1", "P-224"},
                                                                                  {"prime192v1", "P-192"}}};
        for (const auto& [sn, name] : nist)
            if (c == sn) return std::string("EC ") + name;
        return c.empty() ? "EC (explicit curve, " + std::to_string(bits()) + " bits)" : "EC " + c;
    }
    case KeyType::Other:
        break;
    }
    if (EVP_PKEY_is_a(p, "ED25519")) return "Ed25519";
    if (EVP_PKEY_is_a(p, "ED448")) return "Ed448";
    if (EVP_PKEY_is_a(p, "X25519")) return "X25519";
    if (EVP_PKEY_is_a(p, "X448")) return "X448";
    const char* name = EVP_PKEY_get0_type_name(p);
    return std::string(name != nullptr ? name : "unknown key type") + "-" + std::to_string(bits());
}

bool Key::is_private() const { return has_private(impl().pkey.get()); }

std::optional<std::uint64_t> Key::rsa_public_exponent() const {
    if (type() != KeyType::Rsa) return std::nullopt;
    const auto e = bn_bytes(impl().pkey.get(), OSSL_PKEY_PARAM_RSA_E);
    if (!e || e->size() > 8) return std::nullopt;
    std::uint64_t value = 0;
    for (std::uint8_t b : *e) value = (value << 8) | b;
    return value;
}

Bytes Key::rsa_modulus() const {
    if (type() != KeyType::Rsa) return {};
    auto n = bn_bytes(impl().pkey.get(), OSSL_PKEY_PARAM_RSA_N);
    return n ? std::move(*n) : Bytes{};
}

Bytes Key::spki_der() const {
    const Impl& i = impl();
    std::call_once(i.spki_once, [&i] {
        ErrorQueueGuard guard;
        if (auto der = rsa_or_ec_spki_der(i.pkey.get())) {
            i.spki = std::move(*der);
            return;
        }
        unsigned char* data = nullptr;
        const int len = i2d_PUBKEY(i.pkey.get(), &data);
        if (len <= 0 || data == nullptr) throw_openssl("cannot encode the public key as SubjectPublicKeyInfo");
        OsslBytes owned(data);
        i.spki.assign(data, data + len);
    });
    return i.spki;
}

Bytes Key::pkcs1_private_der() const {
    if (type() != KeyType::Rsa || !is_private())
        throw Error(ErrorKind::Internal, "pkcs1_private_der needs an RSA private key, got a " +
                                             std::string(is_private() ? "private " : "public ") + algorithm_name() +
                                             " key");
    Bytes der = encode(impl().pkey.get(), EVP_PKEY_KEYPAIR, "DER", "type-specific",
                       "cannot encode the RSA private key as PKCS#1");
    if (!looks_like_pkcs1_rsa_private(der)) {
        cleanse(der);
        throw Error(ErrorKind::Internal, "OpenSSL did not produce a PKCS#1 RSAPrivateKey");
    }
    return der;
}

Bytes Key::sec1_private_der() const {
    if (type() != KeyType::Ec || !is_private())
        throw Error(ErrorKind::Internal, "sec1_private_der needs an EC private key, got a " +
                                             std::string(is_private() ? "private " : "public ") + algorithm_name() +
                                             " key");
    return encode(impl().pkey.get(), EVP_PKEY_KEYPAIR, "DER", "type-specific",
                  "cannot encode the EC private key as SEC1");
}

std::string Key::public_pem() const {
    ErrorQueueGuard guard;
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), impl().pkey.get()) != 1)
        throw_openssl("cannot encode the public key as PEM");
    return bio_to_string(bio.get());
}

std::string Key::private_pem() const {
    if (!is_private())
        throw Error(ErrorKind::Internal, "private_pem needs a private key, got a public " + algorithm_name() + " key");
    const KeyType t = type();
    const char* structure = (t == KeyType::Rsa || t == KeyType::Ec) ? "type-specific" : "PrivateKeyInfo";
    Bytes pem = encode(impl().pkey.get(), EVP_PKEY_KEYPAIR, "PEM", structure, "cannot encode the private key as PEM");
    std::string out(pem.begin(), pem.end());
    cleanse(pem);
    return out;
}

Key Key::public_only() const {
    auto pub = parse_spki_der(spki_der());
    if (!pub) throw Error(ErrorKind::Internal, "cannot re-read the public key");
    return std::move(*pub);
}

// EVP_PKEY_eq compares the public halves (and domain parameters) without encoding either key.
bool Key::same_public_key(const Key& other) const {
    ErrorQueueGuard guard;
    return EVP_PKEY_eq(impl().pkey.get(), other.impl().pkey.get()) == 1;
}

// ---- free functions ----

std::string sha256_hex(ByteView data) {
    ErrorQueueGuard guard;
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int md_len = 0;
    // Fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm up again on every digest, and
    // a decode takes several (issue 9: host time). Kept for the process's life, like OpenSSL's own.
    static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (sha256 == nullptr || EVP_Digest(data.data(), data.size(), md.data(), &md_len, sha256, nullptr) != 1)
        throw_openssl("SHA-256 failed");
    return to_hex(ByteView(md.data(), md_len));
}

std::string fingerprint(const Key& key) { return sha256_hex(key.spki_der()); }

std::string openssl_version() { return OpenSSL_version(OPENSSL_VERSION); }

void initialize() {
    // The legacy cipher and digest name tables (OPENSSL_INIT_ADD_ALL_*) serve name lookups this
    // library never makes (EVP_get_cipherbyname, encrypted PEM); filling them is 0.3 ms of the
    // first algorithm fetch. Fetches use the providers' own names.
    constexpr std::uint64_t options = OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT |
                                      OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ADD_ALL_DIGESTS;
    if (OPENSSL_init_crypto(options, nullptr) != 1)
        throw_openssl("cannot set up OpenSSL");
}

} // namespace photon_dct::keys
