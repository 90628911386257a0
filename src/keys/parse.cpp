// Strict parsers for key bytes found in a DCT: exact length, expected structure, never throw.
#include "ossl.hpp"

#include <openssl/x509.h>

namespace photon_dct::keys {

using namespace detail;

PkeyPtr detail::decode_exact(ByteView der, const char* structure, const char* keytype, int selection) {
    if (der.empty()) return nullptr;
    EVP_PKEY* raw = nullptr;
    DecoderCtxPtr ctx(OSSL_DECODER_CTX_new_for_pkey(&raw, "DER", structure, keytype, selection, nullptr, nullptr));
    if (!ctx || OSSL_DECODER_CTX_get_num_decoders(ctx.get()) == 0) return nullptr;
    const unsigned char* p = der.data();
    std::size_t left = der.size();
    const int ok = OSSL_DECODER_from_data(ctx.get(), &p, &left);
    PkeyPtr pkey(raw);
    if (ok != 1 || !pkey || left != 0) return nullptr;
    return pkey;
}

bool detail::pairwise_ok(EVP_PKEY* pkey) {
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
    return ctx && EVP_PKEY_pairwise_check(ctx.get()) == 1;
}

namespace {

bool exact_sequence(ByteView der) {
    const auto len = der_sequence_length(der);
    return len && *len == der.size();
}

} // namespace

std::optional<Key> parse_spki_der(ByteView der) try {
    ErrorQueueGuard guard;
    if (!exact_sequence(der)) return std::nullopt;
    const unsigned char* p = der.data();
    PkeyPtr pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
    if (!pkey || p != der.data() + der.size()) return std::nullopt;
    return KeyAccess::make(std::move(pkey));
} catch (...) {
    return std::nullopt;
}

std::optional<Key> parse_rsa_private_pkcs1_der(ByteView der) try {
    ErrorQueueGuard guard;
    if (!exact_sequence(der)) return std::nullopt;
    // PKCS#1 RSAPrivateKey: SEQUENCE { INTEGER version, INTEGER n, … }. Reject PKCS#8
    // (SEQUENCE { INTEGER 0, SEQUENCE AlgorithmIdentifier, … }) before OpenSSL sees it.
    const std::size_t hdr = (der[1] & 0x80) ? 2 + (der[1] & 0x7fU) : 2;
    if (der.size() < hdr + 4 || der[hdr] != 0x02 || der[hdr + 1] != 0x01 || der[hdr + 3] != 0x02) return std::nullopt;
    PkeyPtr pkey = decode_exact(der, "type-specific", "RSA", EVP_PKEY_KEYPAIR);
    if (!pkey || !EVP_PKEY_is_a(pkey.get(), "RSA") || !has_private(pkey.get()) || !pairwise_ok(pkey.get()))
        return std::nullopt;
    return KeyAccess::make(std::move(pkey));
} catch (...) {
    return std::nullopt;
}

std::optional<Key> parse_ec_private_sec1_der(ByteView der) try {
    ErrorQueueGuard guard;
    if (!exact_sequence(der)) return std::nullopt;
    // SEC1 ECPrivateKey: SEQUENCE { INTEGER 1, OCTET STRING privateKey, … }.
    const std::size_t hdr = (der[1] & 0x80) ? 2 + (der[1] & 0x7fU) : 2;
    if (der.size() < hdr + 4 || der[hdr] != 0x02 || der[hdr + 1] != 0x01 || der[hdr + 2] != 0x01 ||
        der[hdr + 3] != 0x04)
        return std::nullopt;
    PkeyPtr pkey = decode_exact(der, "type-specific", "EC", EVP_PKEY_KEYPAIR);
    if (!pkey || !EVP_PKEY_is_a(pkey.get(), "EC") || !has_private(pkey.get()) || !pairwise_ok(pkey.get()))
        return std::nullopt;
    return KeyAccess::make(std::move(pkey));
} catch (...) {
    return std::nullopt;
}

} // namespace photon_dct::keys
